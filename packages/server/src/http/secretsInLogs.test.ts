import { randomBytes } from "node:crypto";
import { createConnection } from "node:net";
import {
  type ApiAnswer,
  call,
  createKey,
  type ServerProcess,
  signUpAndLogIn,
  spawnServer,
  startReceiver,
  startTestServer,
  type TestReceiver,
  tempDir,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverRoutes } from "../routes.js";
import { UrlRedactor } from "./logging.js";

/**
 * The whole log of a real server process (at trace level, so nothing is held back) put through
 * every catalogued route with every secret it issued, and every password, in every place a
 * client could put one: the Authorization header, the session cookie, the query under many
 * names (arrays too), path segments, JSON bodies, X-Forwarded-For, and requests too broken to
 * parse. Not one of them may appear in the log, in any encoding.
 */

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const newPassword = () => `Pw ${hex(10)}!`;

/** The ways a secret could be written into a log line without being itself. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const random = secret.includes("_") ? [secret.slice(secret.indexOf("_") + 1)] : [];
  return [
    secret,
    ...random,
    encodeURIComponent(secret),
    bytes.toString("base64"),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    [...bytes].join(","),
  ];
}

/** Query parameter names a client might use for a credential, arrays included. */
const QUERY_NAMES = [
  "access_token",
  "apikey",
  "auth",
  "api_key[]",
  "token",
  "key",
  "session_key",
  "password",
  "secret",
  "x",
  "limit",
];

function queryWith(secret: string, names = QUERY_NAMES): string {
  const value = encodeURIComponent(secret);
  return `?${names.map((n) => `${encodeURIComponent(n)}=${value}`).join("&")}&${value}&${value}=1`;
}

interface Context {
  url: string;
  /** A session of account A, the caller of most tours. */
  session: string;
  remember(secret: unknown): string;
  /** Creates a key of account A; its secret is remembered. */
  key(body?: Record<string, unknown>): Promise<{ id: number; key: string }>;
  /** Logs account A in again; the session is remembered. */
  login(): Promise<{ session: string; id: number }>;
  webhook(): Promise<number>;
  receiver: TestReceiver;
  marker: string;
  passwordA: string;
  emailA: string;
}

interface Sample {
  path: string;
  body?: unknown;
  /** The credential; by default account A's session. */
  credential?: string | null;
  /** The expected status, 200 unless given. */
  status?: number;
}

type SampleFor = (deps: Context) => Promise<Sample>;

