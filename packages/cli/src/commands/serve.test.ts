import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";
import { BIN, runCli } from "../testing/cliProcess.js";

describe("serve", () => {
  it("runs the server with settings from flags, and stops cleanly on SIGTERM", async () => {
    const dir = tempDir("latchkey-serve");
    const child = spawn(
      process.execPath,
      [BIN, "serve", "--port", "0", "--data-dir", dir.path, "--key-prefix", "acme"],
      {
        env: { PATH: process.env.PATH, LATCHKEY_PORT: "not a port" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const port = /"port":(\d+)/.exec(output)?.[1];
          if (port !== undefined) resolve(`http://127.0.0.1:${port}`);
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.once("exit", (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
      });
      // The flag won over the bad LATCHKEY_PORT, and --data-dir was used.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(existsSync(join(dir.path, "latchkey.db"))).toBe(true);
      // --key-prefix reached the server: a new account's key has that prefix.
      const body = { email: "serve@example.com", password: "correct horse battery staple" };
      const post = (path: string, json: unknown, key?: string) =>
        fetch(`${url}${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
          },
          body: JSON.stringify(json),
        }).then((r) => r.json() as Promise<Record<string, string>>);
      await post("/api/v0/users/", body);
      const { session_key } = await post("/api/v0/auth/login/", body);
      const created = await post("/api/v0/auth/apikeys/", { name: "k" }, session_key);
      expect(created.key?.startsWith("acme_")).toBe(true);

      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      dir.remove();
    }
  });

  it("a bad setting stops start-up with the variable's name", async () => {
    const result = await runCli(["serve", "--port", "abc"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("LATCHKEY_PORT");
  });
});
