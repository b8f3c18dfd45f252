import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Category } from "../catalogue.js";
import { constraintHolds, numericValue, type ValueSet, valueSet } from "./constraint.js";
import { type AccessRequest, evaluate } from "./evaluate.js";
import { intersectPermissions } from "./intersect.js";
import { permissionsWithin } from "./subset.js";
import type { CategoryRule, Constraint, Permissions, PermissionTree, RouteGrant } from "./tree.js";

/**
 * The laws that make no escalation true, checked on random trees and requests. The universe is
 * small (two categories, a few routes, two parameters) so that trees overlap often, and its
 * values are the dangerous corners: numbers and the strings that look like them, mixed-type
 * constraints, contradictory ranges, missing and mistyped parameters, whole categories against
 * named routes and `*`, and a route named like a property of Object.prototype.
 */

const categoriesUsed = ["instance_read", "instance_write"] as const satisfies readonly Category[];
type UsedCategory = (typeof categoriesUsed)[number];
/** Routes trees may name; `toString` stands for an operator's route named like a prototype member. */
const namedRoutes: Record<UsedCategory, string[]> = {
  instance_read: ["api.instance.show", "api.instance.list", "toString"],
  instance_write: ["api.instance.reboot", "api.instance.destroy"],
};
/** Routes no generated tree names: reached only through `*` or a whole category. */
const otherRoutes: Record<UsedCategory, string> = {
  instance_read: "api.instance.request_logs",
  instance_write: "api.instance.create",
};
const paramNames = ["id", "name"] as const;

const numbers: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -3, max: 30 }),
  fc.constantFrom(0, -0, 7, 23, 42, 1227, 999_999, 1.5, -2.5, 2 ** 53 - 1, 2 ** 53, 1e21),
  fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }),
);
const small = fc.integer({ min: 0, max: 30 });
const numericStrings: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -3, max: 30 }).map(String), // canonical: may stand for a number
  small.map((n) => `0${n}`),
  small.map((n) => `${n}.0`),
  small.map((n) => `+${n}`),
  small.map((n) => ` ${n}`),
  fc.constantFrom(
    "007",
    "07",
    "7",
    "7.0",
    "1e1",
    "-0",
    "0x17",
    "23",
    "1227",
    "9007199254740992",
    "9007199254740993",
    "Infinity",
    "NaN",
  ),
);
const strings: fc.Arbitrary<string> = fc.oneof(
  numericStrings,
  fc.constantFrom("", "abc", "true", "null", "ab c"),
);
const eqOperands: fc.Arbitrary<number | string | boolean> = fc.oneof(
  numbers,
  strings,
  fc.boolean(),
);
/** What a request may carry: anything JSON (and an in-process caller) can put there. */
const oddValues: readonly unknown[] = [null, {}, [], [7], { valueOf: () => 7 }, Number.NaN];
const requestValues: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: eqOperands },
  { weight: 1, arbitrary: fc.constantFrom(...oddValues) },
);

/** Mixed types: a string `eq` beside a numeric range (or not). */
const mixed: fc.Arbitrary<Constraint> = fc.record(
  { eq: strings, lte: numbers, gte: numbers },
  { requiredKeys: ["eq"] },
);
const constraint: fc.Arbitrary<Constraint> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ eq: eqOperands, lte: numbers, gte: numbers }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: mixed },
);
const constraints: fc.Arbitrary<Record<string, Constraint>> = fc.record(
  { id: constraint, name: constraint },
  { requiredKeys: [] },
);
const grant: fc.Arbitrary<RouteGrant> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: constraints.map((c) => ({ constraints: c })) },
);

function ruleOf(names: readonly string[], grants: readonly RouteGrant[]): CategoryRule {
  return Object.fromEntries(names.map((n, i) => [n, grants[i] ?? {}]));
}
function namedRule(names: readonly string[]): fc.Arbitrary<CategoryRule> {
  return fc
    .subarray([...names, "*"], { minLength: 1 })
    .chain((picked) =>
      fc
        .array(grant, { minLength: picked.length, maxLength: picked.length })
        .map((gs) => ruleOf(picked, gs)),
    );
}
const rule = (category: UsedCategory): fc.Arbitrary<CategoryRule> =>
  fc.oneof(fc.constant({}), namedRule(namedRoutes[category]));

