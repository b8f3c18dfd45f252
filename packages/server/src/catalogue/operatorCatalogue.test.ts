import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnServer, tempDir } from "@latchkey/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../config.js";
import { parseOperatorRoutes } from "./operatorCatalogue.js";

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});
function file(content: string): string {
  const dir = tempDir("latchkey-catalogue");
  dirs.push(dir);
  const path = join(dir.path, "routes.json");
  writeFileSync(path, content);
  return path;
}

const entry = { method: "GET", path: "/v1/things/", category: "misc", name: "things.list" };

describe("parseOperatorRoutes", () => {
  it("accepts an array or {routes: [...]}, upper-cases methods, marks entries 'operator'", () => {
    const expected = [{ ...entry, summary: "", source: "operator" }];
    expect(parseOperatorRoutes(JSON.stringify([entry]))).toEqual(expected);
    expect(parseOperatorRoutes(JSON.stringify({ routes: [{ ...entry, method: "get" }] }))).toEqual(
      expected,
    );
  });

  it.each([
    ["not json", /^not valid JSON/],
    ['{"a": 1}', /^expected a JSON array/],
    [JSON.stringify([1]), /^routes\[0\]: expected an object/],
    [JSON.stringify([{ ...entry, method: "FETCH" }]), /^routes\[0\]\.method: expected one of/],
    [JSON.stringify([{ ...entry, path: "v1" }]), /^routes\[0\]\.path/],
    [JSON.stringify([{ ...entry, category: "things" }]), /^routes\[0\]\.category: 'things' is not/],
    [JSON.stringify([{ ...entry, category: null }]), /^routes\[0\]\.category/],
    [JSON.stringify([{ ...entry, name: "has space" }]), /^routes\[0\]\.name/],
    [JSON.stringify([{ ...entry, extra: true }]), /^routes\[0\]: unknown field 'extra'/],
    [
      JSON.stringify([entry, { ...entry, name: "x" }]),
      /^routes\[1\]: GET \/v1\/things\/ is also routes\[0\]/,
    ],
  ])("refuses %s", (text, message) => {
    expect(() => parseOperatorRoutes(text)).toThrow(message);
  });
});

describe("LATCHKEY_CATALOGUE_FILE", () => {
  it("is read and checked when the configuration is parsed, errors naming the variable", () => {
    const good = file(JSON.stringify([entry]));
    expect(parseConfig({ LATCHKEY_CATALOGUE_FILE: good }).catalogueFile).toBe(good);
    const bad = file(JSON.stringify([{ ...entry, category: "things" }]));
    expect(() => parseConfig({ LATCHKEY_CATALOGUE_FILE: bad })).toThrow(ConfigError);
    expect(() => parseConfig({ LATCHKEY_CATALOGUE_FILE: bad })).toThrow(
      /^LATCHKEY_CATALOGUE_FILE: .*routes\.json: routes\[0\]\.category/,
    );
    expect(() => parseConfig({ LATCHKEY_CATALOGUE_FILE: "/nonexistent/routes.json" })).toThrow(
      /^LATCHKEY_CATALOGUE_FILE: cannot read \/nonexistent\/routes\.json \(ENOENT\)/,
    );
  });

  it("refuses a route name the built-in catalogue has under another category", () => {
    const clash = file(JSON.stringify([{ ...entry, name: "api.instance.show" }]));
    expect(() => parseConfig({ LATCHKEY_CATALOGUE_FILE: clash })).toThrow(
      /^LATCHKEY_CATALOGUE_FILE: route api\.instance\.show is listed under both instance_read and misc/,
    );
  });

  it("stops the real server at start-up with a message naming the variable", async () => {
    const bad = file("[{]");
    const data = tempDir("latchkey-data");
    dirs.push(data);
    await expect(
      spawnServer({ LATCHKEY_DATA_DIR: data.path, LATCHKEY_CATALOGUE_FILE: bad }),
    ).rejects.toThrow(/invalid configuration: LATCHKEY_CATALOGUE_FILE: .*not valid JSON/);
  });
});
