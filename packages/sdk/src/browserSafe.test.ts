import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The built SDK (what npm ships), without its tests. */
const dist = join(import.meta.dirname, "..", "dist");
const shipped = readdirSync(dist, { recursive: true, encoding: "utf8" }).filter(
  (f) => f.endsWith(".js") && !f.includes(".test.") && !f.startsWith("middleware"),
);

describe("the core SDK", () => {
  it("has no static import of a Node module or of any package, so browsers can load it", () => {
    expect(shipped).toContain("index.js");
    for (const file of shipped) {
      const source = readFileSync(join(dist, file), "utf8");
      const imports = [...source.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gm)].map(
        (m) => m[1],
      );
      expect(
        imports.filter((i) => !i?.startsWith("./")),
        file,
      ).toEqual([]);
      expect(source, file).not.toMatch(/\brequire\(/);
    }
  });
});
