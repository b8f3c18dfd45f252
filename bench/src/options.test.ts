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
      connections: [10, 50],
      infoCase: true,
      cacheSize: 10_000,
      postgresUrl: "postgres://postgres@127.0.0.1:5432/test",
      revocation: "run",
      revocationKeys: 40,
      revocationDeletes: 10,
      revocationResets: 10,
      revocationLoad: 3,
      revocationAfter: 3,
    });
  });

  test("--quick is a smoke run at 10 000 keys", () => {
    expect(parseOptions(["--quick", "--sqlite-only"], {})).toMatchObject({
      backends: ["sqlite"],
      keyCounts: [1000, 10_000],
      duration: 2,
      rounds: 1,
      connections: [10],
      cacheSize: 2000,
      revocationKeys: 12,
      revocationDeletes: 3,
      revocationResets: 3,
      revocationLoad: 1,
      revocationAfter: 1,
    });
  });

  test("--revocation-only runs the revocation scenario alone, on PostgreSQL", () => {
    const argv = ["--revocation-only", "--revocation-keys", "5", "--revocation-deletes", "0"];
    expect(parseOptions([...argv, "--revocation-resets", "2"], {})).toMatchObject({
      backends: ["postgres"],
      revocation: "only",
      revocationKeys: 5,
      revocationDeletes: 0,
      revocationResets: 2,
    });
    expect(parseOptions(["--skip-revocation"], {})).toMatchObject({ revocation: "skip" });
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

  test("--connections takes a list, --skip-info-log leaves the info case out", () => {
    expect(parseOptions(["--connections", "2, 20", "--skip-info-log"], {})).toMatchObject({
      connections: [2, 20],
      infoCase: false,
    });
    expect(() => parseOptions(["--connections", "10,0"], {})).toThrow(/--connections/);
  });

  test("bad values are usage errors that name the option", () => {
    expect(() => parseOptions(["--duration", "0"], {})).toThrow(/--duration/);
    expect(() => parseOptions(["--keys", "1000,x"], {})).toThrow(/--keys/);
    expect(() => parseOptions(["--active-keys", "5000", "--keys", "1000"], {})).toThrow(
      /--active-keys/,
    );
    expect(() => parseOptions(["--bogus"], {})).toThrow(UsageError);
    expect(() => parseOptions(["--revocation-only", "--sqlite-only"], {})).toThrow(
      /--revocation-only needs PostgreSQL/,
    );
    expect(() => parseOptions(["--revocation-only", "--skip-revocation"], {})).toThrow(
      /exclude each other/,
    );
    expect(() => parseOptions(["--revocation-deletes", "1.5"], {})).toThrow(
      /--revocation-deletes: expected a whole number/,
    );
    expect(() => parseOptions(["--revocation-keys", "8"], {})).toThrow(
      /--revocation-deletes plus --revocation-resets \(20\) must be between 1 and --revocation-keys \(8\)/,
    );
    expect(() =>
      parseOptions(["--revocation-deletes", "0", "--revocation-resets", "0"], {}),
    ).toThrow(/must be between 1/);
    expect(() => parseOptions(["--revocation-load", "0"], {})).toThrow(/--revocation-load/);
    expect(parseOptions(["--help"], {})).toBe("help");
  });
});
