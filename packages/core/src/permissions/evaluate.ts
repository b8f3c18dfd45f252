import type { Category } from "../catalogue.js";
import { constraintHolds } from "./constraint.js";
import { type Permissions, type RouteGrant, WILDCARD } from "./tree.js";

export type Params = Readonly<Record<string, unknown>>;

export interface AccessRequest {
  category: Category;
  /** The route's name in the catalogue, e.g. `api.instance.show`. */
  route?: string | undefined;
  params?: Params | undefined;
}

export type Decision =
  | { allowed: true }
  | {
      allowed: false;
      /** What is missing: the category, or a route of it, or a constraint on a parameter. */
      required: { category: Category; route?: string; param?: string };
      reason: string;
    };

/** The one "allowed" decision, shared: evaluation runs on every request. */
const ALLOWED: Decision = Object.freeze({ allowed: true });

function failedParam(grant: RouteGrant, params: Params): string | undefined {
  for (const [param, constraint] of Object.entries(grant.constraints ?? {})) {
    // Own properties only: a parameter named `constructor` is not the prototype's.
    if (!constraintHolds(constraint, Object.hasOwn(params, param) ? params[param] : undefined))
      return param;
  }
  return undefined;
}

/**
 * Decides whether a permission tree grants a request (Vast's semantics; docs/permissions.md). Constraints compare
 * as `constraintHolds` says (constraint.ts), the same rules the no-escalation check uses.
 */
export function evaluate(permissions: Permissions, request: AccessRequest): Decision {
  if (permissions === null) return ALLOWED;
  const { category, route } = request;
  const rule = permissions.api[category];
  if (rule === undefined) {
    return {
      allowed: false,
      required: { category },
      reason: `the key lacks the '${category}' category`,
    };
  }
  if (Object.keys(rule).length === 0) return ALLOWED;
  // Own properties only: an operator's route named `toString` must not find Object.prototype's.
  const grant =
    (route !== undefined && Object.hasOwn(rule, route) ? rule[route] : undefined) ?? rule[WILDCARD];
  if (grant === undefined) {
    const name = route ?? "this route";
    return {
      allowed: false,
      required: route !== undefined ? { category, route } : { category },
      reason: `the key's '${category}' grant does not include ${route !== undefined ? `'${name}'` : name}`,
    };
  }
  const param = failedParam(grant, request.params ?? {});
  if (param !== undefined) {
    return {
      allowed: false,
      required: route !== undefined ? { category, route, param } : { category, param },
      reason: `the key's constraint on '${param}' does not allow this request`,
    };
  }
  return ALLOWED;
}