function treeOver(cats: readonly UsedCategory[], rules: readonly CategoryRule[]): PermissionTree {
  return { api: Object.fromEntries(cats.map((c, i) => [c, rules[i] ?? {}])) };
}
const tree: fc.Arbitrary<Permissions> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 6,
    arbitrary: fc
      .subarray([...categoriesUsed])
      .chain((cats) => fc.tuple(...cats.map(rule)).map((rules) => treeOver(cats, rules))),
  },
);

/** A grant of the same parameters as `g`, each with a fresh constraint: often within, often not. */
const narrowedGrant = (g: RouteGrant): fc.Arbitrary<RouteGrant> =>
  fc
    .tuple(
      fc.tuple(...Object.keys(g.constraints ?? {}).map(() => fc.oneof(constraint, mixed))),
      fc.option(fc.record({ [paramNames[0]]: constraint }), { nil: undefined }),
    )
    .map(([fresh, extra]) => ({
      constraints: {
        ...extra,
        ...Object.fromEntries(Object.keys(g.constraints ?? {}).map((p, i) => [p, fresh[i] ?? {}])),
      },
    }));

function narrowedRule(category: UsedCategory, parent: CategoryRule): fc.Arbitrary<CategoryRule> {
  const names = Object.keys(parent);
  if (names.length === 0) return rule(category);
  return fc
    .subarray(names, { minLength: 1 })
    .chain((kept) =>
      fc.tuple(...kept.map((n) => narrowedGrant(parent[n] ?? {}))).map((gs) => ruleOf(kept, gs)),
    );
}

/** A child shaped like `parent` (same categories and routes, fresh constraints). */
function narrowed(parent: Permissions): fc.Arbitrary<Permissions> {
  if (parent === null) return tree;
  const cats = categoriesUsed.filter((c) => parent.api[c] !== undefined);
  return fc
    .subarray(cats)
    .chain((kept) =>
      fc
        .tuple(...kept.map((c) => narrowedRule(c, parent.api[c] ?? {})))
        .map((rules) => treeOver(kept, rules)),
    );
}

/** Every operand of a constraint on `param` in the trees, with its other spellings. */
function operandsOf(trees: readonly Permissions[], param?: string): unknown[] {
  const out = new Set<unknown>();
  for (const t of trees) {
    if (t === null) continue;
    for (const r of Object.values(t.api)) {
      for (const g of Object.values(r ?? {})) {
        for (const [name, c] of Object.entries(g.constraints ?? {})) {
          if (param !== undefined && name !== param) continue;
          for (const v of [c.eq, c.lte, c.gte]) {
            if (v === undefined) continue;
            out.add(v);
            out.add(String(v));
            if (typeof v === "string") out.add(Number(v));
          }
        }
      }
    }
  }
  return [...out];
}

/**
 * Requests worth asking of a pair of trees: every category and route (named, reached only
 * through `*`, or none), with each parameter missing or set to each operand the trees
 * constrain it with, in each spelling.
 */
function probes(trees: readonly Permissions[]): AccessRequest[] {
  const choices = paramNames.map((p) => [undefined, ...operandsOf(trees, p)]);
  const paramSets: Record<string, unknown>[] = [];
  for (const id of choices[0] ?? []) {
    for (const name of choices[1] ?? []) {
      const params: Record<string, unknown> = {};
      if (id !== undefined) params.id = id;
      if (name !== undefined) params.name = name;
      paramSets.push(params);
    }
  }
  const out: AccessRequest[] = [];
  for (const category of categoriesUsed) {
    for (const route of [...namedRoutes[category], otherRoutes[category], undefined]) {
      for (const params of paramSets) out.push({ category, route, params });
    }
  }
  return out;
}

const requestOver = (values: fc.Arbitrary<unknown>): fc.Arbitrary<AccessRequest> =>
  fc.constantFrom(...categoriesUsed).chain((category) =>
    fc.record({
      category: fc.constant(category),
      route: fc.constantFrom<string | undefined>(
        ...namedRoutes[category],
        otherRoutes[category],
        undefined,
      ),
      params: fc.record({ id: values, name: values }, { requiredKeys: [] }),
    }),
  );

interface Scenario {
  parent: Permissions;
  child: Permissions;
  requests: AccessRequest[];
}

const scenario: fc.Arbitrary<Scenario> = tree
  .chain((parent) =>
    fc.tuple(
      fc.constant(parent),
      fc.oneof({ weight: 1, arbitrary: tree }, { weight: 3, arbitrary: narrowed(parent) }),
    ),
  )
  .chain(([parent, child]) => {
    const operands = operandsOf([parent, child]);
    const values =
      operands.length === 0
        ? requestValues
        : fc.oneof(requestValues, fc.constantFrom(...operands), fc.constantFrom(...operands));
    return fc.record({
      parent: fc.constant(parent),
      child: fc.constant(child),
      requests: fc.array(requestOver(values), { minLength: 1, maxLength: 40 }),
    });
  });

