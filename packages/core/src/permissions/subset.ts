import type { Category } from "../catalogue.js";
import { constraintWithin } from "./constraint.js";
import { type Permissions, type RouteGrant, WILDCARD } from "./tree.js";

/** A rule's grant of a route by name: own properties only, as the evaluator reads it. */
function own(rule: Record<string, RouteGrant>, name: string): RouteGrant | undefined {
  return Object.hasOwn(rule, name) ? rule[name] : undefined;
}

/**
 * Does `child` grant no request that `parent` refuses? Constraints compare as sets of the
 * values the evaluator admits (constraint.ts).
 */
export function grantWithin(child: RouteGrant, parent: RouteGrant): boolean {
  const limits = child.constraints ?? {};
  for (const [param, constraint] of Object.entries(parent.constraints ?? {})) {
    const mine = Object.hasOwn(limits, param) ? limits[param] : undefined;
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
    const theirs = own(parent, name) ?? parent[WILDCARD];
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
      if (name === WILDCARD || Object.hasOwn(child, name)) continue;
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

/** What part of a child tree reaches beyond its parent, for a 403 that names it. */
export interface Beyond {
  category?: Category;
  route?: string;
  /** Ready to follow "beyond the caller's rights: ". */
  what: string;
}

/**
 * The first part of `child` that is not within `parent`, or undefined when all of it is: a
 * category, a route of it, or full access itself. Uses the same check as `permissionsWithin`.
 */
export function beyond(child: Permissions, parent: Permissions): Beyond | undefined {
  if (permissionsWithin(child, parent)) return undefined;
  if (child === null) return { what: "full access (every category, including ones added later)" };
  for (const [name, rule] of Object.entries(child.api)) {
    const category = name as Category;
    if (rule === undefined) continue;
    const theirs = parent?.api[category];
    if (theirs === undefined) return { category, what: `the '${category}' category` };
    if (ruleWithin(rule, theirs)) continue;
    if (Object.keys(rule).length === 0) {
      return { category, what: `the whole '${category}' category` };
    }
    for (const [route, grant] of Object.entries(rule)) {
      if (!ruleWithin({ [route]: grant }, theirs)) {
        const label = route === WILDCARD ? `'*' (every other route)` : `'${route}'`;
        return { category, route, what: `${label} in '${category}'` };
      }
    }
    return { category, what: `the '${category}' grant as a whole` };
  }
  return { what: "part of the permission tree" };
}
