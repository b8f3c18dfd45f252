import { type AccessRequest, evaluate, parsePermissions, presets } from "@latchkey/core";
import { describe, expect, it } from "vitest";
import { serverCatalogue } from "./serverCatalogue.js";

/**
 * Every documented example of Vast's "Manage API keys" page ("Permissions"), as a table: the
 * tree as Vast documents it, then requests it must allow and requests it must refuse.
 */
interface Example {
  name: string;
  tree: unknown;
  allow: AccessRequest[];
  deny: AccessRequest[];
}

const r = (
  category: AccessRequest["category"],
  route?: string,
  params?: Record<string, unknown>,
): AccessRequest => ({
  category,
  route,
  params,
});

const examples: Example[] = [
  {
    name: "instance management without billing",
    tree: { api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} } },
    allow: [
      r("instance_write", "api.instance.create"),
      r("instance_write", "api.instance.destroy", { id: 7 }),
      r("instance_read", "api.instance.list"),
      r("user_read", "api.users.current"),
      r("misc", "api.offers.search"),
    ],
    deny: [
      r("billing_read", "api.billing.invoices"),
      r("billing_write", "api.billing.transfer_credit"),
      r("user_write", "api.apikeys.create"),
      r("machine_read", "api.machine.list"),
      r("team_read", "api.team.members"),
    ],
  },
  {
    name: "instance management with billing",
    tree: {
      api: {
        misc: {},
        user_read: {},
        instance_read: {},
        instance_write: {},
        billing_read: {},
        billing_write: {},
      },
    },
    allow: [
      r("instance_write", "api.instance.reboot", { id: 1 }),
      r("billing_read", "api.billing.invoices"),
      r("billing_write", "api.billing.transfer_credit"),
    ],
    deny: [
      r("user_write", "api.apikeys.delete", { id: 1 }),
      r("machine_write", "api.machine.manage"),
    ],
  },
  {
    name: "read-only",
    tree: { api: { instance_read: {}, user_read: {} } },
    allow: [r("instance_read", "api.instance.show", { id: 1 }), r("user_read", "api.apikeys.list")],
    deny: [
      r("instance_write", "api.instance.destroy", { id: 1 }),
      r("user_write", "api.apikeys.create"),
      r("misc", "api.audit_logs.list"),
    ],
  },
  {
    name: "one instance (1227)",
    tree: {
      api: {
        instance_read: { "api.instance.show": { constraints: { id: { eq: 1227 } } } },
        instance_write: {
          "api.instance.destroy": { constraints: { id: { eq: 1227 } } },
          "api.instance.reboot": { constraints: { id: { eq: 1227 } } },
        },
      },
    },
    allow: [
      r("instance_read", "api.instance.show", { id: 1227 }),
      // Path parameters arrive as text.
      r("instance_read", "api.instance.show", { id: "1227" }),
      r("instance_write", "api.instance.destroy", { id: 1227 }),
      r("instance_write", "api.instance.reboot", { id: 1227 }),
    ],
    deny: [
      r("instance_read", "api.instance.show", { id: 1228 }),
      // Only the canonical spelling of the number stands for it.
      r("instance_read", "api.instance.show", { id: "01227" }),
      r("instance_read", "api.instance.show", { id: "1227.0" }),
      r("instance_read", "api.instance.show", { id: " 1227" }),
      r("instance_read", "api.instance.show", { id: "+1227" }),
      r("instance_read", "api.instance.show", { id: [1227] }),
      r("instance_read", "api.instance.show", { id: true }),
      r("instance_read", "api.instance.show", {}),
      r("instance_read", "api.instance.list"),
      r("instance_read", "api.instance.request_logs", { id: 1227 }),
      r("instance_write", "api.instance.reboot", { id: 1 }),
      r("instance_write", "api.instance.create"),
      r("user_read", "api.users.current"),
    ],
  },
  {
    name: "logs of an id range (1–100)",
    tree: {
      api: {
        instance_read: {
          "api.instance.request_logs": { constraints: { id: { gte: 1, lte: 100 } } },
        },
      },
    },
    allow: [
      r("instance_read", "api.instance.request_logs", { id: 1 }),
      r("instance_read", "api.instance.request_logs", { id: 50 }),
      r("instance_read", "api.instance.request_logs", { id: "100" }),
    ],
    deny: [
      r("instance_read", "api.instance.request_logs", { id: 0 }),
      r("instance_read", "api.instance.request_logs", { id: 101 }),
      r("instance_read", "api.instance.request_logs", { id: "abc" }),
      r("instance_read", "api.instance.request_logs", { id: "1e2" }),
      r("instance_read", "api.instance.request_logs", { id: "50.5" }),
      r("instance_read", "api.instance.request_logs"),
      r("instance_read", "api.instance.show", { id: 5 }),
    ],
  },
  {
    name: 'a "*" child opens the routes not named beside it',
    tree: {
      api: { instance_read: { "api.instance.show": { constraints: { id: { eq: 5 } } }, "*": {} } },
    },
    allow: [
      r("instance_read", "api.instance.list"),
      r("instance_read", "api.instance.request_logs", { id: 9 }),
      r("instance_read", "api.instance.show", { id: 5 }),
    ],
    deny: [
      r("instance_read", "api.instance.show", { id: 6 }),
      r("instance_write", "api.instance.create"),
    ],
  },
];

describe("Vast's documented permission examples", () => {
  const catalogue = serverCatalogue();
  for (const example of examples) {
    describe(example.name, () => {
      const parsed = parsePermissions(example.tree, catalogue);
      it("is a valid tree", () => {
        expect(parsed).toMatchObject({ ok: true });
      });
      const tree = parsed.ok ? parsed.tree : { api: {} };
      for (const request of example.allow) {
        it(`allows ${request.route} ${JSON.stringify(request.params ?? {})}`, () => {
          expect(evaluate(tree, request)).toEqual({ allowed: true });
        });
      }
      for (const request of example.deny) {
        it(`refuses ${request.category}/${request.route} ${JSON.stringify(request.params ?? {})}`, () => {
          const decision = evaluate(tree, request);
          expect(decision.allowed).toBe(false);
          if (!decision.allowed) expect(decision.required.category).toBe(request.category);
        });
      }
    });
  }

  it("full access (no permissions) allows every catalogued route", () => {
    for (const entry of catalogue.entries) {
      if (entry.category === null) continue;
      expect(evaluate(null, { category: entry.category, route: entry.name })).toEqual({
        allowed: true,
      });
    }
  });

  it("the presets are the documented patterns and all valid", () => {
    const byName = Object.fromEntries(presets.map((p) => [p.name, p.permissions]));
    expect(byName.full).toBeNull();
    expect(byName["read-only"]).toEqual(examples[2]?.tree);
    expect(byName.instances).toEqual(examples[0]?.tree);
    expect(byName["instances-billing"]).toEqual(examples[1]?.tree);
    for (const preset of presets) {
      if (preset.permissions) expect(parsePermissions(preset.permissions, catalogue).ok).toBe(true);
    }
  });

  it("names what is missing when it refuses", () => {
    const parsed = parsePermissions(examples[3]?.tree, catalogue);
    if (!parsed.ok) throw new Error("example 4 must parse");
    expect(evaluate(parsed.tree, r("instance_read", "api.instance.show", { id: 1 }))).toMatchObject(
      {
        allowed: false,
        required: { category: "instance_read", route: "api.instance.show", param: "id" },
      },
    );
    expect(evaluate(parsed.tree, r("billing_read", "api.billing.invoices"))).toMatchObject({
      allowed: false,
      required: { category: "billing_read" },
    });
  });
});
