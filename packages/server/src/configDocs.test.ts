import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { settings } from "./config.js";
import { renderConfigurationDocs } from "./configDocs.js";

const root = new URL("../../../", import.meta.url);
/** Biome formats Markdown tables (padding cells), so compare cell by cell. */
const cells = (markdown: string) =>
  markdown
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s-|]+\|$/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()));

describe("configuration docs", () => {
  it("docs/configuration.md is what npm run docs:config writes", () => {
    const written = readFileSync(new URL("docs/configuration.md", root), "utf8");
    expect(cells(written)).toEqual(cells(renderConfigurationDocs()));
  });

  it("the README names every setting", () => {
    const readme = readFileSync(new URL("README.md", root), "utf8");
    for (const setting of settings) expect(readme, setting.env).toContain(`\`${setting.env}\``);
  });
});
