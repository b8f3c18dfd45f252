import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { call, createKey, signUpAndLogIn, startCluster, type TestCluster } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Team changes across nodes (docs/teams.md): three server processes on one PostgreSQL schema,
 * each caching a member's team key, under load from every node while the owner narrows the
 * member's role, changes it, removes the member or destroys the team through another node.
 * No request that starts after the answer may be accepted with the old rights, on any node.
 * A correctness test: it waits for counts of answers, never for a duration.
 */

const PROBE = "/api/v0/users/current/";

interface Shot {
  node: number;
  start: number;
  end: number;
  status: number;
}

function traffic(urls: string[], key: string) {
  const shots: Shot[] = [];
  let running = true;
  const loops: Promise<void>[] = [];
  for (const [node, url] of urls.entries()) {
    for (let worker = 0; worker < 3; worker++) {
      loops.push(
        (async () => {
          while (running) {
            const start = performance.now();
            const { status } = await call(url, "GET", PROBE, { key });
            shots.push({ node, start, end: performance.now(), status });
          }
        })(),
      );
    }
  }
  return {
    shots,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Lets traffic run until every node has answered `count` requests that started after `from`. */
async function until(shots: Shot[], nodes: number, from: number, count = 10): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const done = Array.from({ length: nodes }, (_, n) => n).every(
      (node) => shots.filter((s) => s.node === node && s.start > from).length >= count,
    );
    if (done) return;
    await sleep(25);
  }
  throw new Error(`the nodes did not answer ${count} requests each after the change`);
}

function answers(shots: Shot[], nodes: number, from: number, to = Number.POSITIVE_INFINITY) {
  return Array.from({ length: nodes }, (_, node) =>
    shots.filter((s) => s.node === node && s.start > from && s.end < to).map((s) => s.status),
  );
}

/**
 * Refused with 403 (the role no longer grants the probe) or, once the refusals flood, 429 (a
 * known key's refusals beyond LATCHKEY_DENIED_USE_LIMIT a minute): never accepted.
 */
const refusedOnly = (statuses: number[]) =>
  statuses.includes(403) && statuses.every((s) => s === 403 || s === 429);

