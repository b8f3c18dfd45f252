import type { Category } from "../catalogue.js";
import { type Constraint, type Permissions, type RouteGrant, WILDCARD } from "./tree.js";

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

/** Request parameters arrive as strings from paths and queries; compare them as numbers when they are. */
function comparable(value: unknown): unknown {
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

export function constraintHolds(constraint: Constraint, raw: unknown): boolean {
  if (raw === undefined || raw === null) return false;
  const value = comparable(raw);
  if (constraint.eq !== undefined && comparable(constraint.eq) !== value) return false;
  if (constraint.lte !== undefined && !(typeof value === "number" && value <= constraint.lte))
    return false;
  if (constraint.gte !== undefined && !(typeof value === "number" && value >= constraint.gte))
    return false;
  return true;
}

function failedParam(grant: RouteGrant, params: Params): string | undefined {
  for (const [param, constraint] of Object.entries(grant.constraints ?? {})) {
    if (!constraintHolds(constraint, params[param])) return param;
  }
  return undefined;
}

/** Decides whether a permission tree grants a request (Vast's semantics; docs/permissions.md). */
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
  const grant = (route !== undefined ? rule[route] : undefined) ?? rule[WILDCARD];
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
