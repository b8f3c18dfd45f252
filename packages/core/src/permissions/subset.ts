import { type Constraint, type Permissions, type RouteGrant, WILDCARD } from "./tree.js";

/** A constraint as the set of values it admits: one value, or a numeric interval. */
type ValueSet =
  | { kind: "empty" }
  | { kind: "value"; value: unknown }
  | { kind: "interval"; lo: number; hi: number };

function valueSet(c: Constraint): ValueSet {
  if (c.eq !== undefined) {
    const v = c.eq;
    const inRange =
      (c.lte === undefined || (typeof v === "number" && v <= c.lte)) &&
      (c.gte === undefined || (typeof v === "number" && v >= c.gte));
    return inRange ? { kind: "value", value: v } : { kind: "empty" };
  }
  return { kind: "interval", lo: c.gte ?? -Infinity, hi: c.lte ?? Infinity };
}

/** Does every value `child` admits satisfy `parent`? */
function constraintWithin(child: Constraint, parent: Constraint): boolean {
  const set = valueSet(child);
  if (set.kind === "empty") return true;
  if (set.kind === "value") {
    const v = set.value;
    if (parent.eq !== undefined && parent.eq !== v) return false;
    if (parent.lte !== undefined && !(typeof v === "number" && v <= parent.lte)) return false;
    if (parent.gte !== undefined && !(typeof v === "number" && v >= parent.gte)) return false;
    return true;
  }
  if (parent.eq !== undefined && !(set.lo === set.hi && set.lo === parent.eq)) return false;
  if (parent.lte !== undefined && set.hi > parent.lte) return false;
  if (parent.gte !== undefined && set.lo < parent.gte) return false;
  return true;
}

/** Does `child` grant no request that `parent` refuses? */
export function grantWithin(child: RouteGrant, parent: RouteGrant): boolean {
  const own = child.constraints ?? {};
  for (const [param, constraint] of Object.entries(parent.constraints ?? {})) {
    const mine = own[param];
    if (mine === undefined || !constraintWithin(mine, constraint)) return false;
  }
  return true;
}

function unconstrained(grant: RouteGrant | undefined): boolean {
  return grant !== undefined && Object.keys(grant.constraints ?? {}).length === 0;
}

function ruleWithin(
  child: Record<string, RouteGrant>,
  parent: Record<string, RouteGrant>,
): boolean {
  const parentNames = Object.keys(parent);
  if (parentNames.length === 0) return true;
  const childNames = Object.keys(child);
  if (childNames.length === 0) {
    // The whole category: the parent must grant every route, named or not, without limits.
    return parentNames.every((n) => unconstrained(parent[n])) && parent[WILDCARD] !== undefined;
  }
  for (const name of childNames) {
    if (name === WILDCARD) continue;
    const theirs = parent[name] ?? parent[WILDCARD];
    const mine = child[name];
    if (theirs === undefined || mine === undefined || !grantWithin(mine, theirs)) return false;
  }
  const wildcard = child[WILDCARD];
  if (wildcard !== undefined) {
    // The child's `*` covers routes it does not name: those the parent names must each allow it,
    // and the parent's own `*` must allow it for routes neither names.
    const theirs = parent[WILDCARD];
    if (theirs === undefined || !grantWithin(wildcard, theirs)) return false;
    for (const name of parentNames) {
      if (name === WILDCARD || name in child) continue;
      const grant = parent[name];
      if (grant === undefined || !grantWithin(wildcard, grant)) return false;
    }
  }
  return true;
}

/**
 * True when `child` grants nothing beyond `parent`: the no-escalation rule for creating and
 * resetting keys. Full access (`null`) is within only full access.
 */
export function permissionsWithin(child: Permissions, parent: Permissions): boolean {
  if (parent === null) return true;
  if (child === null) return false;
  for (const [category, rule] of Object.entries(child.api)) {
    const theirs = parent.api[category as keyof typeof parent.api];
    if (theirs === undefined || rule === undefined || !ruleWithin(rule, theirs)) return false;
  }
  return true;
}
