import { type ChildProcess, spawn } from "node:child_process";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Latchkey } from "@latchkey/sdk";
import { signUpAndLogIn, startTestServer, type TestServer } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInstancesApp } from "./app.js";

/**
 * The README's walk-through, end to end: a real Latchkey server, keys made with the SDK in
 * the common scoping patterns (CI, dashboard, one instance), and the instances API checking each request with the verify API.
 */

/** The patterns, as the README creates them. */
const patterns = {
  ci: { api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} } },
  dashboard: { api: { instance_read: {}, user_read: {} } },
  only1227: {
    api: {
      instance_read: { "api.instance.show": { constraints: { id: { eq: 1227 } } } },
      instance_write: { "api.instance.reboot": { constraints: { id: { eq: 1227 } } } },
    },
  },
};

let latchkey: TestServer;
let service: Server;
let url: string;
let owner: Latchkey;
const keys: Record<keyof typeof patterns, string> = { ci: "", dashboard: "", only1227: "" };

beforeAll(async () => {
  // End to end as the README runs it: the example reaches Latchkey over a socket.
  latchkey = await startTestServer({}, { listen: true });
  const { session } = await signUpAndLogIn(latchkey.url);
  owner = new Latchkey({ url: latchkey.url, apiKey: session, env: {} });
  for (const [name, permissions] of Object.entries(patterns)) {
    const created = await owner.createApiKey({ name, permissions });
    keys[name as keyof typeof patterns] = created.key;
  }
  const client = new Latchkey({ url: latchkey.url, env: {}, retries: 0 });
  service = createInstancesApp({ client }).listen(0, "127.0.0.1");
  await new Promise((done) => service.once("listening", done));
  url = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => service.close(done));
  await latchkey.close();
});

async function send(method: string, path: string, key?: string) {
  const res = await fetch(url + path, {
    method,
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Step = [string, string, number, string?];

describe("the instances example, key by key", () => {
  it("the CI key manages instances: list, show, reboot, destroy", async () => {
    const steps: Step[] = [
      ["GET", "/api/v0/instances/", 200],
      ["GET", "/api/v0/instances/1227/", 200],
      ["PUT", "/api/v0/instances/reboot/1228/", 200],
      ["DELETE", "/api/v0/instances/1229/", 200],
      ["GET", "/api/v0/instances/1229/", 404, "not_found"],
    ];
    for (const [method, path, status, error] of steps) {
      const res = await send(method, path, keys.ci);
      expect(res.status, `${method} ${path}`).toBe(status);
      if (error) expect(res.body.error).toBe(error);
    }
    const list = await send("GET", "/api/v0/instances/", keys.ci);
    expect((list.body.instances as { id: number }[]).map((i) => i.id)).toEqual([1227, 1228]);
  });

  it("the dashboard key reads and changes nothing", async () => {
    const steps: Step[] = [
      ["GET", "/api/v0/instances/", 200],
      ["GET", "/api/v0/instances/1228/", 200],
      ["PUT", "/api/v0/instances/reboot/1227/", 403, "permission_denied"],
      ["DELETE", "/api/v0/instances/1227/", 403, "permission_denied"],
    ];
    for (const [method, path, status, error] of steps) {
      const res = await send(method, path, keys.dashboard);
      expect(res.status, `${method} ${path}`).toBe(status);
      if (error) expect(res.body.error).toBe(error);
    }
    const denied = await send("PUT", "/api/v0/instances/reboot/1227/", keys.dashboard);
    expect(denied.body.required).toEqual({ category: "instance_write" });
  });

  it("the 1227 key may only see and reboot instance 1227", async () => {
    const steps: Step[] = [
      ["GET", "/api/v0/instances/1227/", 200],
      ["PUT", "/api/v0/instances/reboot/1227/", 200],
      ["GET", "/api/v0/instances/1228/", 403, "permission_denied"],
      ["PUT", "/api/v0/instances/reboot/1228/", 403, "permission_denied"],
      ["GET", "/api/v0/instances/", 403, "permission_denied"],
      ["DELETE", "/api/v0/instances/1227/", 403, "permission_denied"],
    ];
    for (const [method, path, status, error] of steps) {
      const res = await send(method, path, keys.only1227);
      expect(res.status, `${method} ${path}`).toBe(status);
      if (error) expect(res.body.error).toBe(error);
    }
    const shown = await send("GET", "/api/v0/instances/1227/", keys.only1227);
    expect(shown.body.instance).toMatchObject({ id: 1227, status: "rebooting", reboots: 1 });
    const other = await send("GET", "/api/v0/instances/1228/", keys.only1227);
    expect(other.body.required).toEqual({
      category: "instance_read",
      route: "api.instance.show",
      param: "id",
    });
    // A key that may not see an instance cannot tell whether it exists.
    const missing = await send("GET", "/api/v0/instances/9999/", keys.only1227);
    expect(missing.status).toBe(403);
  });

  it("refuses a missing, a made-up and a deleted key with 401", async () => {
    expect((await send("GET", "/api/v0/instances/")).body.error).toBe("auth_required");
    const madeUp = await send("GET", "/api/v0/instances/", "lk_made_up");
    expect(madeUp).toMatchObject({ status: 401, body: { error: "invalid_api_key" } });
    const temp = await owner.createApiKey({ name: "temp", permissions: patterns.dashboard });
    expect((await send("GET", "/api/v0/instances/", temp.key)).status).toBe(200);
    await owner.deleteApiKey(temp.id);
    expect((await send("GET", "/api/v0/instances/", temp.key)).status).toBe(401);
  });

  it("gives each account its own fleet", async () => {
    const other = await signUpAndLogIn(latchkey.url);
    const theirs = await new Latchkey({
      url: latchkey.url,
      apiKey: other.session,
      env: {},
    }).createApiKey({ name: "ci", permissions: patterns.ci });
    // The CI key of the first account destroyed 1229 in its own fleet only.
    const list = await send("GET", "/api/v0/instances/", theirs.key);
    expect((list.body.instances as { id: number }[]).map((i) => i.id)).toEqual([1227, 1228, 1229]);
  });
});

describe("the example's entry point", () => {
  it("starts as the README says and checks keys with the server named by LATCHKEY_URL", async () => {
    const main = join(import.meta.dirname, "..", "dist", "main.js");
    const child: ChildProcess = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, LATCHKEY_URL: latchkey.url, INSTANCES_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const started = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const res = await fetch(`${started}/api/v0/instances/1227/`, {
        headers: { authorization: `Bearer ${keys.only1227}` },
      });
      expect(res.status).toBe(200);
      const denied = await fetch(`${started}/api/v0/instances/`, {
        headers: { authorization: `Bearer ${keys.only1227}` },
      });
      expect(denied.status).toBe(403);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
