import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { openBenchStore } from "./benchStore.js";
import type { Cleanup } from "./cleanup.js";
import type { Backend, BenchOptions } from "./options.js";
import type { BenchResults, Log } from "./runBench.js";
import { startBenchServer } from "./serverProcess.js";
import type { TargetResult } from "./targets.js";

/**
 * (e) Floods of refused requests with known keys, against a server with its default limits:
 * how the refusals are answered (the reason until the limit, then 429 / RATE_LIMITED) and how
 * much the audit table grows. Refusals are audited as one counted row per key, route, reason
 * and minute, so the table must grow by rows per minute, not rows per request.
 */

/** The server's defaults, stated here so the bound below does not drift from them. */
const PER_KEY = 60;
const PER_ADDRESS = 20;
const ALLOWED = "203.0.113.0/24";
const OUTSIDE = "198.51.100.7";

export interface FloodResult {
  name: string;
  label: string;
  requests: number;
  /** HTTP status, or the verdict code for the verify API, and how often it came. */
  answers: Record<string, number>;
  /** Answered with their reason (so audited), rather than 429 / RATE_LIMITED. */
  audited: number;
  /** The key's api_key.denied rows after the flood, and the refusals they count. */
  auditRows: number;
  auditCount: number;
  /** Calendar minutes the flood touched (each may hold one row per route and reason). */
  minutes: number;
  seconds: number;
}

export interface RefusalFloodResult {
  backend: Backend;
  /** Rows of the whole audit table before and after all floods. */
  auditRowsBefore: number;
  auditRowsAfter: number;
  floods: FloodResult[];
}

interface Flood {
  name: string;
  label: string;
  key: "restricted" | "narrow";
  /** The i-th request. */
  request(key: string, i: number): { path: string; init: RequestInit };
  /** How an answer is tallied: its status, or its verdict code. */
  outcome(status: number, body: unknown): string;
  /** What an audited refusal looks like among the outcomes. */
  refused: string;
}

const spread = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const get = (key: string, ip: string) => ({
  path: "/api/v0/users/current/",
  init: { headers: { authorization: `Bearer ${key}`, "x-forwarded-for": ip } },
});
const verify = (body: Record<string, unknown>) => ({
  path: "/api/v0/auth/verify/",
  init: {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  },
});
const status = (s: number) => String(s);
const code = (_: number, body: unknown) => String((body as { code?: unknown } | null)?.code);

const FLOODS: Flood[] = [
  {
    name: "rest_one_address",
    label: "(e1) IP-restricted key, one wrong address",
    key: "restricted",
    request: (key) => get(key, OUTSIDE),
    outcome: status,
    refused: "403",
  },
  {
    name: "rest_many_addresses",
    label: "(e2) IP-restricted key, a new address each",
    key: "restricted",
    request: (key, i) => get(key, spread(i)),
    outcome: status,
    refused: "403",
  },
  {
    name: "verify_ip",
    label: "(e3) verify, IP-restricted key, wrong ip",
    key: "restricted",
    request: (key) => verify({ key, ip: OUTSIDE }),
    outcome: code,
    refused: "IP_NOT_ALLOWED",
  },
  {
    name: "verify_forbidden",
    label: "(e4) verify, category not granted",
    key: "narrow",
    request: (key) => verify({ key, category: "billing_read" }),
    outcome: code,
    refused: "FORBIDDEN",
  },
];

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const answer = await fetch(url, init);
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

