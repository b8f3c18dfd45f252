import { describe, expect, it } from "vitest";
import {
  type AreaLevels,
  areas,
  fullAccessLevels,
  levelsFromTree,
  sameTree,
  summarizePermissions,
  treeFromLevels,
} from "./permissionAreas.js";

const presets = [
  { label: "Full access", permissions: null },
  { label: "Read-only", permissions: { api: { instance_read: {}, user_read: {} } } },
];

describe("permission rows", () => {
  it("sends no tree when every row is Read & write: full access, also to later categories", () => {
    expect(treeFromLevels(fullAccessLevels())).toBeNull();
    expect(levelsFromTree(null)).toEqual(fullAccessLevels());
  });

  it("maps Read to the read category and Read & write to both", () => {
    const levels: AreaLevels = {
      ...fullAccessLevels(),
      user: "read",
      billing: "none",
      machines: "none",
      team: "read",
      misc: "none",
    };
    expect(treeFromLevels(levels)).toEqual({
      api: { user_read: {}, instance_read: {}, instance_write: {}, team_read: {} },
    });
  });

  it("round-trips every combination of levels", () => {
    for (const area of areas) {
      for (const level of area.read
        ? (["none", "read", "write"] as const)
        : (["none", "write"] as const)) {
        const levels = { ...fullAccessLevels(), user: "none" as const, [area.id]: level };
        const tree = treeFromLevels(levels);
        expect(levelsFromTree(tree)).toEqual(levels);
      }
    }
  });

  it("refuses trees the rows cannot show: routes, constraints, write without read, unknown categories", () => {
    expect(levelsFromTree({ api: { instance_read: { "api.instance.show": {} } } })).toBeUndefined();
    expect(levelsFromTree({ api: { instance_write: {} } })).toBeUndefined();
    expect(levelsFromTree({ api: { rockets: {} } })).toBeUndefined();
  });
});

describe("summaries", () => {
  it("names a preset, else each area's level, else the categories and routes", () => {
    expect(summarizePermissions(null, presets)).toBe("Full access");
    expect(summarizePermissions({ api: { user_read: {}, instance_read: {} } }, presets)).toBe(
      "Read-only",
    );
    expect(summarizePermissions({ api: { user_read: {}, misc: {} } }, presets)).toBe(
      "User: read · Miscellaneous",
    );
    expect(summarizePermissions({ api: {} }, presets)).toBe("No access");
    expect(
      summarizePermissions({
        api: {
          instance_read: {},
          instance_write: { "api.instance.reboot": { constraints: { id: { eq: 1227 } } } },
        },
      }),
    ).toBe("instance_read · instance_write: 1 route with constraints");
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
