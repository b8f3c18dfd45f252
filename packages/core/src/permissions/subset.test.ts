import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.js";
import { permissionsWithin } from "./subset.js";
import type { Constraint, PermissionTree } from "./tree.js";

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

describe("constraints of mixed types (issue 14, findings 2 and 5)", () => {
  const deleteOnly = (id: Constraint): PermissionTree => ({
    api: { user_write: { "api.apikeys.delete": { constraints: { id } } } },
  });
  const deletes = (tree: PermissionTree, id: unknown) =>
    evaluate(tree, { category: "user_write", route: "api.apikeys.delete", params: { id } }).allowed;

  it('{"eq": "23", "gte": 0} admits the string "23" only, so it is not within {"eq": 999999}', () => {
    const child = deleteOnly({ eq: "23", gte: 0 });
    expect(deletes(child, "23")).toBe(true);
    expect(deletes(child, 23)).toBe(false);
    expect(permissionsWithin(child, deleteOnly({ eq: 999_999 }))).toBe(false);
    // What it admits, "23", is a canonical integer: a parent allowing 23 allows it.
    expect(permissionsWithin(child, deleteOnly({ gte: 0 }))).toBe(true);
    expect(permissionsWithin(child, deleteOnly({ eq: 23 }))).toBe(true);
    expect(permissionsWithin(child, deleteOnly({ eq: "23" }))).toBe(true);
    expect(permissionsWithin(child, deleteOnly({ eq: "023" }))).toBe(false);
  });

  it('{"eq": "007"} admits "007" and nothing else', () => {
    const tree = deleteOnly({ eq: "007" });
    expect(deletes(tree, "007")).toBe(true);
    for (const other of ["7", "07", "7.0", 7, " 007", "0007"])
      expect(deletes(tree, other)).toBe(false);
    expect(permissionsWithin(tree, deleteOnly({ eq: 7 }))).toBe(false);
    expect(permissionsWithin(deleteOnly({ eq: 7 }), tree)).toBe(false);
  });

  it("a numeric constraint admits the number and its canonical decimal string", () => {
    const tree = deleteOnly({ eq: 7 });
    expect(deletes(tree, 7)).toBe(true);
    expect(deletes(tree, "7")).toBe(true);
    for (const other of ["07", "7.0", "+7", " 7", "7 ", "7e0", "0x7", true, [7], null]) {
      expect(deletes(tree, other)).toBe(false);
    }
    // It admits "7" (a string), which {"eq": "7"} admits too, but also 7, which that refuses.
    expect(permissionsWithin(tree, deleteOnly({ eq: "7" }))).toBe(false);
    expect(permissionsWithin(deleteOnly({ eq: "7" }), tree)).toBe(true);
  });

  it("a constraint no value can satisfy is within anything; one a value can is not", () => {
    expect(permissionsWithin(deleteOnly({ eq: "abc", gte: 0 }), deleteOnly({ eq: 1 }))).toBe(true);
    expect(permissionsWithin(deleteOnly({ eq: 5, lte: 3 }), deleteOnly({ eq: 1 }))).toBe(true);
    expect(permissionsWithin(deleteOnly({ eq: true, lte: 3 }), deleteOnly({ eq: 1 }))).toBe(true);
    expect(permissionsWithin(deleteOnly({ eq: "-3", lte: 0 }), deleteOnly({ eq: 1 }))).toBe(false);
  });

  it("a route named like an Object.prototype member is granted only when named", () => {
    const tree: PermissionTree = { api: { misc: { "reports.show": {} } } };
    expect(evaluate(tree, { category: "misc", route: "toString" }).allowed).toBe(false);
    expect(evaluate(tree, { category: "misc", route: "constructor" }).allowed).toBe(false);
    const named: PermissionTree = {
      api: { misc: { constructor: { constraints: { id: { eq: 1 } } } } },
    };
    expect(permissionsWithin({ api: { misc: { "*": {} } } }, named)).toBe(false);
  });
});