/** One request per catalogued route that does what the route is for, with real objects. */
const samples: Record<string, SampleFor> = {
  "GET /healthz": async () => ({ path: "/healthz", credential: null }),
  "GET /readyz": async () => ({ path: "/readyz", credential: null }),
  "GET /api/v0/openapi.json": async () => ({ path: "/api/v0/openapi.json", credential: null }),
  "GET /api/v0/permissions/": async () => ({ path: "/api/v0/permissions/" }),
  "POST /api/v0/users/": async (deps) => ({
    path: "/api/v0/users/",
    credential: null,
    body: { email: `new-${hex(4)}@example.com`, password: deps.remember(newPassword()) },
  }),
  "POST /api/v0/auth/login/": async (deps) => ({
    path: "/api/v0/auth/login/",
    credential: null,
    body: { email: deps.emailA, password: deps.passwordA },
  }),
  "POST /api/v0/auth/verify/": async (deps) => ({
    path: "/api/v0/auth/verify/",
    credential: null,
    body: { key: (await deps.key()).key, category: "user_read", params: { note: deps.marker } },
  }),
  "POST /api/v0/auth/logout/": async (deps) => ({
    path: "/api/v0/auth/logout/",
    credential: (await deps.login()).session,
  }),
  "GET /api/v0/auth/sessions/": async () => ({ path: "/api/v0/auth/sessions/" }),
  "POST /api/v0/auth/sessions/team/": async (deps) => {
    const team = await call<{ id: number }>(deps.url, "POST", "/api/v0/team/", {
      key: deps.session,
      body: { team_name: `tour ${deps.marker}` },
    });
    return { path: "/api/v0/auth/sessions/team/", body: { team_id: team.body.id } };
  },
  "DELETE /api/v0/auth/sessions/": async (deps) => {
    // Ends every other session of the account: done from a session of its own account.
    const other = await signUp(deps);
    const { session } = await logIn(deps, other.email, other.password);
    await logIn(deps, other.email, other.password);
    return { path: "/api/v0/auth/sessions/", credential: session };
  },
  "DELETE /api/v0/auth/sessions/{id}/": async (deps) => ({
    path: `/api/v0/auth/sessions/${(await deps.login()).id}/`,
  }),
  "GET /api/v0/users/current/": async () => ({ path: "/api/v0/users/current/" }),
  "POST /api/v0/auth/apikeys/": async (deps) => ({
    path: "/api/v0/auth/apikeys/",
    body: { name: `named after ${deps.passwordA}`, permissions: { api: { user_read: {} } } },
  }),
  "GET /api/v0/auth/apikeys/": async () => ({ path: "/api/v0/auth/apikeys/" }),
  "GET /api/v0/auth/apikeys/{id}/": async (deps) => ({
    path: `/api/v0/auth/apikeys/${(await deps.key()).id}/`,
  }),
  "DELETE /api/v0/auth/apikeys/{id}/": async (deps) => ({
    path: `/api/v0/auth/apikeys/${(await deps.key()).id}/`,
  }),
  "POST /api/v0/auth/apikeys/{id}/reset/": async (deps) => ({
    path: `/api/v0/auth/apikeys/${(await deps.key()).id}/reset/`,
    body: { grace_seconds: 600 },
  }),
  "DELETE /api/v0/auth/apikeys/{id}/previous/": async (deps) => {
    const { id } = await deps.key();
    const reset = await call(deps.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: deps.session,
      body: { grace_seconds: 600 },
    });
    deps.remember(reset.body.key);
    return { path: `/api/v0/auth/apikeys/${id}/previous/` };
  },
  "GET /api/v0/auth/apikeys/{id}/usage/": async (deps) => ({
    path: `/api/v0/auth/apikeys/${(await deps.key()).id}/usage/`,
  }),
  "GET /api/v0/users/current/policy/": async () => ({ path: "/api/v0/users/current/policy/" }),
  "PUT /api/v0/users/current/policy/": async () => ({
    path: "/api/v0/users/current/policy/",
    body: { expiry_reminder_days: 7 },
  }),
  "PUT /api/v0/commands/reset_apikey/": async (deps) => ({
    path: "/api/v0/commands/reset_apikey/",
    body: { id: (await deps.key()).id },
  }),
  "GET /api/v0/audit_logs/": async () => ({ path: "/api/v0/audit_logs/" }),
  "POST /api/v0/auth/apikeys/report-leak/": async (deps) => ({
    path: "/api/v0/auth/apikeys/report-leak/",
    credential: null,
    body: {
      secrets: [(await deps.key()).key],
      url: `https://paste.example.com/${deps.marker}`,
    },
    status: 202,
  }),
  "POST /api/v0/webhooks/": async (deps) => ({
    path: "/api/v0/webhooks/",
    body: { url: `${deps.receiver.url}/${deps.marker}?token=${deps.marker}`, description: "x" },
  }),
  "GET /api/v0/webhooks/": async () => ({ path: "/api/v0/webhooks/" }),
  "GET /api/v0/webhooks/{id}/": async (deps) => ({
    path: `/api/v0/webhooks/${await deps.webhook()}/`,
  }),
  "PUT /api/v0/webhooks/{id}/": async (deps) => ({
    path: `/api/v0/webhooks/${await deps.webhook()}/`,
    body: { description: deps.passwordA },
  }),
  "DELETE /api/v0/webhooks/{id}/": async (deps) => ({
    path: `/api/v0/webhooks/${await deps.webhook()}/`,
  }),
  "GET /api/v0/webhooks/{id}/deliveries/": async (deps) => ({
    path: `/api/v0/webhooks/${await deps.webhook()}/deliveries/`,
  }),
  "POST /api/v0/webhooks/{id}/test/": async (deps) => ({
    path: `/api/v0/webhooks/${await deps.webhook()}/test/`,
  }),
  "POST /api/v0/webhooks/{id}/deliveries/{delivery_id}/redeliver/": async (deps) => {
    const id = await deps.webhook();
    const ping = await call(deps.url, "POST", `/api/v0/webhooks/${id}/test/`, {
      key: deps.session,
    });
    return { path: `/api/v0/webhooks/${id}/deliveries/${ping.body.id}/redeliver/` };
  },
  "POST /api/v0/verifiers/": async () => ({
    path: "/api/v0/verifiers/",
    body: { name: "tour service" },
  }),
  "GET /api/v0/verifiers/": async () => ({ path: "/api/v0/verifiers/" }),
  // A stream never ends, so one request can only show its refusal of a session here; the
  // verifier tests open real streams.
  "GET /api/v0/verifiers/stream/": async () => ({ path: "/api/v0/verifiers/stream/", status: 403 }),
  "POST /api/v0/verifiers/ack/": async (deps) => ({
    path: "/api/v0/verifiers/ack/",
    credential: (await verifierOf(deps)).token,
    body: { connection: deps.marker, seq: 0 },
    status: 404,
  }),
  "POST /api/v0/verifiers/verify/": async (deps) => ({
    path: "/api/v0/verifiers/verify/",
    credential: (await verifierOf(deps)).token,
    body: { key: (await deps.key()).key, category: "user_read", params: { note: deps.marker } },
  }),
  "DELETE /api/v0/verifiers/{id}/": async (deps) => ({
    path: `/api/v0/verifiers/${(await verifierOf(deps)).id}/`,
  }),
  // Teams (docs/teams.md): a key that creates a team becomes the owner's team key.
  "POST /api/v0/team/": async (deps) => ({
    path: "/api/v0/team/",
    credential: (await deps.key()).key,
    body: { team_name: `named after ${deps.passwordA}`, transfer_credit: 0 },
  }),
  "GET /api/v0/team/": async (deps) => ({
    path: "/api/v0/team/",
    credential: await teamKeyOf(deps),
  }),
  "PUT /api/v0/team/": async (deps) => ({
    path: "/api/v0/team/",
    credential: await teamKeyOf(deps),
    body: { team_name: `renamed after ${deps.passwordA}` },
  }),
  "DELETE /api/v0/team/": async (deps) => ({
    path: "/api/v0/team/",
    credential: await newTeam(deps),
  }),
  "POST /api/v0/team/invite/": async (deps) => ({
    path: `/api/v0/team/invite/?email=invited-${hex(4)}%40example.com&role=member`,
    credential: await teamKeyOf(deps),
  }),
  "GET /api/v0/team/invitations/": async (deps) => ({
    path: "/api/v0/team/invitations/",
    credential: await teamKeyOf(deps),
  }),
  "DELETE /api/v0/team/invitations/{id}/": async (deps) => {
    const key = await teamKeyOf(deps);
    const { id } = await invite(deps, key, `revoked-${hex(4)}@example.com`, "member");
    return { path: `/api/v0/team/invitations/${id}/`, credential: key };
  },
  // The invitation's token in the path, as a link of the platform's own carries it.
  "POST /api/v0/team/invitations/{token}/accept/": async (deps) => ({
    path: `/api/v0/team/invitations/${encodeURIComponent((await invitationToA(deps)).token)}/accept/`,
  }),
  "GET /api/v0/team/invite/{token}/": async (deps) => ({
    path: `/api/v0/team/invite/${encodeURIComponent((await invitationToA(deps)).token)}/`,
  }),
  "GET /api/v0/users/current/invitations/": async (deps) => {
    await invitationToA(deps);
    return { path: "/api/v0/users/current/invitations/" };
  },
  "GET /api/v0/users/current/teams/": async () => ({ path: "/api/v0/users/current/teams/" }),
  "GET /api/v0/team/members/": async (deps) => ({
    path: "/api/v0/team/members/",
    credential: await teamKeyOf(deps),
  }),
  "DELETE /api/v0/team/members/{id}/": async (deps) => {
    const key = await teamKeyOf(deps);
    return {
      path: `/api/v0/team/members/${await memberOf(deps, key, "member")}/`,
      credential: key,
    };
  },
  "PUT /api/v0/team/members/{id}/roles/": async (deps) => {
    const key = await teamKeyOf(deps);
    const member = await memberOf(deps, key, "member");
    return {
      path: `/api/v0/team/members/${member}/roles/`,
      credential: key,
      body: { role_id: (await roleOf(deps, key)).id },
    };
  },
  "POST /api/v0/team/members/{id}/roles/": async (deps) => {
    const key = await teamKeyOf(deps);
    const member = await memberOf(deps, key, "member");
    return {
      path: `/api/v0/team/members/${member}/roles/`,
      credential: key,
      body: { role: "manager" },
    };
  },
  "POST /api/v0/team/roles/": async (deps) => ({
    path: "/api/v0/team/roles/",
    credential: await teamKeyOf(deps),
    body: { name: `role ${hex(4)}`, permissions: { api: { instance_read: {} } } },
  }),
  "GET /api/v0/team/roles/": async (deps) => ({
    path: "/api/v0/team/roles/",
    credential: await teamKeyOf(deps),
  }),
  "GET /api/v0/team/roles-full/": async (deps) => ({
    path: "/api/v0/team/roles-full/",
    credential: await teamKeyOf(deps),
  }),
  "GET /api/v0/team/roles/{id}/": async (deps) => {
    const key = await teamKeyOf(deps);
    return { path: `/api/v0/team/roles/${(await roleOf(deps, key)).id}/`, credential: key };
  },
  "PUT /api/v0/team/roles/{id}/": async (deps) => {
    const key = await teamKeyOf(deps);
    return {
      path: `/api/v0/team/roles/${(await roleOf(deps, key)).id}/`,
      credential: key,
      body: { permissions: { api: { instance_write: {} } } },
    };
  },
  "DELETE /api/v0/team/roles/{id}/": async (deps) => {
    const key = await teamKeyOf(deps);
    return { path: `/api/v0/team/roles/${(await roleOf(deps, key)).id}/`, credential: key };
  },
  // A team of its own: after the transfer its owner is a manager.
  "PUT /api/v0/team/transfer/": async (deps) => {
    const key = await newTeam(deps);
    return {
      path: "/api/v0/team/transfer/",
      credential: key,
      body: { new_team_owner_id: await memberOf(deps, key, "manager") },
    };
  },
  "GET /api/v0/team/apikeys/": async (deps) => {
    const key = await teamKeyOf(deps);
    await memberOf(deps, key, "member");
    return { path: "/api/v0/team/apikeys/", credential: key };
  },
};

