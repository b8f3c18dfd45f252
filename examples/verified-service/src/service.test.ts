import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The README's walk-through: a real Latchkey server, a verifier token, the service started as
 * the README starts it (`node examples/verified-service/dist/main.js`), a key used twice (the
 * second time from the verifier's cache, no call to Latchkey), then deleted: the very next
 * request is refused.
 */

const MAIN = join(import.meta.dirname, "..", "dist", "main.js");

let latchkey: TestServer;
let session: string;
let service: ChildProcess;
let url: string;

beforeAll(async () => {
  latchkey = await startTestServer({}, { listen: true });
  ({ session } = await signUpAndLogIn(latchkey.url));
  const created = await call<{ token: string }>(latchkey.url, "POST", "/api/v0/verifiers/", {
    key: session,
    body: { name: "instances service" },
  });
  expect(created.status).toBe(200);
  service = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      LATCHKEY_URL: latchkey.url,
      LATCHKEY_VERIFIER_TOKEN: created.body.token,
      SERVICE_PORT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the service did not start:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /verified service on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    service.stdout?.on("data", onData);
    service.stderr?.on("data", onData);
    service.once("exit", (code) => reject(new Error(`the service exited with ${code}:\n${out}`)));
  });
});

afterAll(async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((done) => service.once("exit", done));
    service.kill("SIGTERM");
    await exited;
  }
  await latchkey?.close();
});

const stats = async () =>
  (await (await fetch(`${url}/stats`)).json()) as { state: string; hits: number; calls: number };

describe("the verified-service example", () => {
  it("answers a key from memory and refuses it on the very next request after its delete", async () => {
    const key = await createKey(latchkey.url, session, {
      name: "reader",
      permissions: { api: { instance_read: {} } },
    });
    const auth = { headers: { authorization: `Bearer ${key.key}` } };
    const first = await fetch(`${url}/api/v0/instances/`, auth);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ key_id: key.id });
    const before = await stats();
    expect(before.state).toBe("trusted");
    const second = await fetch(`${url}/api/v0/instances/`, auth);
    expect(second.status).toBe(200);
    const after = await stats();
    // Verified without any network round trip: no call to Latchkey, one more cache hit.
    expect(after.calls).toBe(before.calls);
    expect(after.hits).toBe(before.hits + 1);

    const deleted = await call(latchkey.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
      key: session,
    });
    expect(deleted.status).toBe(200);
    const refused = await fetch(`${url}/api/v0/instances/`, auth);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_api_key" });

    // A key without the category is refused with the catalogued 403, and no key at all 401.
    const other = await createKey(latchkey.url, session, {
      permissions: { api: { user_read: {} } },
    });
    const forbidden = await fetch(`${url}/api/v0/instances/`, {
      headers: { authorization: `Bearer ${other.key}` },
    });
    expect(forbidden.status).toBe(403);
    expect((await fetch(`${url}/api/v0/instances/`)).status).toBe(401);
  });

  it("lists the verifier as connected", async () => {
    const listed = await call<{ verifiers: { name: string; connected: boolean }[] }>(
      latchkey.url,
      "GET",
      "/api/v0/verifiers/",
      { key: session },
    );
    expect(listed.body.verifiers).toEqual([
      expect.objectContaining({ name: "instances service", connected: true }),
    ]);
  });
});
