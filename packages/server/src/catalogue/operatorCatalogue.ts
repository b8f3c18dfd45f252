import { readFileSync } from "node:fs";
import { categories, isCategory, type RouteEntry } from "@latchkey/core";

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;
const FIELDS = new Set(["method", "path", "category", "name", "summary"]);
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function entryOf(raw: unknown, where: string): RouteEntry {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${where}: expected an object {method, path, category, name, summary}`);
  }
  const e = raw as Record<string, unknown>;
  for (const field of Object.keys(e)) {
    if (!FIELDS.has(field)) throw new Error(`${where}: unknown field '${field}'`);
  }
  const method = typeof e.method === "string" ? e.method.toUpperCase() : undefined;
  if (!method || !(METHODS as readonly string[]).includes(method)) {
    throw new Error(`${where}.method: expected one of ${METHODS.join(", ")}`);
  }
  if (typeof e.path !== "string" || !e.path.startsWith("/") || e.path.length > 512) {
    throw new Error(`${where}.path: expected a path starting with '/', e.g. /api/v1/things/{id}/`);
  }
  if (typeof e.category !== "string" || !isCategory(e.category)) {
    throw new Error(
      `${where}.category: '${String(e.category)}' is not a category; expected one of ${categories.join(", ")}`,
    );
  }
  if (typeof e.name !== "string" || !ROUTE_NAME.test(e.name)) {
    throw new Error(
      `${where}.name: expected a route name of letters, digits and . _ : - (e.g. api.thing.show)`,
    );
  }
  if (e.summary !== undefined && (typeof e.summary !== "string" || e.summary.length > 1024)) {
    throw new Error(`${where}.summary: expected a sentence of at most 1024 characters`);
  }
  return {
    method: method as RouteEntry["method"],
    path: e.path,
    category: e.category,
    name: e.name,
    summary: typeof e.summary === "string" ? e.summary : "",
    source: "operator",
  };
}

/**
 * Parses an operator's route catalogue: a JSON array of {method, path, category, name,
 * summary} (or {"routes": [...]}) describing the routes of the operator's own services, so
 * that permission trees may name them and the verify API can enforce them. Throws an error
 * that says which entry and field is wrong.
 */
export function parseOperatorRoutes(text: string): RouteEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  const list =
    json !== null && typeof json === "object" && !Array.isArray(json) && "routes" in json
      ? (json as { routes: unknown }).routes
      : json;
  if (!Array.isArray(list)) throw new Error("expected a JSON array of route entries");
  const entries = list.map((raw, i) => entryOf(raw, `routes[${i}]`));
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const label = `${e.method} ${e.path}`;
    const first = seen.get(label);
    if (first !== undefined) throw new Error(`routes[${i}]: ${label} is also routes[${first}]`);
    seen.set(label, i);
  });
  return entries;
}

/** Reads and parses the operator's catalogue file; errors name the file. */
export function loadOperatorRoutes(path: string): RouteEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return parseOperatorRoutes(text);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