/** Account A's own team, made by its session (which stays personal) on first use. */
const teamsOfA = new Map<string, Promise<number>>();
/** A new owner's team key of account A's team; its secret is remembered. */
async function teamKeyOf(deps: Context): Promise<string> {
  let team = teamsOfA.get(deps.session);
  if (!team) {
    team = call<{ id: number }>(deps.url, "POST", "/api/v0/team/", {
      key: deps.session,
      body: { team_name: "tour team" },
    }).then((answer) => {
      if (answer.status !== 200) throw new Error(`team: ${JSON.stringify(answer.body)}`);
      return answer.body.id;
    });
    teamsOfA.set(deps.session, team);
  }
  return (await deps.key({ team_id: await team })).key;
}

/** A new team of account A, made by a new key of A that so became its owner's team key. */
async function newTeam(deps: Context): Promise<string> {
  const { key } = await deps.key();
  const made = await call(deps.url, "POST", "/api/v0/team/", {
    key,
    body: { team_name: "tour team of its own" },
  });
  if (made.status !== 200) throw new Error(`team: ${JSON.stringify(made.body)}`);
  return key;
}

/** An invitation of the team of `key` to `email`; its token is remembered. */
async function invite(deps: Context, key: string, email: string, role: string) {
  const invited = await call<{ invitation: { id: number }; token: string }>(
    deps.url,
    "POST",
    "/api/v0/team/invite/",
    { key, body: { email, role } },
  );
  if (invited.status !== 200) throw new Error(`invite: ${JSON.stringify(invited.body)}`);
  return { id: invited.body.invitation.id, token: deps.remember(invited.body.token) };
}