describe("the no-escalation law (property-based)", () => {
  it("whenever subset(child, parent) holds, every request the child is allowed the parent is allowed", () => {
    fc.assert(
      fc.property(scenario, ({ parent, child, requests }) => {
        fc.pre(permissionsWithin(child, parent));
        for (const request of [...requests, ...probes([parent, child])]) {
          if (evaluate(child, request).allowed && !evaluate(parent, request).allowed) {
            throw new Error(`the child allows ${JSON.stringify(request)}; the parent refuses it`);
          }
        }
      }),
      { numRuns: 5000 },
    );
  }, 180_000);

  it("the generator reaches the dangerous corners among the pairs the check accepts", () => {
    const corners = new Map<string, number>();
    const seen = (name: string) => corners.set(name, (corners.get(name) ?? 0) + 1);
    const constraintsOf = (t: Permissions) =>
      t === null
        ? []
        : Object.values(t.api).flatMap((r) =>
            Object.values(r ?? {}).flatMap((g) => Object.values(g.constraints ?? {})),
          );
    for (const { parent, child, requests } of fc.sample(scenario, { numRuns: 4000, seed: 14 })) {
      if (!permissionsWithin(child, parent)) continue;
      seen("within pairs");
      if (parent === null) seen("parent full access");
      for (const c of constraintsOf(child)) {
        if (typeof c.eq === "string" && (c.lte !== undefined || c.gte !== undefined))
          seen("child: string eq with a numeric range");
        if (typeof c.eq === "string" && numericValue(c.eq) !== undefined)
          seen("child: canonical numeric string eq");
        if (
          typeof c.eq === "string" &&
          /^[\s+0-]*\d/.test(c.eq) &&
          numericValue(c.eq) === undefined
        )
          seen("child: non-canonical numeric-looking string eq");
        if (typeof c.eq === "boolean") seen("child: boolean eq");
        if (valueSet(c).kind === "none") seen("child: a constraint that admits nothing");
      }
      if (parent !== null && child !== null) {
        for (const cat of categoriesUsed) {
          const mine = child.api[cat];
          const theirs = parent.api[cat];
          if (mine === undefined || theirs === undefined) continue;
          const whole = (r: CategoryRule) => Object.keys(r).length === 0;
          if (whole(mine) && !whole(theirs)) seen("child whole category, parent named routes");
          if (!whole(mine) && whole(theirs)) seen("child named routes, parent whole category");
          if ("*" in mine) seen("child *");
          if (Object.hasOwn(mine, "toString")) seen("child names toString");
        }
      }
      for (const request of requests) {
        if (!evaluate(child, request).allowed) continue;
        seen("a request the child is allowed");
        const id = request.params?.id;
        if (typeof id === "string" && numericValue(id) !== undefined)
          seen("allowed: numeric string value");
        if (request.route === undefined) seen("allowed: category-only request");
        if (request.route === otherRoutes[request.category as UsedCategory])
          seen("allowed: route through * ");
      }
      for (const request of requests) {
        const id = request.params?.id;
        if (request.params === undefined || !("id" in request.params)) seen("request: id missing");
        else if (typeof id !== "number" && typeof id !== "string") seen("request: id mistyped");
      }
    }
    expect([...corners.keys()].sort()).toEqual(
      [
        "within pairs",
        "parent full access",
        "child: string eq with a numeric range",
        "child: canonical numeric string eq",
        "child: non-canonical numeric-looking string eq",
        "child: boolean eq",
        "child: a constraint that admits nothing",
        "child whole category, parent named routes",
        "child named routes, parent whole category",
        "child *",
        "child names toString",
        "a request the child is allowed",
        "allowed: numeric string value",
        "allowed: category-only request",
        "allowed: route through * ",
        "request: id missing",
        "request: id mistyped",
      ].sort(),
    );
  });

  it("every tree is within itself and within full access", () => {
    fc.assert(
      fc.property(tree, (t) => permissionsWithin(t, t) && permissionsWithin(t, null)),
      { numRuns: 2000 },
    );
  });

  it("containment is transitive", () => {
    const triple = tree.chain((c) =>
      narrowed(c).chain((b) => narrowed(b).map((a) => [a, b, c] as const)),
    );
    fc.assert(
      fc.property(triple, ([a, b, c]) => {
        fc.pre(permissionsWithin(a, b) && permissionsWithin(b, c));
        return permissionsWithin(a, c);
      }),
      { numRuns: 3000 },
    );
  });
});

