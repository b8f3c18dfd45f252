import {
  call,
  createKey,
  type NodeSet,
  signUpAndLogIn,
  startCluster,
  startTestServer,
  useNodes,
} from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

/**
 * Many clients creating, resetting and deleting keys at once, spread over every node: nothing
 * is lost and no key is ever left with two working secrets. Run on the single SQLite node and
 * on three PostgreSQL nodes.
 */

const setups: Record<string, () => Promise<NodeSet>> = {
  "one SQLite node": async () => {
    const server = await startTestServer({ LATCHKEY_LOG_LEVEL: "warn" });
    return { urls: [server.url], stop: () => server.close() };
  },
  "three PostgreSQL nodes": async () => {
    const cluster = await startCluster(3, { LATCHKEY_NODE_LEASE_MS: "1000" });
    return { urls: cluster.urls, stop: () => cluster.stop() };
  },
};

const me = (url: string, key: string) => call(url, "GET", "/api/v0/users/current/", { key });

describe.each(Object.keys(setups))("concurrent key lifecycle on %s", (name) => {
  const { urls, node } = useNodes(() => {
    const start = setups[name];
    if (!start) throw new Error(name);
    return start();
  });

  /** The statuses each node gives a secret, checked one after another. */
  async function everywhere(key: string): Promise<number[]> {
    const statuses = [];
    for (const url of urls()) statuses.push((await me(url, key)).status);
    return statuses;
  }

  it("creates from many clients at once: every key is kept, listed and audited", async () => {
    const { session } = await signUpAndLogIn(node(0));
    const created = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        call<{ id: number; key: string }>(node(i), "POST", "/api/v0/auth/apikeys/", {
          key: session,
          body: { name: `key ${i}` },
        }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(created.map(() => 200));
    const ids = created.map((c) => c.body.id).sort((a, b) => a - b);
    expect(new Set(ids).size).toBe(45);
    for (const url of urls()) {
      const list = await call<{ apikeys: { id: number }[] }>(url, "GET", "/api/v0/auth/apikeys/", {
        key: session,
      });
      expect(list.body.apikeys.map((k) => k.id).sort((a, b) => a - b)).toEqual(ids);
    }
    const audit = await call<{ audit_logs: { args: unknown }[] }>(
      node(1),
      "GET",
      "/api/v0/audit_logs/?action=api_key.create&limit=500",
      { key: session },
    );
    expect(audit.body.audit_logs).toHaveLength(45);
    for (const c of created) expect(await everywhere(c.body.key)).toEqual(urls().map(() => 200));
  });

  it("concurrent resets of one key leave exactly one working secret, on every node", async () => {
    const { session } = await signUpAndLogIn(node(0));
    const original = await createKey(node(0), session);
    expect(await everywhere(original.key)).toEqual(urls().map(() => 200));

    // Each reset's secret is used on every node the moment it arrives, so that caches hold
    // secrets that a later reset must take away again.
    const secrets: string[] = [];
    const uses: Promise<unknown>[] = [];
    const resets = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const answer =
          i % 2 === 0
            ? await call<{ key: string }>(
                node(i),
                "POST",
                `/api/v0/auth/apikeys/${original.id}/reset/`,
                { key: session },
              )
            : await call<{ new_api_key: string }>(
                node(i),
                "PUT",
                "/api/v0/commands/reset_apikey/",
                { key: session, body: { id: original.id } },
              );
        const secret = "key" in answer.body ? answer.body.key : answer.body.new_api_key;
        secrets.push(secret);
        uses.push(everywhere(secret));
        return answer.status;
      }),
    );
    await Promise.all(uses);

    expect(resets).toEqual(resets.map(() => 200));
    expect(new Set(secrets).size).toBe(12);
    expect(await everywhere(original.key)).toEqual(urls().map(() => 401));
    const working = [];
    for (const secret of secrets) {
      const statuses = await everywhere(secret);
      // A secret works on all nodes or on none.
      expect([urls().map(() => 200), urls().map(() => 401)]).toContainEqual(statuses);
      if (statuses[0] === 200) working.push(secret);
    }
    expect(working).toHaveLength(1);
    // Every reset is in the account's audit log: none was lost in the race.
    const audit = await call<{ audit_logs: unknown[] }>(
      node(0),
      "GET",
      "/api/v0/audit_logs/?action=api_key.reset&limit=500",
      { key: session },
    );
    expect(audit.body.audit_logs).toHaveLength(12);
  });

  it("deletes racing resets: each key is deleted once and no secret of it survives", async () => {
    const { session } = await signUpAndLogIn(node(0));
    const keys = await Promise.all(Array.from({ length: 8 }, () => createKey(node(0), session)));
    for (const k of keys) expect(await everywhere(k.key)).toEqual(urls().map(() => 200));

    const outcomes = await Promise.all(
      keys.map(async (k, i) => {
        const ops = await Promise.all([
          call(node(i), "DELETE", `/api/v0/auth/apikeys/${k.id}/`, { key: session }),
          call<{ key?: string }>(node(i + 1), "POST", `/api/v0/auth/apikeys/${k.id}/reset/`, {
            key: session,
          }),
          call(node(i + 2), "DELETE", `/api/v0/auth/apikeys/${k.id}/`, { key: session }),
          call<{ key?: string }>(node(i + 3), "POST", `/api/v0/auth/apikeys/${k.id}/reset/`, {
            key: session,
          }),
        ]);
        return { key: k, ops };
      }),
    );

    for (const { key, ops } of outcomes) {
      const [deleteA, resetA, deleteB, resetB] = ops;
      expect([deleteA?.status, deleteB?.status].sort()).toEqual([200, 404]);
      for (const reset of [resetA, resetB]) expect([200, 404]).toContain(reset?.status);
      const secrets = [key.key, resetA?.body.key, resetB?.body.key].filter(
        (s): s is string => typeof s === "string",
      );
      for (const secret of secrets) expect(await everywhere(secret)).toEqual(urls().map(() => 401));
      for (const url of urls()) {
        const show = await call(url, "GET", `/api/v0/auth/apikeys/${key.id}/`, { key: session });
        expect(show.status).toBe(404);
      }
    }
  });

  it("registers webhooks from many clients at once without passing the cap of 20", async () => {
    const { session } = await signUpAndLogIn(node(0));
    const answers = await Promise.all(
      Array.from({ length: 26 }, (_, i) =>
        call(node(i), "POST", "/api/v0/webhooks/", {
          key: session,
          body: { url: `https://hooks.example.com/latchkey/${i}`, active: false },
        }),
      ),
    );
    const refused = answers.filter((a) => a.status !== 200);
    expect(answers.length - refused.length).toBe(20);
    expect(refused).toHaveLength(6);
    for (const answer of refused) {
      expect(answer.status).toBe(400);
      expect(String(answer.body.msg)).toContain("20 webhooks");
    }
    for (const url of urls()) {
      const listed = await call<{ webhooks: unknown[] }>(url, "GET", "/api/v0/webhooks/", {
        key: session,
      });
      expect(listed.body.webhooks).toHaveLength(20);
    }
  });
});
