import { numericValue, type ValueSet, valueSet } from "./constraint.js";
import {
  type CategoryRule,
  type Constraint,
  type Permissions,
  type PermissionTree,
  type RouteGrant,
  WILDCARD,
} from "./tree.js";

/**
 * The intersection of two permission trees: the tree that allows exactly the requests both
 * allow. A team key's rights are its own tree intersected with its member's current role
 * (docs/teams.md), and the result must be a tree again so that everything that reads a
 * caller's rights (the evaluator, the no-escalation check) reads it unchanged. A property test
 * (laws.test.ts) checks that `evaluate(intersect(a, b), r)` allows exactly what
 * `evaluate(a, r)` and `evaluate(b, r)` both allow.
 */
export function intersectPermissions(a: Permissions, b: Permissions): Permissions {
  if (a === null) return b;
  if (b === null) return a;
  const entries: [string, CategoryRule][] = [];
  for (const [category, mine] of Object.entries(a.api)) {
    const theirs = Object.hasOwn(b.api, category)
      ? b.api[category as keyof PermissionTree["api"]]
      : undefined;
    if (mine === undefined || theirs === undefined) continue;
    const rule = intersectRules(mine, theirs);
    if (rule !== undefined) entries.push([category, rule]);
  }
  return { api: Object.fromEntries(entries) };
}

/** A rule's grant of a route by name (own properties only), or its `*`. */
function grantOf(rule: CategoryRule, name: string): RouteGrant | undefined {
  return (Object.hasOwn(rule, name) ? rule[name] : undefined) ?? rule[WILDCARD];
}

/** Undefined when the two rules share no route (the category is then left out). */
function intersectRules(a: CategoryRule, b: CategoryRule): CategoryRule | undefined {
  // `{}` is the whole category: the other rule says it all.
  if (Object.keys(a).length === 0) return copyRule(b);
  if (Object.keys(b).length === 0) return copyRule(a);
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  names.delete(WILDCARD);
  const entries: [string, RouteGrant][] = [];
  for (const name of names) {
    const mine = grantOf(a, name);
    const theirs = grantOf(b, name);
    // Both must grant it. When one does not, neither has a `*`, so the result has none either
    // and leaving the name out refuses it.
    if (mine !== undefined && theirs !== undefined)
      entries.push([name, intersectGrants(mine, theirs)]);
  }
  const wa = a[WILDCARD];
  const wb = b[WILDCARD];
  if (wa !== undefined && wb !== undefined) entries.push([WILDCARD, intersectGrants(wa, wb)]);
  // An empty named rule would read as the whole category.
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

function copyRule(rule: CategoryRule): CategoryRule {
  return Object.fromEntries(Object.entries(rule).map(([n, g]) => [n, copyGrant(g)]));
}

function copyGrant(grant: RouteGrant): RouteGrant {
  const entries = Object.entries(grant.constraints ?? {});
  return entries.length === 0
    ? {}
    : { constraints: Object.fromEntries(entries.map(([p, c]) => [p, { ...c }])) };
}

function intersectGrants(a: RouteGrant, b: RouteGrant): RouteGrant {
  const mine = a.constraints ?? {};
  const theirs = b.constraints ?? {};
  const params = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
  const entries: [string, Constraint][] = [];
  for (const param of params) {
    const x = Object.hasOwn(mine, param) ? mine[param] : undefined;
    const y = Object.hasOwn(theirs, param) ? theirs[param] : undefined;
    if (x !== undefined && y !== undefined) entries.push([param, intersectConstraints(x, y)]);
    else if (x !== undefined) entries.push([param, { ...x }]);
    else if (y !== undefined) entries.push([param, { ...y }]);
  }
  return entries.length === 0 ? {} : { constraints: Object.fromEntries(entries) };
}

/** A constraint no value satisfies: no value is both the boolean true and a number. */
const NOTHING: Constraint = Object.freeze({ eq: true, gte: 0 });

function intersectConstraints(a: Constraint, b: Constraint): Constraint {
  return constraintOf(intersectSets(valueSet(a), valueSet(b)));
}

function inSet(set: ValueSet, value: string | boolean): boolean {
  switch (set.kind) {
    case "none":
      return false;
    case "any":
      return true;
    case "exactly":
      return set.value === value;
    case "numbers": {
      const n = numericValue(value);
      return n !== undefined && set.lo <= n && n <= set.hi;
    }
  }
}

function intersectSets(a: ValueSet, b: ValueSet): ValueSet {
  if (a.kind === "none" || b.kind === "none") return { kind: "none" };
  if (a.kind === "any") return b;
  if (b.kind === "any") return a;
  if (a.kind === "exactly") return inSet(b, a.value) ? a : { kind: "none" };
  if (b.kind === "exactly") return inSet(a, b.value) ? b : { kind: "none" };
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { kind: "numbers", lo, hi } : { kind: "none" };
}

/** A constraint that admits exactly `set`. */
function constraintOf(set: ValueSet): Constraint {
  switch (set.kind) {
    case "none":
      return { ...NOTHING };
    case "any":
      return {};
    case "exactly":
      return { eq: set.value };
    case "numbers": {
      if (set.lo === set.hi) return { eq: set.lo };
      const c: Constraint = {};
      if (set.lo > -Infinity) c.gte = set.lo;
      if (set.hi < Infinity) c.lte = set.hi;
      // Every number a request can carry is finite: this admits them all, as the set does.
      if (c.gte === undefined && c.lte === undefined) c.gte = -Number.MAX_VALUE;
      return c;
    }
  }
}