/** A new person who joined the team of `key` with `role` and made a team key; their id. */
async function memberOf(deps: Context, key: string, role: string): Promise<number> {
  const who = await signUp(deps);
  const { session } = await logIn(deps, who.email, who.password);
  const { token } = await invite(deps, key, who.email, role);
  const accepted = await call<{ team: { id: number }; member: { id: number } }>(
    deps.url,
    "POST",
    `/api/v0/team/invitations/${encodeURIComponent(token)}/accept/`,
    { key: session },
  );
  if (accepted.status !== 200) throw new Error(`accept: ${JSON.stringify(accepted.body)}`);
  const made = await call(deps.url, "POST", "/api/v0/auth/apikeys/", {
    key: session,
    body: {
      name: "member's",
      team_id: accepted.body.team.id,
      permissions: { api: { instance_read: {} } },
    },
  });
  if (made.status !== 200) throw new Error(`member key: ${JSON.stringify(made.body)}`);
  deps.remember(made.body.key);
  return accepted.body.member.id;
}

/** A role of the team of `key` that nobody holds. */
async function roleOf(deps: Context, key: string): Promise<{ id: number }> {
  const made = await call<{ role: { id: number } }>(deps.url, "POST", "/api/v0/team/roles/", {
    key,
    body: { name: `role ${hex(4)}`, permissions: { api: { instance_read: {} } } },
  });
  if (made.status !== 200) throw new Error(`role: ${JSON.stringify(made.body)}`);
  return made.body.role;
}

