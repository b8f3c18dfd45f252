import { describe, expect, it } from "vitest";
import { App } from "./app.js";
import type { Io } from "./io.js";
import { buildProgram, CommandNeeded, loadCommands, TOP_LEVEL_NAMES } from "./program.js";

function io(): Io & { out: string[] } {
  const out: string[] = [];
  const writer = { write: (text: string) => void out.push(text), isTTY: false };
  return {
    out,
    stdout: writer,
    stderr: writer,
    input: { isTTY: false, readLine: async () => null, readSecret: async () => null },
    env: {},
    cwd: process.cwd(),
  };
}

describe("the program's stand-ins", () => {
  it("list every top-level command in the root help exactly as the loaded commands do", async () => {
    const lazy = buildProgram(io());
    const full = io();
    const loaded = buildProgram(full, await loadCommands(), new App(full));
    expect(lazy.commands.map((c) => c.name())).toEqual(TOP_LEVEL_NAMES);
    expect(lazy.helpInformation()).toBe(loaded.helpInformation());
  }, 60_000);

  it("stop parsing with CommandNeeded, before writing anything, when a line is about them", async () => {
    for (const [argv, needed] of [
      [["show", "api-keys"], "show"],
      [["--url", "http://127.0.0.1:1", "scan", "--help"], "scan"],
      [["help", "serve"], "serve"],
      [["login", "--bogus"], "login"],
    ] as const) {
      const streams = io();
      const program = buildProgram(streams);
      const outcome = await program.parseAsync([...argv], { from: "user" }).catch((e) => e);
      expect(outcome).toBeInstanceOf(CommandNeeded);
      expect((outcome as CommandNeeded).command).toBe(needed);
      expect(streams.out).toEqual([]);
    }
  });
});
