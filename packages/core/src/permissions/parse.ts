import { isCategory, type RouteCatalogue } from "../catalogue.js";
import {
  type Constraint,
  OPERATORS,
  type PermissionTree,
  type RouteGrant,
  WILDCARD,
} from "./tree.js";

export type ParseResult =
  | { ok: true; tree: PermissionTree }
  | { ok: false; path: string; msg: string };

const MAX_ROUTES_PER_CATEGORY = 256;
const MAX_CONSTRAINTS_PER_ROUTE = 32;
const MAX_STRING_LENGTH = 256;

class TreeError extends Error {
  constructor(
    readonly segments: string[],
    message: string,
  ) {
    super(message);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON Pointer (RFC 6901) to the offending node, e.g. `/api/instance_read/api.instance.show`. */
function pointer(segments: string[]): string {
  return segments.map((s) => `/${s.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function object(value: unknown, at: string[], what: string): Record<string, unknown> {
  if (!isPlainObject(value))
    throw new TreeError(at, `${what} must be an object, not ${describe(value)}`);
  return value;
}

function parseConstraint(value: unknown, at: string[]): Constraint {
  const ops = object(value, at, "a constraint");
  const keys = Object.keys(ops);
  if (keys.length === 0) throw new TreeError(at, "a constraint needs at least one of eq, lte, gte");
  const out: Constraint = {};
  for (const op of keys) {
    const v = ops[op];
    const here = [...at, op];
    if (op === "eq") {
      const ok =
        (typeof v === "number" && Number.isFinite(v)) ||
        typeof v === "boolean" ||
        (typeof v === "string" && v.length <= MAX_STRING_LENGTH);
      if (!ok) throw new TreeError(here, "eq takes a number, a string or a boolean");
      out.eq = v as Constraint["eq"];
    } else if (op === "lte" || op === "gte") {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TreeError(here, `${op} takes a finite number, not ${describe(v)}`);
      }
      out[op] = v;
    } else {
      throw new TreeError(here, `unknown operator '${op}'; use ${OPERATORS.join(", ")}`);
    }
  }
  if (out.gte !== undefined && out.lte !== undefined && out.gte > out.lte) {
    throw new TreeError(at, `gte ${out.gte} is above lte ${out.lte}: no value can satisfy it`);
  }
  return out;
}

function parseGrant(value: unknown, at: string[]): RouteGrant {
  const grant = object(value, at, "a route grant");
  const grantOut: RouteGrant = {};
  for (const key of Object.keys(grant)) {
    if (key !== "constraints") {
      throw new TreeError(
        [...at, key],
        `unknown field '${key}'; a route grant takes only 'constraints'`,
      );
    }
  }
  if (grant.constraints !== undefined) {
    const here = [...at, "constraints"];
    const constraints = object(grant.constraints, here, "constraints");
    const params = Object.keys(constraints);
    if (params.length > MAX_CONSTRAINTS_PER_ROUTE) {
      throw new TreeError(
        here,
        `at most ${MAX_CONSTRAINTS_PER_ROUTE} constrained parameters per route`,
      );
    }
    const parsed: [string, Constraint][] = [];
    for (const param of params) {
      if (param.length === 0 || param.length > 64) {
        throw new TreeError([...here, param], "a parameter name has 1 to 64 characters");
      }
      parsed.push([param, parseConstraint(constraints[param], [...here, param])]);
    }
    // Own properties whatever the name: assigning `__proto__` would drop the constraint.
    grantOut.constraints = Object.fromEntries(parsed);
  }
  return grantOut;
}

/**
 * Validates a permission tree against the catalogue. Accepts `null`/`undefined` as "not given"
 * (the caller decides what that means). Errors name the offending node by JSON Pointer.
 */
export function parsePermissions(input: unknown, catalogue: RouteCatalogue): ParseResult {
  try {
    const root = object(input, [], "permissions");
    for (const key of Object.keys(root)) {
      if (key !== "api")
        throw new TreeError([key], `unknown top-level field '${key}'; a tree is {"api": {...}}`);
    }
    if (root.api === undefined)
      throw new TreeError(["api"], `missing 'api'; a tree is {"api": {...}}`);
    const api = object(root.api, ["api"], "'api'");
    const tree: PermissionTree = { api: {} };
    for (const category of Object.keys(api)) {
      const at = ["api", category];
      if (!isCategory(category)) throw new TreeError(at, `unknown category '${category}'`);
      const rule = object(api[category], at, "a category rule");
      const names = Object.keys(rule);
      if (names.length > MAX_ROUTES_PER_CATEGORY) {
        throw new TreeError(at, `at most ${MAX_ROUTES_PER_CATEGORY} routes per category`);
      }
      const out: Record<string, RouteGrant> = {};
      for (const name of names) {
        if (name !== WILDCARD) {
          const owner = catalogue.categoryOf(name);
          if (owner === undefined) {
            throw new TreeError(
              [...at, name],
              `unknown route '${name}'; see GET /api/v0/permissions/`,
            );
          }
          if (owner !== category) {
            throw new TreeError(
              [...at, name],
              `route '${name}' belongs to category '${owner}', not '${category}'`,
            );
          }
        }
        out[name] = parseGrant(rule[name], [...at, name]);
      }
      tree.api[category] = out;
    }
    return { ok: true, tree };
  } catch (err) {
    if (err instanceof TreeError) {
      const path = pointer(err.segments);
      return { ok: false, path, msg: `permissions${path ? ` at ${path}` : ""}: ${err.message}` };
    }
    throw err;
  }
}