/** An invitation to account A from another account's new team; its token is remembered. */
async function invitationToA(deps: Context) {
  const inviter = await signUp(deps);
  const { session } = await logIn(deps, inviter.email, inviter.password);
  const made = await call(deps.url, "POST", "/api/v0/team/", {
    key: session,
    body: { team_name: "inviting team" },
  });
  if (made.status !== 200) throw new Error(`team: ${JSON.stringify(made.body)}`);
  const key = await call(deps.url, "POST", "/api/v0/auth/apikeys/", {
    key: session,
    body: { name: "inviter's", team_id: made.body.id },
  });
  if (key.status !== 200) throw new Error(`inviter key: ${JSON.stringify(key.body)}`);
  return invite(deps, deps.remember(key.body.key), deps.emailA, "member");
}

/** A verifier of account A; its token is remembered. */
async function verifierOf(deps: Context): Promise<{ id: number; token: string }> {
  const created = await call<{ id: number; token: string }>(
    deps.url,
    "POST",
    "/api/v0/verifiers/",
    {
      key: deps.session,
      body: { name: "tour verifier" },
    },
  );
  if (created.status !== 200) throw new Error(`verifier: ${JSON.stringify(created.body)}`);
  deps.remember(created.body.token);
  return created.body;
}

async function signUp(deps: Pick<Context, "url" | "remember">) {
  const email = `acct-${hex(4)}@example.com`;
  const password = deps.remember(newPassword());
  const answer = await call(deps.url, "POST", "/api/v0/users/", { body: { email, password } });
  if (answer.status !== 200) throw new Error(`sign-up: ${JSON.stringify(answer.body)}`);
  return { email, password };
}

async function logIn(deps: Pick<Context, "url" | "remember">, email: string, password: string) {
  const answer = await call(deps.url, "POST", "/api/v0/auth/login/", { body: { email, password } });
  if (answer.status !== 200) throw new Error(`login: ${JSON.stringify(answer.body)}`);
  return { session: deps.remember(answer.body.session_key), id: Number(answer.body.session_id) };
}

