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

/** The areas of the create dialog, each one or two of Vast's categories. */
export const areas: readonly Area[] = [
  {
    id: "user",
    label: "User",
    description: "The account, its API keys and sessions.",
    read: "user_read",
    write: "user_write",
  },
  {
    id: "instances",
    label: "Instances",
    description: "Instances, their logs and volumes.",
    read: "instance_read",
    write: "instance_write",
  },
  {
    id: "machines",
    label: "Machines",
    description: "Hosted machines.",
    read: "machine_read",
    write: "machine_write",
  },
  {
    id: "billing",
    label: "Billing",
    description: "Invoices, earnings, credit and payment.",
    read: "billing_read",
    write: "billing_write",
  },
  {
    id: "team",
    label: "Team",
    description: "Team members and roles.",
    read: "team_read",
    write: "team_write",
  },
  {
    id: "misc",
    label: "Miscellaneous",
    description: "Offer search, benchmarks, serverless endpoints and the audit log.",
    write: "misc",
  },
];

export type AreaLevels = Record<string, AccessLevel>;

export function fullAccessLevels(): AreaLevels {
  return Object.fromEntries(areas.map((a) => [a.id, "write"]));
}

export function isFullAccess(levels: AreaLevels): boolean {
  return areas.every((a) => levels[a.id] === "write");
}

/**
 * The tree for the rows. Every row at "Read & write" is full access, sent as no tree at all:
 * that also covers categories added later, as a full-access key should.
 */
export function treeFromLevels(levels: AreaLevels): PermissionTree | null {
  if (isFullAccess(levels)) return null;
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
export function levelsFromTree(tree: PermissionTree | null): AreaLevels | undefined {
  if (tree === null) return fullAccessLevels();
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
 * each area's level, with route-level rules counted.
 */
export function summarizePermissions(
  tree: PermissionTree | null,
  presets: readonly { label: string; permissions: PermissionTree | null }[] = [],
): string {
  if (tree === null) return "Full access";
  const preset = presets.find((p) => sameTree(p.permissions, tree));
  if (preset) return preset.label;
  const levels = levelsFromTree(tree);
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
