import { describe, expect, it } from "vitest";
import { jsonPointerRange } from "./jsonPointerRange.js";

const text = `{
  "api": {
    "instance_write": {
      "api.instance.reboot": {"constraints": {"id": {"eq": 1227, "lt": 3}}}
    },
    "a/b~c": [1, {"x": true}]
  }
}`;

function marked(pointer: string): string | undefined {
  const range = jsonPointerRange(text, pointer);
  return range && `${range.line}:${text.slice(range.start, range.end)}`;
}

describe("jsonPointerRange", () => {
  it("finds an object member by its key, on its line", () => {
    expect(marked("/api/instance_write")).toBe('3:"instance_write"');
    expect(marked("/api/instance_write/api.instance.reboot/constraints/id/lt")).toBe('4:"lt"');
  });

  it("unescapes ~1 and ~0 and finds array elements by value", () => {
    expect(marked("/a~1b~0c")?.startsWith("1:{")).toBe(true);
    expect(marked("/api/a~1b~0c")).toBe('6:"a/b~c"');
    expect(marked("/api/a~1b~0c/1/x")).toBe('6:"x"');
    expect(marked("/api/a~1b~0c/0")).toBe("6:1");
  });

  it("falls back to the deepest node that exists, and the root for an empty pointer", () => {
    expect(marked("/api/instance_read")).toBe('2:"api"');
    expect(marked("")).toBe(`1:${text}`);
  });

  it("gives nothing for text that is not JSON", () => {
    expect(jsonPointerRange('{"api": ', "/api")).toBeUndefined();
  });
});
