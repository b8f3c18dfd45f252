import type { PermissionTree } from "../api/types.js";

/** What a row of the create dialog grants for one area. */
export type AccessLevel = "none" | "read" | "write";

export interface Area {
  id: string;
  label: string;
  description: string;
  /** The category of "Read"; absent when the area has only one category (Miscellaneous). */
  read?: string;
  /** The category of "Read & write" (with `read`). */
  write: string;
}

/**
 * How the console names the areas it knows, in the order it shows them. Which areas exist is
 * the server's to say (its catalogue); one it adds later gets a row named after it.
 */
const AREA_TEXT: readonly { id: string; label: string; description: string }[] = [
  { id: "user", label: "User", description: "The account, its API keys and sessions." },
  { id: "instance", label: "Instances", description: "Instances, their logs and volumes." },
  { id: "machine", label: "Machines", description: "Hosted machines." },
  { id: "billing", label: "Billing", description: "Invoices, earnings, credit and payment." },
  { id: "team", label: "Team", description: "Team members and roles." },
  {
    id: "misc",
    label: "Miscellaneous",
    description: "Offer search, benchmarks, serverless endpoints and the audit log.",
  },
];

/** "ssh_keys" → "Ssh keys": a name for an area the console has no words for. */
function labelOf(id: string): string {
  const words = id.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The rows for the server's categories (GET /api/v0/permissions/): `<x>_read` and `<x>_write`
 * make one area offering Read and Read & write; any other category is an area of its own,
 * all or nothing (Miscellaneous). Known areas come in the console's order, then the others in
 * the catalogue's.
 */
export function areasOf(categories: readonly { name: string; description: string }[]): Area[] {
  const names = new Set(categories.map((c) => c.name));
  const found = new Map<string, Area>();
  for (const category of categories) {
    const stem = /^(.+)_(?:read|write)$/.exec(category.name)?.[1];
    const paired = stem !== undefined && names.has(`${stem}_read`) && names.has(`${stem}_write`);
    const id = paired ? stem : category.name;
    if (found.has(id)) continue;
    const text = AREA_TEXT.find((t) => t.id === id);
    found.set(id, {
      id,
      label: text?.label ?? labelOf(id),
      description: text?.description ?? category.description,
      ...(paired ? { read: `${stem}_read`, write: `${stem}_write` } : { write: category.name }),
    });
  }
  const rank = (area: Area) => {
    const at = AREA_TEXT.findIndex((t) => t.id === area.id);
    return at === -1 ? AREA_TEXT.length : at;
  };
  return [...found.values()].sort((a, b) => rank(a) - rank(b));
}

export type AreaLevels = Record<string, AccessLevel>;

export function fullAccessLevels(areas: readonly Area[]): AreaLevels {
  return Object.fromEntries(areas.map((a) => [a.id, "write"]));
}

export function isFullAccess(levels: AreaLevels, areas: readonly Area[]): boolean {
  return areas.every((a) => levels[a.id] === "write");
}

/**
 * The tree for the rows. Every row at "Read & write" is full access, sent as no tree at all:
 * that also covers categories added later, as a full-access key should.
 */
export function treeFromLevels(levels: AreaLevels, areas: readonly Area[]): PermissionTree | null {
  if (isFullAccess(levels, areas)) return null;
  const api: PermissionTree["api"] = {};
  for (const area of areas) {
    const level = levels[area.id] ?? "none";
    if (level === "none") continue;
    if (area.read) api[area.read] = {};
    if (level === "write") api[area.write] = {};
  }
  return { api };
}

function wholeCategory(tree: PermissionTree, category: string | undefined): boolean | "partial" {
  if (category === undefined) return false;
  const rule = tree.api[category];
  if (rule === undefined) return false;
  return Object.keys(rule).length === 0 ? true : "partial";
}

/**
 * The rows for a tree, or undefined when the rows cannot show it: route-level rules,
 * constraints, or write without read need the JSON editor.
 */
export function levelsFromTree(
  tree: PermissionTree | null,
  areas: readonly Area[],
): AreaLevels | undefined {
  if (tree === null) return fullAccessLevels(areas);
  const known = new Set(areas.flatMap((a) => (a.read ? [a.read, a.write] : [a.write])));
  if (Object.keys(tree.api).some((c) => !known.has(c))) return undefined;
  const levels: AreaLevels = {};
  for (const area of areas) {
    const read = wholeCategory(tree, area.read);
    const write = wholeCategory(tree, area.write);
    if (read === "partial" || write === "partial") return undefined;
    if (area.read === undefined) levels[area.id] = write ? "write" : "none";
    else if (write && !read) return undefined;
    else levels[area.id] = write ? "write" : read ? "read" : "none";
  }
  return levels;
}

/** Two trees grant the same when they name the same categories, routes and constraints. */
export function sameTree(a: PermissionTree | null, b: PermissionTree | null): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) =>
      x < y ? -1 : x > y ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const LEVEL_WORDS: Record<AccessLevel, string> = {
  none: "no access",
  read: "read",
  write: "read & write",
};

/**
 * A sentence a person can read at a glance: the preset's name when the tree is one, else
 * each area's level, with route-level rules counted. Without areas (the catalogue not loaded)
 * it names the categories.
 */
export function summarizePermissions(
  tree: PermissionTree | null,
  areas: readonly Area[],
  presets: readonly { label: string; permissions: PermissionTree | null }[] = [],
): string {
  if (tree === null) return "Full access";
  const preset = presets.find((p) => sameTree(p.permissions, tree));
  if (preset) return preset.label;
  const levels = areas.length === 0 ? undefined : levelsFromTree(tree, areas);
  if (levels) {
    const parts = areas
      .filter((a) => levels[a.id] !== "none")
      .map((a) => (a.read ? `${a.label}: ${LEVEL_WORDS[levels[a.id] ?? "none"]}` : a.label));
    return parts.length === 0 ? "No access" : parts.join(" · ");
  }
  const parts = Object.entries(tree.api).map(([category, rule]) => {
    const routes = Object.keys(rule);
    if (routes.length === 0) return category;
    const constrained = Object.values(rule).some(
      (g) => typeof g === "object" && g !== null && "constraints" in g,
    );
    const count = `${routes.length} route${routes.length === 1 ? "" : "s"}`;
    return `${category}: ${count}${constrained ? " with constraints" : ""}`;
  });
  return parts.length === 0 ? "No access" : parts.join(" · ");
}
