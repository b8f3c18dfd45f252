import { describe, expect, it } from "vitest";
import { colours } from "./colours.js";
import { renderFields, renderTable } from "./table.js";

describe("renderTable", () => {
  it("aligns columns by their widest cell and leaves no trailing blanks", () => {
    const text = renderTable(
      ["ID", "NAME", "KEY"],
      [
        ["1", "laptop", "lk_ab…cd"],
        ["12", "a much longer name", "lk_ef…gh"],
      ],
    );
    expect(text).toBe(
      "ID  NAME                KEY\n" +
        "1   laptop              lk_ab…cd\n" +
        "12  a much longer name  lk_ef…gh\n",
    );
  });

  it("measures cells without their colour escapes", () => {
    const { bold } = colours(true);
    const text = renderTable(["A", "B"], [["xx", "y"]], bold);
    expect(text.split("\n")[0]).toBe(`${bold("A")}   ${bold("B")}`);
    expect(text.split("\n")[1]).toBe("xx  y");
  });
});

describe("renderFields", () => {
  it("aligns values and indents continuation lines under them", () => {
    expect(
      renderFields([
        ["ID", "1"],
        ["Permissions", "{\n  x\n}"],
      ]),
    ).toBe("ID:          1\nPermissions: {\n               x\n             }\n");
  });
});
