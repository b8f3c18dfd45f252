import { describe, expect, test } from "vitest";
import { parseOptions, UsageError } from "./options.js";

describe("parseOptions", () => {
  test("defaults measure both stores at 1 000 and 1 000 000 keys", () => {
    const options = parseOptions([], {});
    expect(options).toMatchObject({
      backends: ["sqlite", "postgres"],
      keyCounts: [1000, 1_000_000],
      duration: 3,
      rounds: 5,
      cacheSize: 10_000,
      postgresUrl: "postgres://postgres@127.0.0.1:5432/test",
    });
  });

  test("--quick is a smoke run at 10 000 keys", () => {
    expect(parseOptions(["--quick", "--sqlite-only"], {})).toMatchObject({
      backends: ["sqlite"],
      keyCounts: [1000, 10_000],
      duration: 2,
      rounds: 1,
      cacheSize: 2000,
    });
  });

  test("explicit values win, the database URL also from the environment", () => {
    const options = parseOptions(
      ["--postgres-only", "--keys", "5_000,50000", "--duration", "0.5", "--warmup", "0"],
      { LATCHKEY_BENCH_DATABASE_URL: "postgres://bench@127.0.0.1:5433/b" },
    );
    expect(options).toMatchObject({
      backends: ["postgres"],
      keyCounts: [5000, 50_000],
      duration: 0.5,
      warmup: 0,
      postgresUrl: "postgres://bench@127.0.0.1:5433/b",
    });
  });

  test("bad values are usage errors that name the option", () => {
    expect(() => parseOptions(["--duration", "0"], {})).toThrow(/--duration/);
    expect(() => parseOptions(["--keys", "1000,x"], {})).toThrow(/--keys/);
    expect(() => parseOptions(["--active-keys", "5000", "--keys", "1000"], {})).toThrow(
      /--active-keys/,
    );
    expect(() => parseOptions(["--bogus"], {})).toThrow(UsageError);
    expect(parseOptions(["--help"], {})).toBe("help");
  });
});
