import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ApiAnswer,
  call,
  createKey,
  type NodeSet,
  signUpAndLogIn,
  spawnServer,
  startCluster,
  tempDir,
  useNodes,
} from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

/**
 * Revocation under concurrent first use, through real server processes and real HTTP, on one
 * SQLite node, one PostgreSQL node and three PostgreSQL nodes. Each fresh credential is used
 * by many keep-alive connections (each pipelining a few requests), spread over every node,
 * from its very first request on, so that its first uses race: each node misses its cache
 * several times at once and fills it several times for one secret. Then every credential is
 * revoked, each by its own call through one node: deleted; reset (three routes); reset with a
 * grace window whose end is then forced; its session ended. No request that starts after the
 * revoking call's answer arrived may be accepted on any node: neither while the load still
 * runs, nor when each node is asked again after it has stopped.
 *
 * This is a correctness test, not a timed one: it waits for counts of answers, never for a
 * duration, and requests that started before the answer may go either way.
 */

/** Fresh credentials per scenario, each revoked on its own. */
const CREDENTIALS = 5;
/** Connections using each credential at once, spread round robin over the nodes. */
const CONNECTIONS_PER_CREDENTIAL = 12;
/** Requests each connection sends at once (HTTP/1.1 pipelining). */
const PIPELINED = 4;
/** Accepted answers each node must have given each credential before it is revoked. */
const BEFORE = 10;
/** Answers each node must have given each credential, started after its revocation answered. */
const AFTER = 20;
/** Rounds of asking every node again, once the load has stopped. */
const PROBE_ROUNDS = 5;
/** How long any one wait for answers may take on a slow machine before the test gives up. */
const WAIT_MS = 30_000;

const ME = "/api/v0/users/current/";

const setups: Record<string, () => Promise<NodeSet>> = {
  "one SQLite node": async () => {
    const dir = tempDir();
    const server = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
    return {
      urls: [server.url],
      stop: async () => {
        await server.stop("SIGKILL");
        dir.remove();
      },
    };
  },
  "one PostgreSQL node": async () => {
    const cluster = await startCluster(1);
    return { urls: cluster.urls, stop: () => cluster.stop() };
  },
  "three PostgreSQL nodes": async () => {
    const cluster = await startCluster(3);
    return { urls: cluster.urls, stop: () => cluster.stop() };
  },
};

/**
 * One keep-alive HTTP/1.1 connection that sends its requests in pipelined batches: a whole
 * batch in one write, answered in order. The server parses a batch in one go and starts every
 * request in it before any has finished, so that even on SQLite, where one lookup otherwise
 * runs to its end before the next request is read, one secret is looked up several times at
 * once. (Several connections do that on PostgreSQL by themselves.)
 */
class Connection {
  private buffered = Buffer.alloc(0);
  private readonly waiting: { resolve(status: number): void; reject(err: Error): void }[] = [];
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly host: string,
  ) {
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("the server closed a keep-alive connection")));
  }

  static open(url: string): Promise<Connection> {
    const { hostname, port, host } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.off("error", reject);
        resolve(new Connection(socket, host));
      });
      socket.once("error", reject);
    });
  }

  /** Sends `count` GETs of `path` with `secret` in one write; each promise gets its status. */
  batch(path: string, secret: string, count: number): Promise<number>[] {
    const answers = Array.from(
      { length: count },
      () =>
        new Promise<number>((resolve, reject) => {
          if (this.failure) reject(this.failure);
          else this.waiting.push({ resolve, reject });
        }),
    );
    const one = `GET ${path} HTTP/1.1\r\nHost: ${this.host}\r\nAuthorization: Bearer ${secret}\r\n\r\n`;
    if (!this.failure) this.socket.write(one.repeat(count));
    return answers;
  }

  private read(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const headEnd = this.buffered.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = this.buffered.subarray(0, headEnd).toString("latin1");
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1];
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      if (status === undefined || length === undefined) {
        this.fail(new Error(`unexpected answer: ${head}`));
        return;
      }
      const total = headEnd + 4 + Number(length);
      if (this.buffered.length < total) return;
      this.buffered = this.buffered.subarray(total);
      this.waiting.shift()?.resolve(Number(status));
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  close(): void {
    this.fail(new Error("closed by the test"));
    this.socket.destroy();
  }
}

