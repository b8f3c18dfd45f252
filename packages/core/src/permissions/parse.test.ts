import { describe, expect, it } from "vitest";
import { platformRoutes, RouteCatalogue } from "../catalogue.js";
import { evaluate } from "./evaluate.js";
import { parsePermissions } from "./parse.js";

const catalogue = new RouteCatalogue(platformRoutes);

function errorOf(tree: unknown) {
  const result = parsePermissions(tree, catalogue);
  if (result.ok) throw new Error(`expected ${JSON.stringify(tree)} to be refused`);
  return result;
}

describe("parsePermissions", () => {
  it("accepts whole categories, named routes, * and constraints", () => {
    const tree = {
      api: {
        user_read: {},
        instance_read: {
          "*": {},
          "api.instance.show": { constraints: { id: { eq: 1, gte: 0, lte: 5 } } },
        },
      },
    };
    expect(parsePermissions(tree, catalogue)).toEqual({ ok: true, tree });
  });

  it.each([
    [[], "", "permissions must be an object, not an array"],
    ["{}", "", "not a string"],
    [{ apis: {} }, "/apis", "unknown top-level field 'apis'"],
    [{}, "/api", "missing 'api'"],
    [{ api: [] }, "/api", "'api' must be an object"],
    [{ api: { instance_reads: {} } }, "/api/instance_reads", "unknown category 'instance_reads'"],
    [{ api: { instance_read: true } }, "/api/instance_read", "a category rule must be an object"],
    [
      { api: { instance_read: { "api.nope": {} } } },
      "/api/instance_read/api.nope",
      "unknown route 'api.nope'",
    ],
    [
      { api: { instance_write: { "api.instance.show": {} } } },
      "/api/instance_write/api.instance.show",
      "belongs to category 'instance_read'",
    ],
    [
      { api: { instance_read: { "api.instance.show": { constraint: {} } } } },
      "/api/instance_read/api.instance.show/constraint",
      "unknown field 'constraint'",
    ],
    [
      { api: { instance_read: { "api.instance.show": { constraints: { id: { ne: 1 } } } } } },
      "/api/instance_read/api.instance.show/constraints/id/ne",
      "unknown operator 'ne'",
    ],
    [
      { api: { instance_read: { "api.instance.show": { constraints: { id: { lte: "9" } } } } } },
      "/api/instance_read/api.instance.show/constraints/id/lte",
      "lte takes a finite number",
    ],
    [
      { api: { instance_read: { "api.instance.show": { constraints: { id: {} } } } } },
      "/api/instance_read/api.instance.show/constraints/id",
      "at least one of eq, lte, gte",
    ],
    [
      {
        api: {
          instance_read: { "api.instance.show": { constraints: { id: { gte: 5, lte: 1 } } } },
        },
      },
      "/api/instance_read/api.instance.show/constraints/id",
      "no value can satisfy it",
    ],
    [
      { api: { instance_read: { "api.instance.show": { constraints: { id: { eq: [1] } } } } } },
      "/api/instance_read/api.instance.show/constraints/id/eq",
      "eq takes a number, a string or a boolean",
    ],
  ])("refuses %j at %s", (tree, path, message) => {
    const error = errorOf(tree === "{}" ? "{}" : tree);
    expect(error.path).toBe(path);
    expect(error.msg).toContain(
      message === "not a string" ? "must be an object, not a string" : message,
    );
  });

  it("escapes route names containing / in the JSON Pointer", () => {
    const error = errorOf({ api: { misc: { "a/b": {} } } });
    expect(error.path).toBe("/api/misc/a~1b");
  });

  it("bounds the size of a tree", () => {
    const routes = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`api.r${i}`, {}]));
    expect(errorOf({ api: { misc: routes } }).msg).toContain("at most 256 routes");
  });

  it("keeps a constraint on a parameter named __proto__ (it is not dropped)", () => {
    const input: unknown = JSON.parse(
      '{"api": {"instance_read": {"api.instance.show": {"constraints": {"__proto__": {"eq": 1}}}}}}',
    );
    const parsed = parsePermissions(input, catalogue);
    if (!parsed.ok) throw new Error(parsed.msg);
    const grant = parsed.tree.api.instance_read?.["api.instance.show"];
    expect(Object.keys(grant?.constraints ?? {})).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(parsed.tree))).toEqual(input);
    const request = { category: "instance_read", route: "api.instance.show" } as const;
    expect(evaluate(parsed.tree, { ...request, params: {} }).allowed).toBe(false);
  });
});