function expectOk(what: string, answer: { status: number; body: unknown }): void {
  if (answer.status !== 200) {
    throw new Error(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}

const minuteOf = (ms: number) => Math.floor(ms / 60_000);

async function runOne(
  backend: Backend,
  options: BenchOptions,
  cleanup: Cleanup,
  log: Log,
): Promise<RefusalFloodResult> {
  const store = await openBenchStore(backend, options.postgresUrl);
  const disposeStore = cleanup.add(() => store.dispose());
  try {
    await store.finishSeeding();
    const server = await startBenchServer(
      {
        ...store.env,
        LATCHKEY_PEPPER: `v1:${randomBytes(32).toString("hex")}`,
        LATCHKEY_LOG_LEVEL: options.logLevel,
        LATCHKEY_TRUST_PROXY: "127.0.0.1",
        // The limits that matter here at their defaults; the others out of the way.
        LATCHKEY_FAILED_AUTH_LIMIT: String(PER_ADDRESS),
        LATCHKEY_DENIED_USE_LIMIT: String(PER_KEY),
        LATCHKEY_RATE_LIMIT: "0",
        LATCHKEY_SENSITIVE_RATE_LIMIT: "0",
        LATCHKEY_VERIFY_RATE_LIMIT: "0",
      },
      join(store.dir, "flood-server.log"),
    );
    const stopServer = cleanup.add(() => server.stop());
    try {
      const url = server.url;
      const email = `flood-${randomBytes(4).toString("hex")}@example.com`;
      const password = "correct horse battery staple";
      const body = (b: unknown) => ({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(b),
      });
      expectOk("sign-up", await json(`${url}/api/v0/users/`, body({ email, password })));
      const login = await json(`${url}/api/v0/auth/login/`, body({ email, password }));
      expectOk("login", login);
      const session = String((login.body as { session_key: string }).session_key);
      const auth = { authorization: `Bearer ${session}` };
      const createKey = async (extra: Record<string, unknown>) => {
        const created = await json(`${url}/api/v0/auth/apikeys/`, {
          ...body({ name: "flood", ...extra }),
          headers: { "content-type": "application/json", ...auth },
        });
        expectOk("key creation", created);
        return created.body as { id: number; key: string };
      };
      const auditRows = async (query: string) => {
        const answer = await json(`${url}/api/v0/audit_logs/?limit=500${query}`, {
          headers: auth,
        });
        expectOk("the audit log", answer);
        return (answer.body as { audit_logs: { count: number }[] }).audit_logs;
      };
      const auditRowsBefore = (await auditRows("")).length;
      const requests = options.quick ? 1000 : 3000;
      const floods: FloodResult[] = [];
      for (const flood of FLOODS) {
        // A fresh key per flood, so each starts from an empty per-key count.
        const key = await createKey(
          flood.key === "restricted"
            ? { key_params: { ip_whitelist: [ALLOWED] } }
            : { permissions: { api: { instance_read: {} } } },
        );
        const answers: Record<string, number> = {};
        let next = 0;
        const startedAt = Date.now();
        const worker = async () => {
          while (next < requests) {
            const { path, init } = flood.request(key.key, next++);
            const answer = await json(`${url}${path}`, init);
            const outcome = flood.outcome(answer.status, answer.body);
            answers[outcome] = (answers[outcome] ?? 0) + 1;
          }
        };
        await Promise.all(Array.from({ length: options.connections[0] ?? 10 }, worker));
        const endedAt = Date.now();
        const rows = await auditRows(`&action=api_key.denied&api_key_id=${key.id}`);
        const result: FloodResult = {
          name: flood.name,
          label: flood.label,
          requests,
          answers,
          audited: answers[flood.refused] ?? 0,
          auditRows: rows.length,
          auditCount: rows.reduce((n, r) => n + r.count, 0),
          minutes: minuteOf(endedAt) - minuteOf(startedAt) + 1,
          seconds: (endedAt - startedAt) / 1000,
        };
        floods.push(result);
        const tally = Object.entries(answers)
          .sort(([, a], [, b]) => b - a)
          .map(([outcome, n]) => `${n.toLocaleString("en")} × ${outcome}`)
          .join(", ");
        log(
          `  ${flood.label.padEnd(44)} ${requests.toLocaleString("en")} requests: ${tally}; audit +${result.auditRows} row(s) counting ${result.auditCount}`,
        );
      }
      const auditRowsAfter = (await auditRows("")).length;
      log(
        `  audit table: ${auditRowsBefore} rows before, ${auditRowsAfter} after ${(requests * FLOODS.length).toLocaleString("en")} refused requests`,
      );
      return { backend, auditRowsBefore, auditRowsAfter, floods };
    } catch (err) {
      throw new Error(`${(err as Error).message}\nserver log:\n${server.logTail()}`);
    } finally {
      await stopServer();
    }
  } finally {
    await disposeStore();
  }
}

/** "(e1)" of "(e1) IP-restricted key, …". */
const tag = (flood: FloodResult) => flood.label.split(" ")[0] ?? flood.name;

/** The floods' targets: bounded audit growth, and 429 once a key's refusals pass the limit. */
export function floodTargets(results: readonly RefusalFloodResult[]): TargetResult[] {
  const out: TargetResult[] = [];
  for (const run of results) {
    for (const flood of run.floods) {
      out.push({
        backend: run.backend,
        name: `${tag(flood)} audit grows ≤ 1 row per minute under a flood of refusals`,
        pass: flood.auditRows <= flood.minutes && flood.auditCount === flood.audited,
        detail: `${flood.auditRows} row(s) in ${flood.minutes} minute(s) for ${flood.requests.toLocaleString("en")} requests, counting ${flood.auditCount} of ${flood.audited} audited refusals`,
      });
      // The per-key window starts at the flood's first refusal: ⌈seconds / 60⌉ windows.
      const windows = Math.max(1, Math.ceil(flood.seconds / 60));
      out.push({
        backend: run.backend,
        name: `${tag(flood)} refusals past ${PER_KEY} a minute per key get 429`,
        pass: flood.audited <= PER_KEY * windows && flood.audited < flood.requests,
        detail: `${flood.audited} answered with their reason, ${flood.requests - flood.audited} limited`,
      });
    }
  }
  return out;
}

/** Runs the floods on every backend and adds them, and their targets, to the results. */
export async function addRefusalFlood(
  results: BenchResults,
  options: BenchOptions,
  cleanup: Cleanup,
  log: Log,
): Promise<BenchResults & { refusalFlood: RefusalFloodResult[] }> {
  const refusalFlood: RefusalFloodResult[] = [];
  for (const backend of options.backends) {
    log(`${backend}, refusal floods (default limits):`);
    refusalFlood.push(await runOne(backend, options, cleanup, log));
  }
  const targets = [...results.targets, ...floodTargets(refusalFlood)];
  return {
    ...results,
    finishedAt: new Date().toISOString(),
    refusalFlood,
    targets,
    pass: targets.every((t) => t.pass),
  };
}