interface Shot {
  credential: number;
  node: number;
  /** When the client began the request (performance.now()). */
  start: number;
  /** When its whole answer had arrived. */
  end: number;
  status: number;
}

const accepted = (status: number) => status >= 200 && status < 300;

/** Waits for a condition, polling; fails with `what` if it does not hold within WAIT_MS. */
async function until(condition: () => boolean, what: () => string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what()}`);
    await sleep(20);
  }
}

/**
 * Many keep-alive connections per credential, spread over the nodes, each sending pipelined
 * batches back to back until stopped. All connections are open before the first request, and
 * every connection's first batch is written in the same tick: each credential's first uses
 * reach every node together, all of them cache misses.
 */
class Load {
  readonly shots: Shot[] = [];
  private running = true;
  private failure: Error | undefined;
  private readonly workers: Promise<void>[] = [];

  private constructor(
    private readonly urls: string[],
    private readonly connections: Connection[],
  ) {}

  static async start(urls: string[], secrets: string[]): Promise<Load> {
    const slots = secrets.flatMap((secret, credential) =>
      Array.from({ length: CONNECTIONS_PER_CREDENTIAL }, (_, c) => ({
        credential,
        secret,
        node: (credential + c) % urls.length,
      })),
    );
    const connections = await Promise.all(
      slots.map((slot) => Connection.open(urls[slot.node] ?? "")),
    );
    const load = new Load(urls, connections);
    for (const [i, slot] of slots.entries()) {
      const connection = connections[i];
      if (connection)
        load.workers.push(load.work(connection, slot.credential, slot.node, slot.secret));
    }
    return load;
  }

  private async work(connection: Connection, credential: number, node: number, secret: string) {
    try {
      while (this.running) {
        const start = performance.now();
        const answers = connection
          .batch(ME, secret, PIPELINED)
          .map((answer) =>
            answer.then((status) =>
              this.shots.push({ credential, node, start, end: performance.now(), status }),
            ),
          );
        await Promise.all(answers);
      }
    } catch (err) {
      // A connection that fails mid-load fails the test (at the next wait, or at stop).
      this.failure ??= err instanceof Error ? err : new Error(String(err));
      this.running = false;
    }
  }

  /** Each node's answers for one credential to requests that started after `since`. */
  answers(credential: number, since: number, until = Number.POSITIVE_INFINITY): number[][] {
    const perNode = this.urls.map((): number[] => []);
    for (const s of this.shots) {
      if (s.credential === credential && s.start > since && s.end < until)
        perNode[s.node]?.push(s.status);
    }
    return perNode;
  }

  /** Waits until every node gave `count` answers (accepted ones, if `acceptedOnly`) since `since`. */
  async answered(credential: number, since: number, count: number, acceptedOnly = false) {
    const counts = () =>
      this.answers(credential, since).map((statuses) =>
        acceptedOnly ? statuses.filter(accepted).length : statuses.length,
      );
    await until(
      () => {
        if (this.failure) throw this.failure;
        return counts().every((n) => n >= count);
      },
      () =>
        `${count} ${acceptedOnly ? "accepted " : ""}answers per node for credential ${credential}, have ${counts()}`,
    );
  }

  /** Whether each credential's first requests raced on each node: several were in flight at once. */
  firstUsesRaced(credential: number): number[] {
    return this.urls.map((_, node) => {
      const mine = this.shots.filter((s) => s.credential === credential && s.node === node);
      const firstEnd = Math.min(...mine.map((s) => s.end));
      return mine.filter((s) => s.start < firstEnd).length;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    for (const connection of this.connections) connection.close();
    if (this.failure) throw this.failure;
  }
}

/**
 * Revokes every credential at once, each with its own call (through the node the call picks);
 * each must answer 200. Returns, per credential, the moment its whole answer had arrived.
 */
async function revokeEach<C>(
  credentials: C[],
  revoke: (credential: C, i: number) => Promise<ApiAnswer>,
): Promise<number[]> {
  const answers = await Promise.all(
    credentials.map(async (credential, i) => {
      const answer = await revoke(credential, i);
      return { status: answer.status, at: performance.now() };
    }),
  );
  expect(answers.map((a) => a.status)).toEqual(credentials.map(() => 200));
  return answers.map((a) => a.at);
}

describe.each(Object.keys(setups))("revocation under concurrent first use on %s", (name) => {
  const { urls, node } = useNodes(() => {
    const start = setups[name];
    if (!start) throw new Error(name);
    return start();
  });

  /**
   * Puts every secret under load from its first request, waits until each node accepted each
   * one, runs `revoke` (which returns, per secret, when its revoking answer arrived), keeps
   * the load going until each node answered each secret AFTER times since, then stops it and
   * checks: nothing started after the answer was accepted, during the load or after it.
   */
  async function raceThenRevoke(
    secrets: string[],
    revoke: (load: Load) => Promise<number[]>,
  ): Promise<void> {
    const load = await Load.start(urls(), secrets);
    let revokedAt: number[];
    try {
      for (const [i] of secrets.entries()) await load.answered(i, 0, BEFORE, true);
      revokedAt = await revoke(load);
      for (const [i] of secrets.entries()) await load.answered(i, revokedAt[i] ?? 0, AFTER);
    } catch (err) {
      await load.stop().catch(() => {});
      throw err;
    }
    await load.stop();
    const since = (i: number) => revokedAt[i] ?? Number.NEGATIVE_INFINITY;

    // Once the load has stopped: every node, asked again several times, about every secret.
    const probes = secrets.map(() => urls().map((): number[] => []));
    for (let round = 0; round < PROBE_ROUNDS; round++) {
      for (const [i, secret] of secrets.entries()) {
        for (const [n, url] of urls().entries())
          probes[i]?.[n]?.push((await call(url, "GET", ME, { key: secret })).status);
      }
    }

    // The guarantee, per credential and node: nothing that started after the answer was
    // accepted, while the load ran or once it had stopped.
    const countAccepted = (perNode: number[][]) =>
      perNode.map((statuses) => statuses.filter(accepted).length);
    const none = secrets.map(() => urls().map(() => 0));
    expect(
      {
        acceptedDuringLoad: secrets.map((_, i) => countAccepted(load.answers(i, since(i)))),
        acceptedOnceStopped: probes.map(countAccepted),
      },
      "requests accepted although they started after the revoking answer, [credential][node]",
    ).toEqual({ acceptedDuringLoad: none, acceptedOnceStopped: none });

    for (const [i] of secrets.entries()) {
      // Refused as a revoked credential is (401), nothing else; before the answer, either way.
      for (const statuses of load.answers(i, since(i))) {
        expect(statuses.length).toBeGreaterThanOrEqual(AFTER);
        expect(new Set(statuses)).toEqual(new Set([401]));
      }
      for (const statuses of load.answers(i, 0, since(i)))
        for (const status of new Set(statuses)) expect([200, 401]).toContain(status);
      // The first uses did race: on every node, at least a whole pipelined batch was in flight
      // before the first answer came back, each request a cache miss for the same secret.
      for (const inFlight of load.firstUsesRaced(i))
        expect(inFlight).toBeGreaterThanOrEqual(PIPELINED);
    }
    expect(probes).toEqual(secrets.map(() => urls().map(() => Array(PROBE_ROUNDS).fill(401))));
  }

  /** Every node accepts a secret, several times. */
  async function acceptedEverywhere(secret: string): Promise<void> {
    for (let round = 0; round < 3; round++) {
      for (const url of urls())
        expect((await call(url, "GET", ME, { key: secret })).status).toBe(200);
    }
  }

  async function freshKeys() {
    const { session } = await signUpAndLogIn(node(0));
    const keys = [];
    for (let i = 0; i < CREDENTIALS; i++) keys.push(await createKey(node(0), session));
    return { session, keys };
  }

  it("a deleted key is refused everywhere from the delete's answer on", async () => {
    const { session, keys } = await freshKeys();
    await raceThenRevoke(
      keys.map((k) => k.key),
      async () =>
        await revokeEach(keys, (k, i) =>
          call(node(i), "DELETE", `/api/v0/auth/apikeys/${k.id}/`, { key: session }),
        ),
    );
  }, 120_000);

  it("a reset key's old secret is refused everywhere from the reset's answer on (each reset route)", async () => {
    const { session, keys } = await freshKeys();
    const fresh: string[] = [];
    await raceThenRevoke(
      keys.map((k) => k.key),
      async () =>
        await revokeEach(keys, async (k, i) => {
          // The REST route, Vast's command naming the key, and Vast's command by the key itself.
          const reset =
            i % 3 === 0
              ? await call<{ key: string }>(
                  node(i),
                  "POST",
                  `/api/v0/auth/apikeys/${k.id}/reset/`,
                  {
                    key: session,
                  },
                )
              : await call<{ new_api_key: string }>(
                  node(i),
                  "PUT",
                  "/api/v0/commands/reset_apikey/",
                  {
                    key: i % 3 === 1 ? session : k.key,
                    body: i % 3 === 1 ? { id: k.id } : { client_id: "me" },
                  },
                );
          const body: { key?: string; new_api_key?: string } = reset.body;
          fresh.push(body.key ?? body.new_api_key ?? "");
          return reset;
        }),
    );
    for (const secret of fresh) await acceptedEverywhere(secret);
  }, 120_000);

  it("a grace window ended early: the old secret is refused everywhere from that answer on", async () => {
    const { session, keys } = await freshKeys();
    const fresh: string[] = [];
    await raceThenRevoke(
      keys.map((k) => k.key),
      async (load) => {
        // Reset with a long grace window: the old secret keeps working, and is looked up (and
        // cached, concurrently again) as the key's previous secret.
        const resetAt = await revokeEach(keys, async (k, i) => {
          const reset = await call<{ key: string }>(
            node(i),
            "POST",
            `/api/v0/auth/apikeys/${k.id}/reset/`,
            { key: session, body: { grace_seconds: 600 } },
          );
          fresh.push(reset.body.key);
          return reset;
        });
        for (const [i] of keys.entries()) await load.answered(i, resetAt[i] ?? 0, BEFORE);
        const ending = performance.now();
        // Inside the window (after the reset answered, before its end was asked for), the old
        // secret was accepted on every node.
        for (const [i] of keys.entries()) {
          for (const statuses of load.answers(i, resetAt[i] ?? 0, ending)) {
            expect(statuses.length).toBeGreaterThan(0);
            expect(new Set(statuses)).toEqual(new Set([200]));
          }
        }
        return await revokeEach(keys, (k, i) =>
          call(node(i + 1), "DELETE", `/api/v0/auth/apikeys/${k.id}/previous/`, { key: session }),
        );
      },
    );
    for (const secret of fresh) await acceptedEverywhere(secret);
  }, 120_000);

  it("an ended session is refused everywhere from the answer on (ended by another session, or logged out)", async () => {
    const { email, password, session } = await signUpAndLogIn(node(0));
    const sessions: { id: number; secret: string }[] = [];
    for (let i = 0; i < CREDENTIALS; i++) {
      const login = await call<{ session_key: string; session_id: number }>(
        node(0),
        "POST",
        "/api/v0/auth/login/",
        { body: { email, password } },
      );
      expect(login.status).toBe(200);
      sessions.push({ id: login.body.session_id, secret: login.body.session_key });
    }
    await raceThenRevoke(
      sessions.map((s) => s.secret),
      async () =>
        await revokeEach(sessions, (s, i) =>
          i % 2 === 0
            ? call(node(i), "DELETE", `/api/v0/auth/sessions/${s.id}/`, { key: session })
            : call(node(i), "POST", "/api/v0/auth/logout/", { key: s.secret }),
        ),
    );
    // The session that ended the others is untouched.
    await acceptedEverywhere(session);
  }, 120_000);
});