describe("team changes on three PostgreSQL nodes", () => {
  let cluster: TestCluster;
  let urls: string[];
  beforeAll(async () => {
    cluster = await startCluster(3);
    urls = cluster.urls;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const at = (i: number) => urls[i % urls.length] ?? "";

  /**
   * A team (owner key through node 0) with a role `probe` granting user_read and instance_read,
   * and a member holding it whose team key has the same tree, cached on every node.
   */
  async function setUp() {
    const owner = await signUpAndLogIn(at(0));
    const ownerKey = (await createKey(at(0), owner.session, { name: "owner" })).key;
    const team = await call<{ id: number }>(at(0), "POST", "/api/v0/team/", {
      key: ownerKey,
      body: { team_name: "cluster" },
    });
    const tree = { api: { user_read: {}, instance_read: {} } };
    const role = await call<{ role: { id: number } }>(at(1), "POST", "/api/v0/team/roles/", {
      key: ownerKey,
      body: { name: "probe", permissions: tree },
    });
    const member = await signUpAndLogIn(at(2));
    const invited = await call<{ token: string }>(
      at(2),
      "POST",
      `/api/v0/team/invite/?email=${encodeURIComponent(member.email)}&role=probe`,
      { key: ownerKey },
    );
    const joined = await call(
      at(0),
      "POST",
      `/api/v0/team/invitations/${invited.body.token}/accept/`,
      {
        key: member.session,
      },
    );
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    const key = await call<{ key: string }>(at(1), "POST", "/api/v0/auth/apikeys/", {
      key: member.session,
      body: { name: "member", team_id: team.body.id, permissions: tree },
    });
    expect(key.status, JSON.stringify(key.body)).toBe(200);
    for (let round = 0; round < 3; round++) {
      for (const url of urls)
        expect((await call(url, "GET", PROBE, { key: key.body.key })).status).toBe(200);
    }
    return {
      ownerKey,
      memberId: member.userId,
      memberSession: member.session,
      teamId: team.body.id,
      roleId: role.body.role.id,
      key: key.body.key,
    };
  }

  /** The member's team session (docs/teams.md), opened through node 2, cached on every node. */
  async function teamSession(t: { memberSession: string; teamId: number }) {
    const opened = await call<{ session_key: string }>(
      at(2),
      "POST",
      "/api/v0/auth/sessions/team/",
      { key: t.memberSession, body: { team_id: t.teamId } },
    );
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    for (const url of urls) {
      expect((await call(url, "GET", PROBE, { key: opened.body.session_key })).status).toBe(200);
    }
    return opened.body.session_key;
  }

  /** Load on every node; `change` through one node; what was answered before and after. */
  async function underLoad(key: string, change: () => Promise<{ status: number }>) {
    const load = traffic(urls, key);
    await until(load.shots, urls.length, 0, 5);
    const started = performance.now();
    const changed = await change();
    const returned = performance.now();
    await until(load.shots, urls.length, returned, 20);
    await load.stop();
    expect(changed.status).toBe(200);
    for (const before of answers(load.shots, urls.length, 0, started)) {
      expect(before.length).toBeGreaterThan(0);
      expect(new Set(before)).toEqual(new Set([200]));
    }
    return answers(load.shots, urls.length, returned);
  }

  it("a role narrowed through one node: every node refuses the old rights from its answer on", async () => {
    const t = await setUp();
    const after = await underLoad(t.key, () =>
      call(at(1), "PUT", `/api/v0/team/roles/${t.roleId}/`, {
        key: t.ownerKey,
        body: { permissions: { api: { instance_read: {} } } },
      }),
    );
    for (const statuses of after) {
      expect(statuses.length).toBeGreaterThanOrEqual(20);
      expect(refusedOnly(statuses)).toBe(true);
    }
  });

  it("a member's role changed through one node: the same", async () => {
    const t = await setUp();
    const after = await underLoad(t.key, () =>
      call(at(2), "PUT", `/api/v0/team/members/${t.memberId}/roles/`, {
        key: t.ownerKey,
        body: { role: "member" },
      }),
    );
    for (const statuses of after) expect(refusedOnly(statuses)).toBe(true);
  });

  it("a member removed through one node: their key is 401 on every node from the answer on", async () => {
    const t = await setUp();
    const after = await underLoad(t.key, () =>
      call(at(1), "DELETE", `/api/v0/team/members/${t.memberId}/`, { key: t.ownerKey }),
    );
    for (const statuses of after) expect(new Set(statuses)).toEqual(new Set([401]));
  });

  it("a team destroyed through one node: its members' keys are 401 on every node", async () => {
    const t = await setUp();
    const after = await underLoad(t.key, () =>
      call(at(2), "DELETE", "/api/v0/team/", { key: t.ownerKey }),
    );
    for (const statuses of after) expect(new Set(statuses)).toEqual(new Set([401]));
  });

  it("a member removed through one node: their team session is 401 on every node from the answer on", async () => {
    const t = await setUp();
    const session = await teamSession(t);
    const after = await underLoad(session, () =>
      call(at(1), "DELETE", `/api/v0/team/members/${t.memberId}/`, { key: t.ownerKey }),
    );
    for (const statuses of after) expect(new Set(statuses)).toEqual(new Set([401]));
  });

  it("a team session logged out through one node: 401 on every node from the answer on", async () => {
    const t = await setUp();
    const session = await teamSession(t);
    const after = await underLoad(session, () =>
      call(at(0), "POST", "/api/v0/auth/logout/", { key: session }),
    );
    for (const statuses of after) expect(new Set(statuses)).toEqual(new Set([401]));
  });
});
