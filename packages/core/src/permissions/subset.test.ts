import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Category } from "../catalogue.js";
import { type AccessRequest, evaluate } from "./evaluate.js";
import { permissionsWithin } from "./subset.js";
import type { CategoryRule, Constraint, PermissionTree, RouteGrant } from "./tree.js";

const one = (eq: number) => ({ constraints: { id: { eq } } });

describe("permissionsWithin (no escalation)", () => {
  it("full access contains everything; only full access contains full access", () => {
    expect(permissionsWithin({ api: { user_read: {} } }, null)).toBe(true);
    expect(permissionsWithin(null, null)).toBe(true);
    expect(permissionsWithin(null, { api: { user_read: {} } })).toBe(false);
  });

  it("compares categories", () => {
    const parent: PermissionTree = { api: { instance_read: {}, user_read: {} } };
    expect(permissionsWithin({ api: { instance_read: {} } }, parent)).toBe(true);
    expect(permissionsWithin({ api: { instance_write: {} } }, parent)).toBe(false);
  });

  it("a whole category is not within a named-routes rule", () => {
    const parent: PermissionTree = { api: { instance_read: { "api.instance.show": {} } } };
    expect(permissionsWithin({ api: { instance_read: {} } }, parent)).toBe(false);
    expect(
      permissionsWithin({ api: { instance_read: { "api.instance.show": one(3) } } }, parent),
    ).toBe(true);
  });

  it("a whole category is within an unconstrained * rule", () => {
    expect(permissionsWithin({ api: { misc: {} } }, { api: { misc: { "*": {} } } })).toBe(true);
    expect(
      permissionsWithin(
        { api: { instance_read: {} } },
        { api: { instance_read: { "*": {}, "api.instance.show": one(1) } } },
      ),
    ).toBe(false);
  });

  it("compares constraints as sets of values", () => {
    const range = (gte: number, lte: number) => ({ constraints: { id: { gte, lte } } });
    const parent: PermissionTree = {
      api: { instance_read: { "api.instance.request_logs": range(1, 100) } },
    };
    const child = (grant: object): PermissionTree => ({
      api: { instance_read: { "api.instance.request_logs": grant } },
    });
    expect(permissionsWithin(child(range(10, 20)), parent)).toBe(true);
    expect(permissionsWithin(child(one(100)), parent)).toBe(true);
    expect(permissionsWithin(child(range(0, 20)), parent)).toBe(false);
    expect(permissionsWithin(child(one(101)), parent)).toBe(false);
    expect(permissionsWithin(child({}), parent)).toBe(false);
  });

  it("a child * must be within the parent's * and each route the parent names", () => {
    const parent: PermissionTree = {
      api: { instance_read: { "*": {}, "api.instance.show": one(5) } },
    };
    expect(permissionsWithin({ api: { instance_read: { "*": {} } } }, parent)).toBe(false);
    expect(
      permissionsWithin(
        { api: { instance_read: { "*": {}, "api.instance.show": one(5) } } },
        parent,
      ),
    ).toBe(true);
  });
});

/** Random trees and requests over a small universe, so that overlaps are frequent. */
const categoriesUsed: Category[] = ["instance_read", "instance_write"];
const routesUsed: Record<string, string[]> = {
  instance_read: ["api.instance.show", "api.instance.list"],
  instance_write: ["api.instance.reboot", "api.instance.destroy"],
};
const value = fc.integer({ min: 0, max: 6 });
const constraint: fc.Arbitrary<Constraint> = fc
  .record({
    eq: fc.option(value, { nil: undefined }),
    gte: fc.option(value, { nil: undefined }),
    lte: fc.option(value, { nil: undefined }),
  })
  .filter((c) => c.eq !== undefined || c.gte !== undefined || c.lte !== undefined)
  .map(
    (c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as Constraint,
  );
const grant: fc.Arbitrary<RouteGrant> = fc
  .option(fc.record({ id: constraint }), { nil: undefined })
  .map((c) => (c ? { constraints: c } : {}));

const rule = (category: string): fc.Arbitrary<CategoryRule> =>
  fc.oneof(
    fc.constant({}),
    fc.subarray([...(routesUsed[category] ?? []), "*"], { minLength: 1 }).chain((names) =>
      fc.array(grant, { minLength: names.length, maxLength: names.length }).map((gs) => {
        const out: CategoryRule = {};
        names.forEach((n, i) => {
          out[n] = gs[i] ?? {};
        });
        return out;
      }),
    ),
  );

const tree: fc.Arbitrary<PermissionTree | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 6,
    arbitrary: fc
      .subarray(categoriesUsed)
      .chain((cats) =>
        fc
          .tuple(...cats.map((c) => rule(c)))
          .map((rules) => ({ api: Object.fromEntries(cats.map((c, i) => [c, rules[i]])) })),
      ),
  },
);

const request: fc.Arbitrary<AccessRequest> = fc.constantFrom(...categoriesUsed).chain((category) =>
  fc.record({
    category: fc.constant(category),
    route: fc.constantFrom(...(routesUsed[category] ?? [])),
    params: fc.option(fc.record({ id: value }), { nil: undefined }),
  }),
);

describe("permission laws (property-based)", () => {
  it("no escalation: whatever a contained tree allows, its container allows", () => {
    fc.assert(
      fc.property(
        tree,
        tree,
        fc.array(request, { minLength: 1, maxLength: 20 }),
        (child, parent, requests) => {
          fc.pre(permissionsWithin(child, parent));
          for (const req of requests) {
            if (evaluate(child, req).allowed) expect(evaluate(parent, req).allowed).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("every tree is within itself and within full access", () => {
    fc.assert(
      fc.property(tree, (t) => permissionsWithin(t, t) && permissionsWithin(t, null)),
      { numRuns: 1000 },
    );
  });

  it("containment is transitive", () => {
    fc.assert(
      fc.property(tree, tree, tree, (a, b, c) => {
        fc.pre(permissionsWithin(a, b) && permissionsWithin(b, c));
        return permissionsWithin(a, c);
      }),
      { numRuns: 3000 },
    );
  });

  it("a constraint admits exactly the values that satisfy every operator; a missing parameter fails", () => {
    fc.assert(
      fc.property(constraint, fc.option(value, { nil: undefined }), (c, v) => {
        const decision = evaluate(
          { api: { instance_read: { "api.instance.show": { constraints: { id: c } } } } },
          {
            category: "instance_read",
            route: "api.instance.show",
            params: v === undefined ? {} : { id: v },
          },
        );
        const expected =
          v !== undefined &&
          (c.eq === undefined || c.eq === v) &&
          (c.gte === undefined || v >= c.gte) &&
          (c.lte === undefined || v <= c.lte);
        expect(decision.allowed).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