/** A request written straight to the socket, for requests no HTTP client would send. */
function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = createConnection({ host: hostname, port: Number(port) }, () => socket.end(text));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("secrets in the log", () => {
  let server: ServerProcess;
  let receiver: TestReceiver;
  const dir = tempDir();

  beforeAll(async () => {
    // Deliveries fail, so the dispatcher retries and records errors too.
    receiver = await startReceiver(() => 500);
    server = await spawnServer({
      LATCHKEY_DATA_DIR: dir.path,
      LATCHKEY_LOG_LEVEL: "trace",
      // X-Forwarded-For is believed from anyone here, so what a client puts there is logged.
      LATCHKEY_TRUST_PROXY: "true",
      LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
      LATCHKEY_WEBHOOK_POLL_SECONDS: "1",
      LATCHKEY_WEBHOOK_RETRY_SECONDS: "1",
      LATCHKEY_LIFECYCLE_SWEEP_SECONDS: "1",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    dir.remove();
  });

  it("holds none of the secrets it issued or was sent, after every route got them everywhere", async () => {
    const url = server.url;
    const secrets = new Set<string>();
    const remember = (secret: unknown): string => {
      if (typeof secret !== "string" || secret === "") throw new Error("no secret to remember");
      secrets.add(secret);
      return secret;
    };
    const marker = remember(`tok${hex(16)}`);
    const a = await signUp({ url, remember });
    const session = (await logIn({ url, remember }, a.email, a.password)).session;
    const deps: Context = {
      url,
      session,
      remember,
      receiver,
      marker,
      passwordA: a.password,
      emailA: a.email,
      key: async (body = {}) => {
        const created = await call<{ id: number; key: string }>(
          url,
          "POST",
          "/api/v0/auth/apikeys/",
          {
            key: session,
            body: { name: "tour key", ...body },
          },
        );
        if (created.status !== 200) throw new Error(`create: ${JSON.stringify(created.body)}`);
        remember(created.body.key);
        return created.body;
      },
      login: () => logIn({ url, remember }, a.email, a.password),
      webhook: async () => {
        const created = await call<{ id: number; secret: string }>(
          url,
          "POST",
          "/api/v0/webhooks/",
          {
            key: session,
            body: { url: `${receiver.url}/${marker}?token=${marker}` },
          },
        );
        if (created.status !== 200) throw new Error(`webhook: ${JSON.stringify(created.body)}`);
        remember(created.body.secret);
        return created.body.id;
      },
    };
    const answers: { label: string; answer: ApiAnswer }[] = [];
    const send = async (
      label: string,
      method: string,
      path: string,
      options: Parameters<typeof call>[3] = {},
    ) => {
      const answer = await call(url, method, path, options);
      answers.push({ label, answer });
      // Whatever a route answers, every secret in it is one more to look for.
      for (const field of ["key", "session_key", "secret", "token"]) {
        const value = answer.body[field];
        if (typeof value === "string" && value.length > 8) remember(value);
      }
      for (const line of answer.headers.getSetCookie()) {
        const cookie = line.match(/^latchkey_(?:team_)?session=([^;]+)/)?.[1];
        if (cookie) remember(cookie);
      }
      return answer;
    };

    // More kinds of credential: a key, a key made by a key, a key in a reset's grace window, a
    // session set as a cookie, another account's key, a webhook signing secret.
    const full = await deps.key();
    const child = (
      await send("child", "POST", "/api/v0/auth/apikeys/", {
        key: full.key,
        body: { name: "child", permissions: { api: { user_read: {} } } },
      })
    ).body.key as string;
    const graced = await deps.key();
    await send("grace", "POST", `/api/v0/auth/apikeys/${graced.id}/reset/`, {
      key: session,
      body: { grace_seconds: 600 },
    });
    const cookieLogin = await send("cookie", "POST", "/api/v0/auth/login/", {
      body: { email: a.email, password: a.password, set_cookie: true },
    });
    expect(cookieLogin.headers.get("set-cookie")).toMatch(/latchkey_session=/);
    const b = await signUp({ url, remember });
    const bSession = (await logIn({ url, remember }, b.email, b.password)).session;
    const bKey = remember(
      (await call(url, "POST", "/api/v0/auth/apikeys/", { key: bSession, body: { name: "b" } }))
        .body.key,
    );
    await deps.webhook();
    // Failed logins: a password that is not the account's is a secret too.
    for (const email of [a.email, "nobody@example.com"]) {
      await send("bad login", "POST", "/api/v0/auth/login/", {
        body: { email, password: remember(newPassword()) },
      });
    }

    // 1. Every route as it is meant to be used, with secrets in the body where it takes them.
    for (const entry of serverRoutes) {
      const label = `${entry.method} ${entry.path}`;
      const sample = samples[label];
      if (!sample) throw new Error(`no sample request for ${label}: add one so it is covered`);
      const request = await sample(deps);
      const credential = request.credential === undefined ? session : request.credential;
      const answer = await send(label, entry.method, request.path, {
        ...(credential === null ? {} : { key: credential }),
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      expect(answer.status, `${label}: ${JSON.stringify(answer.body)}`).toBe(request.status ?? 200);
    }
    // The reads again with each other kind of credential (statuses vary: a child may read
    // less, a superseded secret may be refused some routes).
    const cookie = cookieLogin.headers.get("set-cookie")?.match(/latchkey_session=([^;]+)/)?.[1];
    for (const entry of serverRoutes.filter((e) => e.method === "GET" && !e.path.includes("{"))) {
      for (const credential of [full.key, child, graced.key, bKey]) {
        await send(`${entry.path} as another`, "GET", entry.path, { key: credential });
      }
      await send(`${entry.path} by cookie`, "GET", entry.path, {
        headers: { cookie: `latchkey_session=${cookie}` },
      });
    }

    // 2. Every secret misplaced everywhere at once, on every route: in the path (for each
    // parameter, or as an extra segment), the query, the body, the headers.
    const all = [...secrets];
    for (const entry of serverRoutes) {
      for (const secret of all) {
        const inPath = entry.path.includes("{")
          ? entry.path.replace(/\{[a-z_]+\}/g, encodeURIComponent(secret))
          : `${entry.path}${encodeURIComponent(secret)}/`;
        const body = {
          key: secret,
          password: secret,
          session_key: secret,
          email: secret,
          name: secret,
          url: `https://hooks.example.com/${secret}`,
          secrets: [secret],
          [secret]: secret,
        };
        await send(
          `${entry.method} ${entry.path} misplaced`,
          entry.method,
          inPath + queryWith(secret),
          {
            key: secret,
            headers: {
              cookie: `latchkey_session=${encodeURIComponent(secret)}`,
              "x-api-key": secret,
              "x-forwarded-for": secret,
              "x-forwarded-host": secret,
              referer: `https://example.com/?token=${secret}`,
            },
            ...(entry.method === "GET" || entry.method === "DELETE" ? {} : { body }),
          },
        );
      }
    }
    // Each secret in the query of a route that would answer, as a cookie alone, and as a
    // path the router knows nothing of.
    for (const secret of all) {
      await send("query", "GET", `/api/v0/users/current/${queryWith(secret)}`, { key: session });
      await send("cookie", "GET", "/api/v0/users/current/", {
        headers: { cookie: `latchkey_session=${encodeURIComponent(secret)}` },
      });
      await send("unrouted", "GET", `/${encodeURIComponent(secret)}/x${secret}`);
    }

    // 3. Requests too broken to parse, which Node reports with the raw bytes it read.
    const headers = all.map((s, i) => `X-Secret-${i}: ${s}\r\n`).join("");
    expect(
      await raw(url, `GET /?t=${all[0]} HTTP/1.1\r\nHost: x\r\n${headers}Bad Header\r\n\r\n`),
    ).toMatch(/^HTTP\/1.1 400/);
    expect(
      await raw(
        url,
        `GET / HTTP/1.1\r\nAuthorization: Bearer ${all[0]}\r\nX-Big: ${"a".repeat(20_000)}${headers}\r\n\r\n`,
      ),
    ).toMatch(/^HTTP\/1.1 431/);
    expect(await raw(url, `GET /${all[1]} HTTP/1.1\r\nContent-Length: x\r\n\r\n`)).toMatch(
      /^HTTP\/1.1 400/,
    );

    // Webhook deliveries (key events and pings) were attempted, failed and retried.
    await receiver.waitFor(4, 60_000);
    await server.stop();

    const log = server.output();
    expect(secrets.size).toBeGreaterThan(30);
    for (const secret of secrets) {
      for (const needle of encodings(secret)) {
        const at = log.indexOf(needle);
        expect(
          at,
          `the log holds ${needle.slice(0, 12)}…: ${log.slice(Math.max(0, at - 300), at + 80)}`,
        ).toBe(-1);
      }
    }
    // The tour reached the log: a line per request, with the misplaced parts redacted, and the
    // trace-level report of the broken requests.
    const requestLines = log.match(/"msg":"request completed"/g) ?? [];
    expect(requestLines.length).toBeGreaterThanOrEqual(answers.length);
    expect(log).toContain("[redacted]");
    expect(log).toMatch(/"msg":"client error"/);
    expect(log).toMatch(/HPE_HEADER_OVERFLOW|header_overflow/);
    // Nothing crashed on the way.
    const failed = answers.filter(({ answer }) => answer.status >= 500);
    expect(failed.map((f) => `${f.label}: ${JSON.stringify(f.answer.body)}`)).toEqual([]);
  }, 600_000);
});

describe("logged URLs", () => {
  it("issue 14.9: keys under any query name, in arrays or in the path are not logged", async () => {
    const server = await startTestServer();
    try {
      const { session } = await signUpAndLogIn(server.url);
      const { key, id } = await createKey(server.url, session);
      for (const path of [
        `/api/v0/users/current/?access_token=${key}`,
        `/api/v0/users/current/?apikey=${key}`,
        `/api/v0/users/current/?auth=${key}`,
        `/api/v0/users/current/?api_key[]=${key}`,
        `/api/v0/users/current/?api_key=${key}`,
        `/api/v0/auth/apikeys/${key}/`,
        `/api/v0/${key}/`,
      ]) {
        const answer = await call(server.url, "GET", path, { key: session });
        expect(answer.status, path).toBeGreaterThanOrEqual(400);
        expect(answer.status, path).toBeLessThan(500);
      }
      // A key in the query is refused under any name, as ?api_key= always was.
      const refused = await call(server.url, "GET", `/api/v0/audit_logs/?token=${key}`, {
        key: session,
      });
      expect(refused.body.error).toBe("api_key_in_query");
      const log = server.logs.join("");
      expect(log).toContain(`"url":"/api/v0/auth/apikeys/lk_…${key.slice(-4)}/"`);
      expect(log).toContain(`"url":"/api/v0/users/current/?[redacted]=[redacted]"`);
      expect(log).toContain(`"url":"/api/v0/users/current/?api_key=[redacted]"`);
      expect(log).not.toContain(key.slice(3));
      // Ids and the routes' own words stay readable.
      await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/usage/?hours=5`, { key: session });
      expect(server.logs.join("")).toContain(
        `"url":"/api/v0/auth/apikeys/${id}/usage/?hours=[redacted]"`,
      );
    } finally {
      await server.close();
    }
  });

  it("keep only the routes' literal segments, numeric ids and declared query names", () => {
    const urls = new UrlRedactor();
    urls.learn({
      url: "/api/v0/auth/apikeys/:id/usage/",
      schema: { querystring: { properties: { hours: {} } } },
    });
    urls.learn({ url: "/assets/index-3f2a.js" });
    expect(urls.redact("/api/v0/auth/apikeys/12/usage/?hours=24&hunter2=x&flag")).toBe(
      "/api/v0/auth/apikeys/12/usage/?hours=[redacted]&[redacted]=[redacted]&[redacted]",
    );
    expect(urls.redact("/api/v0/auth/apikeys/hunter2/usage/")).toBe(
      "/api/v0/auth/apikeys/[redacted]/usage/",
    );
    expect(urls.redact("/assets/index-3f2a.js")).toBe("/assets/index-3f2a.js");
    expect(urls.redact("/assets/%61pi/x")).toBe("/assets/[redacted]/[redacted]");
    expect(urls.redact("/?")).toBe("/?");
  });
});
