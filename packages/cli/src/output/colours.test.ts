import { describe, expect, it } from "vitest";
import { colours, useColour, visibleWidth } from "./colours.js";

describe("colour", () => {
  it("only on a terminal, without NO_COLOR and without --no-color", () => {
    expect(useColour(true, {}, true)).toBe(true);
    expect(useColour(false, {}, true)).toBe(false);
    expect(useColour(true, { NO_COLOR: "1" }, true)).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(useColour(true, { NO_COLOR: "" }, true)).toBe(true);
    expect(useColour(true, {}, false)).toBe(false);
  });

  it("styles are identity when off and escapes when on", () => {
    expect(colours(false).red("x")).toBe("x");
    expect(colours(true).red("x")).toBe("\u001b[31mx\u001b[39m");
    expect(visibleWidth(colours(true).bold("abc"))).toBe(3);
  });
});
