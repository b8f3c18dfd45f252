import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The built SDK (what npm ships), without its tests. */
const dist = join(import.meta.dirname, "..", "dist");
const shipped = readdirSync(dist, { recursive: true, encoding: "utf8" }).filter(
  (f) => f.endsWith(".js") && !f.includes(".test."),
);

describe("the built SDK, middleware included", () => {
  it("imports no Node module and no package (frameworks are only types), so browsers can load it", () => {
    expect(shipped).toContain("index.js");
    expect(shipped).toContain("middleware/hono.js");
    for (const file of shipped) {
      const source = readFileSync(join(dist, file), "utf8");
      const imports = [...source.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gm)].map(
        (m) => m[1],
      );
      expect(
        imports.filter((i) => !i?.startsWith(".")),
        file,
      ).toEqual([]);
      expect(source, file).not.toMatch(/\brequire\(/);
    }
  });
});
