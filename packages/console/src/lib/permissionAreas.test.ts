import { categories, categoryDescriptions } from "@latchkey/core";
import { describe, expect, it } from "vitest";
import {
  type AreaLevels,
  areasOf,
  fullAccessLevels,
  levelsFromTree,
  sameTree,
  summarizePermissions,
  treeFromLevels,
} from "./permissionAreas.js";

/** The areas for the categories as the server lists them. */
const areas = areasOf(
  categories.map((name) => ({ name, description: categoryDescriptions[name] })),
);

const presets = [
  { label: "Full access", permissions: null },
  { label: "Read-only", permissions: { api: { instance_read: {}, user_read: {} } } },
];

describe("areas from the server's catalogue", () => {
  it("pairs read and write categories into rows, in the console's order", () => {
    expect(areas.map((a) => [a.id, a.label, a.read, a.write])).toEqual([
      ["user", "User", "user_read", "user_write"],
      ["instance", "Instances", "instance_read", "instance_write"],
      ["machine", "Machines", "machine_read", "machine_write"],
      ["billing", "Billing", "billing_read", "billing_write"],
      ["team", "Team", "team_read", "team_write"],
      ["misc", "Miscellaneous", undefined, "misc"],
    ]);
    expect(areas.flatMap((a) => (a.read ? [a.read, a.write] : [a.write])).sort()).toEqual(
      [...categories].sort(),
    );
  });

  it("gives a category the console does not know a row of its own, after the known ones", () => {
    const more = areasOf([
      { name: "rocket_read", description: "See rockets." },
      { name: "user_read", description: "" },
      { name: "rocket_write", description: "Launch rockets." },
      { name: "user_write", description: "" },
      { name: "launch_pad", description: "Use the launch pad." },
    ]);
    expect(more.map((a) => [a.id, a.label, a.description, a.read, a.write])).toEqual([
      ["user", "User", "The account, its API keys and sessions.", "user_read", "user_write"],
      ["rocket", "Rocket", "See rockets.", "rocket_read", "rocket_write"],
      ["launch_pad", "Launch pad", "Use the launch pad.", undefined, "launch_pad"],
    ]);
    expect(treeFromLevels({ user: "write", rocket: "read", launch_pad: "none" }, more)).toEqual({
      api: { user_read: {}, user_write: {}, rocket_read: {} },
    });
  });
});

describe("permission rows", () => {
  it("sends no tree when every row is Read & write: full access, also to later categories", () => {
    expect(treeFromLevels(fullAccessLevels(areas), areas)).toBeNull();
    expect(levelsFromTree(null, areas)).toEqual(fullAccessLevels(areas));
  });

  it("maps Read to the read category and Read & write to both", () => {
    const levels: AreaLevels = {
      ...fullAccessLevels(areas),
      user: "read",
      billing: "none",
      machine: "none",
      team: "read",
      misc: "none",
    };
    expect(treeFromLevels(levels, areas)).toEqual({
      api: { user_read: {}, instance_read: {}, instance_write: {}, team_read: {} },
    });
  });

  it("round-trips every combination of levels", () => {
    for (const area of areas) {
      for (const level of area.read
        ? (["none", "read", "write"] as const)
        : (["none", "write"] as const)) {
        const levels = { ...fullAccessLevels(areas), user: "none" as const, [area.id]: level };
        const tree = treeFromLevels(levels, areas);
        expect(levelsFromTree(tree, areas)).toEqual(levels);
      }
    }
  });

  it("refuses trees the rows cannot show: routes, constraints, write without read, unknown categories", () => {
    expect(
      levelsFromTree({ api: { instance_read: { "api.instance.show": {} } } }, areas),
    ).toBeUndefined();
    expect(levelsFromTree({ api: { instance_write: {} } }, areas)).toBeUndefined();
    expect(levelsFromTree({ api: { rockets: {} } }, areas)).toBeUndefined();
  });
});

describe("summaries", () => {
  it("names a preset, else each area's level, else the categories and routes", () => {
    expect(summarizePermissions(null, areas, presets)).toBe("Full access");
    expect(
      summarizePermissions({ api: { user_read: {}, instance_read: {} } }, areas, presets),
    ).toBe("Read-only");
    expect(summarizePermissions({ api: { user_read: {}, misc: {} } }, areas, presets)).toBe(
      "User: read · Miscellaneous",
    );
    expect(summarizePermissions({ api: {} }, areas, presets)).toBe("No access");
    expect(
      summarizePermissions(
        {
          api: {
            instance_read: {},
            instance_write: { "api.instance.reboot": { constraints: { id: { eq: 1227 } } } },
          },
        },
        areas,
      ),
    ).toBe("instance_read · instance_write: 1 route with constraints");
    // Before the catalogue has come, the categories are named.
    expect(summarizePermissions({ api: { user_read: {}, misc: {} } }, [])).toBe("user_read · misc");
  });

  it("compares trees regardless of key order", () => {
    expect(
      sameTree(
        { api: { a: {}, b: { x: { constraints: {} } } } },
        { api: { b: { x: { constraints: {} } }, a: {} } },
      ),
    ).toBe(true);
    expect(sameTree({ api: {} }, null)).toBe(false);
  });
});