/** The rules of docs/permissions.md ("How constraints compare"), written out independently. */
function documented(c: Constraint, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  const canonical = typeof v === "string" && /^(0|-?[1-9][0-9]*)$/.test(v);
  const asNumber =
    typeof v === "number" && Number.isFinite(v)
      ? v
      : canonical && Number.isSafeInteger(Number(v))
        ? Number(v)
        : undefined;
  if (c.eq !== undefined) {
    if (typeof c.eq === "number" ? asNumber !== c.eq : v !== c.eq) return false;
  }
  if (c.lte !== undefined && !(asNumber !== undefined && asNumber <= c.lte)) return false;
  if (c.gte !== undefined && !(asNumber !== undefined && asNumber >= c.gte)) return false;
  return true;
}

function member(set: ValueSet, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (set.kind) {
    case "none":
      return false;
    case "any":
      return true;
    case "exactly":
      return v === set.value;
    case "numbers": {
      const n = numericValue(v);
      return n !== undefined && set.lo <= n && n <= set.hi;
    }
  }
}

describe("one comparison semantics", () => {
  const values = fc.oneof(requestValues, fc.constant(undefined));

  it("a constraint admits exactly the values the documented rules admit", () => {
    fc.assert(
      fc.property(constraint, values, (c, v) => {
        expect(constraintHolds(c, v)).toBe(documented(c, v));
        const decision = evaluate(
          { api: { instance_read: { "api.instance.show": { constraints: { id: c } } } } },
          {
            category: "instance_read",
            route: "api.instance.show",
            params: v === undefined ? {} : { id: v },
          },
        );
        expect(decision.allowed).toBe(documented(c, v));
      }),
      { numRuns: 10_000 },
    );
  });

  it("the subset check's model of a constraint is exactly the evaluator's", () => {
    fc.assert(
      fc.property(constraint, values, (c, v) => {
        expect(member(valueSet(c), v)).toBe(constraintHolds(c, v));
      }),
      { numRuns: 10_000 },
    );
  });
});

describe("the intersection law (property-based)", () => {
  const pair: fc.Arbitrary<Scenario> = tree
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.oneof({ weight: 1, arbitrary: tree }, { weight: 2, arbitrary: narrowed(a) }),
      ),
    )
    .chain(([parent, child]) => {
      const operands = operandsOf([parent, child]);
      const values =
        operands.length === 0
          ? requestValues
          : fc.oneof(requestValues, fc.constantFrom(...operands), fc.constantFrom(...operands));
      return fc.record({
        parent: fc.constant(parent),
        child: fc.constant(child),
        requests: fc.array(requestOver(values), { minLength: 1, maxLength: 40 }),
      });
    });

  it("the intersection of two trees allows exactly the requests both allow", () => {
    fc.assert(
      fc.property(pair, ({ parent: a, child: b, requests }) => {
        const both = intersectPermissions(a, b);
        for (const request of [...requests, ...probes([a, b])]) {
          const expected = evaluate(a, request).allowed && evaluate(b, request).allowed;
          if (evaluate(both, request).allowed !== expected) {
            throw new Error(
              `${JSON.stringify(both)} ${expected ? "refuses" : "allows"} ${JSON.stringify(request)}`,
            );
          }
        }
      }),
      { numRuns: 5000 },
    );
  }, 180_000);

  it("the intersection lies within each tree, and each tree's subsets within both lie within it", () => {
    fc.assert(
      fc.property(pair, ({ parent: a, child: b }) => {
        const both = intersectPermissions(a, b);
        expect(permissionsWithin(both, a)).toBe(true);
        expect(permissionsWithin(both, b)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps full access only when both are full access, and refuses a category either lacks", () => {
    expect(intersectPermissions(null, null)).toBeNull();
    const read = { api: { instance_read: {} } } as PermissionTree;
    expect(intersectPermissions(null, read)).toEqual(read);
    expect(intersectPermissions(read, { api: { instance_write: {} } })).toEqual({ api: {} });
    // Two named rules with nothing in common leave the category out, not `{}` (the whole of it).
    expect(
      intersectPermissions(
        { api: { instance_read: { "api.instance.show": {} } } },
        { api: { instance_read: { "api.instance.list": {} } } },
      ),
    ).toEqual({ api: {} });
  });
});
