import { type Category, categories } from "@latchkey/core";
import {
  call,
  createKey,
  logIn,
  signUpAndLogIn,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from "@latchkey/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { toFastifyPath } from "../http/access.js";
import { serverRoutes } from "../routes.js";

/**
 * Every served route is in the route catalogue under the category Vast uses (Vast's published
 * route scopes), and every route is tried with a key that has its category and with one that
 * lacks it.
 */

/** Vast's category for each of our paths, from Vast's published route scopes. */
const vastCategories: Record<string, Category> = {
  "POST /api/v0/users/": "user_write",
  "GET /api/v0/auth/sessions/": "user_read",
  "DELETE /api/v0/auth/sessions/": "user_write",
  "GET /api/v0/users/current/": "user_read",
  "POST /api/v0/auth/apikeys/": "user_write",
  "GET /api/v0/auth/apikeys/": "user_read",
  "GET /api/v0/auth/apikeys/{id}/": "user_read",
  "DELETE /api/v0/auth/apikeys/{id}/": "user_write",
  "PUT /api/v0/commands/reset_apikey/": "user_write",
  "GET /api/v0/audit_logs/": "misc",
  "GET /api/v0/webhooks/": "user_read",
  "POST /api/v0/webhooks/": "user_write",
  "PUT /api/v0/webhooks/{id}/": "user_write",
  "DELETE /api/v0/webhooks/{id}/": "user_write",
  "POST /api/v0/team/": "user_write",
  "DELETE /api/v0/team/": "user_write",
  "PUT /api/v0/team/": "team_write",
  "GET /api/v0/team/members/": "team_read",
  "GET /api/v0/team/roles/": "team_read",
  "GET /api/v0/team/roles-full/": "team_read",
  "GET /api/v0/team/roles/{id}/": "team_read",
  "GET /api/v0/team/apikeys/": "team_write",
  "POST /api/v0/team/invite/": "team_write",
  "DELETE /api/v0/team/members/{id}/": "team_write",
  "POST /api/v0/team/members/{id}/roles/": "team_write",
  "PUT /api/v0/team/members/{id}/roles/": "team_write",
  "POST /api/v0/team/roles/": "team_write",
  "DELETE /api/v0/team/roles/{id}/": "team_write",
  "PUT /api/v0/team/roles/{id}/": "team_write",
  "PUT /api/v0/team/transfer/": "team_write",
  "GET /api/v0/team/invite/{token}/": "user_read",
};

interface Sample {
  method: string;
  path: string;
  body?: unknown;
}

/** A request that succeeds for a key holding the category; `prepare` makes what it needs. */
type SampleFor = (deps: { url: string; session: string; category: Category }) => Promise<Sample>;

const scopedTree = (category: Category) => ({ api: { [category]: {} } });

/** A webhook endpoint of the session's account (never reached: its host does not resolve). */
async function createWebhook(url: string, session: string): Promise<number> {
  const created = await call<{ id: number }>(url, "POST", "/api/v0/webhooks/", {
    key: session,
    body: { url: "https://hooks.example.com/latchkey" },
  });
  if (created.status !== 200) throw new Error(`webhook: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

/**
 * Team routes act on a team (docs/teams.md): for them the battery's keys are team keys of a team
 * the account's person owns, made from the account's (personal) session.
 */
const PERSONAL_TEAM_ROUTES = new Set([
  "api.team.create",
  "api.team.accept_invitation",
  "api.team.accept_invite",
]);
const actsOnTeam = (entry: { path: string; name: string }) =>
  entry.path.startsWith("/api/v0/team/") && !PERSONAL_TEAM_ROUTES.has(entry.name);

const teams = new Map<string, Promise<number>>();
/** The team the session's person owns (made on first use; the session stays personal). */
function teamOf(url: string, session: string): Promise<number> {
  let team = teams.get(session);
  if (!team) {
    team = call<{ id: number }>(url, "POST", "/api/v0/team/", {
      key: session,
      body: { team_name: "battery" },
    }).then((answer) => {
      if (answer.status !== 200) throw new Error(`team: ${JSON.stringify(answer.body)}`);
      return answer.body.id;
    });
    teams.set(session, team);
  }
  return team;
}

/** A key for the battery: a team key of the session's team on team routes, else personal. */
async function keyFor(
  entry: { path: string; name: string },
  url: string,
  session: string,
  body: Record<string, unknown> = {},
) {
  if (!actsOnTeam(entry)) return createKey(url, session, body);
  return createKey(url, session, { ...body, team_id: await teamOf(url, session) });
}

/** The owner's full-access team key, for preparing what a sample needs. */
const ownerKey = async (url: string, session: string) =>
  (await createKey(url, session, { team_id: await teamOf(url, session) })).key;

/** A role of the session's team granting `category` alone, within every battery key holding it. */
async function roleFor(url: string, session: string, category: Category) {
  const name = `only ${category}`;
  const key = await ownerKey(url, session);
  const found = await call<{ id: number }>(url, "GET", `/api/v0/team/roles/${name}/`, { key });
  if (found.status === 200) return { id: found.body.id, name, key };
  const made = await call<{ role: { id: number } }>(url, "POST", "/api/v0/team/roles/", {
    key,
    body: { name, permissions: scopedTree(category) },
  });
  if (made.status !== 200) throw new Error(`role: ${JSON.stringify(made.body)}`);
  return { id: made.body.role.id, name, key };
}

/** A new person who joined the session's team with `role`; their id. */
async function memberOf(url: string, session: string, role: string): Promise<number> {
  const key = await ownerKey(url, session);
  const who = await signUpAndLogIn(url);
  const invited = await call<{ invitation: { id: number } }>(
    url,
    "POST",
    `/api/v0/team/invite/?email=${encodeURIComponent(who.email)}&role=${encodeURIComponent(role)}`,
    { key },
  );
  if (invited.status !== 200) throw new Error(`invite: ${JSON.stringify(invited.body)}`);
  const accepted = await call(
    url,
    "POST",
    `/api/v0/team/invitations/${invited.body.invitation.id}/accept/`,
    { key: who.session },
  );
  if (accepted.status !== 200) throw new Error(`accept: ${JSON.stringify(accepted.body)}`);
  return who.userId;
}

/** An invitation of another team to the session's person; its id (accepted by id or token). */
async function invitationTo(url: string, session: string): Promise<number> {
  const me = await call<{ email: string }>(url, "GET", "/api/v0/users/current/", { key: session });
  const inviter = await signUpAndLogIn(url);
  const key = await ownerKey(url, inviter.session);
  const invited = await call<{ invitation: { id: number } }>(
    url,
    "POST",
    `/api/v0/team/invite/?email=${encodeURIComponent(me.body.email)}&role=member`,
    { key },
  );
  if (invited.status !== 200) throw new Error(`invite: ${JSON.stringify(invited.body)}`);
  return invited.body.invitation.id;
}

const samples: Record<string, SampleFor> = {
  "POST /api/v0/users/": async () => ({
    method: "POST",
    path: "/api/v0/users/",
    body: { email: `u${Math.random()}@example.com`, password: "long enough password" },
  }),
  "GET /api/v0/auth/sessions/": async () => ({ method: "GET", path: "/api/v0/auth/sessions/" }),
  "DELETE /api/v0/auth/sessions/": async () => ({
    method: "DELETE",
    path: "/api/v0/auth/sessions/",
  }),
  "DELETE /api/v0/auth/sessions/{id}/": async ({ url, session }) => {
    const user = await call<{ email: string }>(url, "GET", "/api/v0/users/current/", {
      key: session,
    });
    const login = await logIn(url, { email: user.body.email, password: TEST_PASSWORD });
    return { method: "DELETE", path: `/api/v0/auth/sessions/${login.id}/` };
  },
  "GET /api/v0/users/current/": async () => ({ method: "GET", path: "/api/v0/users/current/" }),
  "POST /api/v0/auth/apikeys/": async ({ category }) => ({
    method: "POST",
    path: "/api/v0/auth/apikeys/",
    body: { name: "made by a scoped key", permissions: scopedTree(category) },
  }),
  "GET /api/v0/auth/apikeys/": async () => ({ method: "GET", path: "/api/v0/auth/apikeys/" }),
  "GET /api/v0/auth/apikeys/{id}/": async ({ url, session }) => {
    const { id } = await createKey(url, session);
    return { method: "GET", path: `/api/v0/auth/apikeys/${id}/` };
  },
  "DELETE /api/v0/auth/apikeys/{id}/": async ({ url, session }) => {
    const { id } = await createKey(url, session);
    return { method: "DELETE", path: `/api/v0/auth/apikeys/${id}/` };
  },
  "POST /api/v0/auth/apikeys/{id}/reset/": async ({ url, session, category }) => {
    const { id } = await createKey(url, session, { permissions: scopedTree(category) });
    return { method: "POST", path: `/api/v0/auth/apikeys/${id}/reset/` };
  },
  "PUT /api/v0/commands/reset_apikey/": async ({ url, session, category }) => {
    const { id } = await createKey(url, session, { permissions: scopedTree(category) });
    return { method: "PUT", path: "/api/v0/commands/reset_apikey/", body: { id } };
  },
  "POST /api/v0/auth/logout/": async () => ({ method: "POST", path: "/api/v0/auth/logout/" }),
  "DELETE /api/v0/auth/apikeys/{id}/previous/": async ({ url, session }) => {
    const { id } = await createKey(url, session);
    await call(url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
      body: { grace_seconds: 60 },
    });
    return { method: "DELETE", path: `/api/v0/auth/apikeys/${id}/previous/` };
  },
  "GET /api/v0/auth/apikeys/{id}/usage/": async ({ url, session }) => {
    const { id } = await createKey(url, session);
    return { method: "GET", path: `/api/v0/auth/apikeys/${id}/usage/` };
  },
  "GET /api/v0/users/current/policy/": async () => ({
    method: "GET",
    path: "/api/v0/users/current/policy/",
  }),
  "PUT /api/v0/users/current/policy/": async () => ({
    method: "PUT",
    path: "/api/v0/users/current/policy/",
    body: { expiry_reminder_days: 7 },
  }),
  "GET /api/v0/audit_logs/": async () => ({ method: "GET", path: "/api/v0/audit_logs/" }),
  "POST /api/v0/webhooks/": async () => ({
    method: "POST",
    path: "/api/v0/webhooks/",
    body: { url: "https://hooks.example.com/latchkey", events: ["key.leaked"] },
  }),
  "GET /api/v0/webhooks/": async () => ({ method: "GET", path: "/api/v0/webhooks/" }),
  "GET /api/v0/webhooks/{id}/": async ({ url, session }) => ({
    method: "GET",
    path: `/api/v0/webhooks/${await createWebhook(url, session)}/`,
  }),
  "PUT /api/v0/webhooks/{id}/": async ({ url, session }) => ({
    method: "PUT",
    path: `/api/v0/webhooks/${await createWebhook(url, session)}/`,
    body: { description: "changed" },
  }),
  "DELETE /api/v0/webhooks/{id}/": async ({ url, session }) => ({
    method: "DELETE",
    path: `/api/v0/webhooks/${await createWebhook(url, session)}/`,
  }),
  "GET /api/v0/webhooks/{id}/deliveries/": async ({ url, session }) => ({
    method: "GET",
    path: `/api/v0/webhooks/${await createWebhook(url, session)}/deliveries/`,
  }),
  "POST /api/v0/webhooks/{id}/test/": async ({ url, session }) => ({
    method: "POST",
    path: `/api/v0/webhooks/${await createWebhook(url, session)}/test/`,
  }),
  "POST /api/v0/webhooks/{id}/deliveries/{delivery_id}/redeliver/": async ({ url, session }) => {
    const id = await createWebhook(url, session);
    const ping = await call<{ id: number }>(url, "POST", `/api/v0/webhooks/${id}/test/`, {
      key: session,
    });
    return {
      method: "POST",
      path: `/api/v0/webhooks/${id}/deliveries/${ping.body.id}/redeliver/`,
    };
  },
  "POST /api/v0/team/": async () => ({
    method: "POST",
    path: "/api/v0/team/",
    body: { team_name: "made by a scoped key" },
  }),
  "GET /api/v0/team/": async () => ({ method: "GET", path: "/api/v0/team/" }),
  "PUT /api/v0/team/": async () => ({
    method: "PUT",
    path: "/api/v0/team/",
    body: { team_name: "renamed" },
  }),
  "DELETE /api/v0/team/": async () => ({ method: "DELETE", path: "/api/v0/team/" }),
  "POST /api/v0/team/invite/": async ({ url, session, category }) => {
    const role = await roleFor(url, session, category);
    const email = `invited${Math.random()}@example.com`;
    return {
      method: "POST",
      path: `/api/v0/team/invite/?email=${email}&role=${encodeURIComponent(role.name)}`,
    };
  },
  "GET /api/v0/team/invitations/": async () => ({
    method: "GET",
    path: "/api/v0/team/invitations/",
  }),
  "DELETE /api/v0/team/invitations/{id}/": async ({ url, session, category }) => {
    const role = await roleFor(url, session, category);
    const invited = await call<{ invitation: { id: number } }>(
      url,
      "POST",
      `/api/v0/team/invite/?email=revoked${Math.random()}@example.com&role=${encodeURIComponent(role.name)}`,
      { key: role.key },
    );
    return { method: "DELETE", path: `/api/v0/team/invitations/${invited.body.invitation.id}/` };
  },
  "POST /api/v0/team/invitations/{token}/accept/": async ({ url, session }) => ({
    method: "POST",
    path: `/api/v0/team/invitations/${await invitationTo(url, session)}/accept/`,
  }),
  "GET /api/v0/team/invite/{token}/": async ({ url, session }) => ({
    method: "GET",
    path: `/api/v0/team/invite/${await invitationTo(url, session)}/`,
  }),
  "GET /api/v0/team/members/": async () => ({ method: "GET", path: "/api/v0/team/members/" }),
  "DELETE /api/v0/team/members/{id}/": async ({ url, session, category }) => {
    const role = await roleFor(url, session, category);
    return {
      method: "DELETE",
      path: `/api/v0/team/members/${await memberOf(url, session, role.name)}/`,
    };
  },
  "PUT /api/v0/team/members/{id}/roles/": async ({ url, session, category }) => {
    const role = await roleFor(url, session, category);
    const id = await memberOf(url, session, role.name);
    return { method: "PUT", path: `/api/v0/team/members/${id}/roles/`, body: { role_id: role.id } };
  },
  "POST /api/v0/team/members/{id}/roles/": async ({ url, session, category }) => {
    const role = await roleFor(url, session, category);
    const id = await memberOf(url, session, role.name);
    return { method: "POST", path: `/api/v0/team/members/${id}/roles/`, body: { role: role.name } };
  },
  "POST /api/v0/team/roles/": async ({ category }) => ({
    method: "POST",
    path: "/api/v0/team/roles/",
    body: { name: `role ${Math.random()}`.slice(0, 20), permissions: scopedTree(category) },
  }),
  "GET /api/v0/team/roles/": async () => ({ method: "GET", path: "/api/v0/team/roles/" }),
  "GET /api/v0/team/roles-full/": async () => ({ method: "GET", path: "/api/v0/team/roles-full/" }),
  "GET /api/v0/team/roles/{id}/": async ({ url, session, category }) => ({
    method: "GET",
    path: `/api/v0/team/roles/${(await roleFor(url, session, category)).id}/`,
  }),
  "PUT /api/v0/team/roles/{id}/": async ({ url, session, category }) => ({
    method: "PUT",
    path: `/api/v0/team/roles/${(await roleFor(url, session, category)).id}/`,
    body: { permissions: scopedTree(category) },
  }),
  "DELETE /api/v0/team/roles/{id}/": async ({ url, session, category }) => {
    const key = await ownerKey(url, session);
    const made = await call<{ role: { id: number } }>(url, "POST", "/api/v0/team/roles/", {
      key,
      body: { name: `doomed ${Math.random()}`.slice(0, 20), permissions: scopedTree(category) },
    });
    return { method: "DELETE", path: `/api/v0/team/roles/${made.body.role.id}/` };
  },
  "PUT /api/v0/team/transfer/": async ({ url, session }) => ({
    method: "PUT",
    path: "/api/v0/team/transfer/",
    body: { new_team_owner_id: await memberOf(url, session, "manager") },
  }),
  "GET /api/v0/team/apikeys/": async () => ({ method: "GET", path: "/api/v0/team/apikeys/" }),
  "GET /api/v0/users/current/invitations/": async () => ({
    method: "GET",
    path: "/api/v0/users/current/invitations/",
  }),
  "GET /api/v0/users/current/teams/": async () => ({
    method: "GET",
    path: "/api/v0/users/current/teams/",
  }),
  "POST /api/v0/verifiers/": async () => ({
    method: "POST",
    path: "/api/v0/verifiers/",
    body: { name: "a service" },
  }),
  "GET /api/v0/verifiers/": async () => ({ method: "GET", path: "/api/v0/verifiers/" }),
  "DELETE /api/v0/verifiers/{id}/": async ({ url, session }) => {
    const created = await call<{ id: number }>(url, "POST", "/api/v0/verifiers/", {
      key: session,
      body: { name: "a service" },
    });
    return { method: "DELETE", path: `/api/v0/verifiers/${created.body.id}/` };
  },
  "POST /api/v0/auth/sessions/team/": async ({ url, session }) => ({
    method: "POST",
    path: "/api/v0/auth/sessions/team/",
    body: { team_id: await teamOf(url, session) },
  }),
};

describe("route catalogue", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  /**
   * An account of the test's own, and its session: some routes under test end every session of
   * the account, and others fill it with keys and webhooks.
   */
  const freshAccount = () => signUpAndLogIn(server.url);

  it("every catalogued server route is served and has a sample request below", () => {
    for (const entry of serverRoutes) {
      const label = `${entry.method} ${entry.path}`;
      expect(
        server.app.hasRoute({ method: entry.method, url: toFastifyPath(entry.path) }),
        label,
      ).toBe(true);
      if (entry.category !== null) expect(samples[label], label).toBeDefined();
    }
  });

  it("refuses to serve an API route that is not in the catalogue", async () => {
    const app = await buildApp(server.deps, {
      consoleDir: null,
      logger: pino({ level: "silent" }),
    });
    try {
      expect(() => app.get("/api/v0/uncatalogued/", async () => ({}))).toThrow(
        /not in the route catalogue/,
      );
      // The same path outside /api is not an API route and may be served (the console's files).
      expect(() => app.get("/uncatalogued/", async () => ({}))).not.toThrow();
    } finally {
      await app.close();
    }
  });

  it("puts our routes in the categories Vast uses", () => {
    for (const [route, category] of Object.entries(vastCategories)) {
      const [method, path] = route.split(" ");
      const entry = serverRoutes.find((e) => e.method === method && e.path === path);
      expect(entry?.category, route).toBe(category);
    }
  });

  const guarded = serverRoutes.filter((e) => e.category !== null);

  for (const entry of guarded) {
    const category = entry.category as Category;
    const label = `${entry.method} ${entry.path} (${category})`;

    it(`${label}: a key without ${category} gets 403 naming it`, async () => {
      const { session } = await freshAccount();
      const others = categories.filter((c) => c !== category);
      const lacking = await keyFor(entry, server.url, session, {
        permissions: { api: Object.fromEntries(others.map((c) => [c, {}])) },
      });
      const sample = await sampleFor(entry)({ url: server.url, session, category });
      const answer = await call(server.url, sample.method, sample.path, {
        key: lacking.key,
        body: sample.body,
      });
      expect(answer.status).toBe(403);
      if (entry.name === "api.auth.logout") {
        expect(answer.body.error).toBe("session_required");
      } else {
        expect(answer.body).toMatchObject({ error: "permission_denied", required: { category } });
      }
    });

    // The shared security battery (issue 7): the same five attacks on every authenticated route.
    if (entry.path !== "/api/v0/users/") {
      it(`${label}: no credential → 401`, async () => {
        const { session } = await freshAccount();
        const sample = await sampleFor(entry)({ url: server.url, session, category });
        const answer = await call(server.url, sample.method, sample.path, { body: sample.body });
        expect(answer.status).toBe(401);
        expect(answer.body.error).toBe("auth_required");
      });
    }

    it(`${label}: a malformed credential → 401`, async () => {
      const { session } = await freshAccount();
      const sample = await sampleFor(entry)({ url: server.url, session, category });
      const broken = session.slice(0, -1) + (session.endsWith("A") ? "B" : "A");
      const answer = await call(server.url, sample.method, sample.path, {
        key: broken,
        body: sample.body,
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe("malformed_api_key");
    });

    it(`${label}: a deleted key → 401`, async () => {
      const { session } = await freshAccount();
      const dead = await keyFor(entry, server.url, session);
      // A team key is deleted in its team (by itself); a personal one by the session.
      const deleter = actsOnTeam(entry) ? dead.key : session;
      await call(server.url, "DELETE", `/api/v0/auth/apikeys/${dead.id}/`, { key: deleter });
      const sample = await sampleFor(entry)({ url: server.url, session, category });
      const answer = await call(server.url, sample.method, sample.path, {
        key: dead.key,
        body: sample.body,
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe("invalid_api_key");
    });

    if (entry.name !== "api.auth.logout") {
      it(`${label}: another account's key finds nothing of this account`, async () => {
        const { session, email } = await freshAccount();
        const stranger = await freshAccount();
        // A full-access key of another account (of another team, on team routes).
        const strangerKey = (await keyFor(entry, server.url, stranger.session)).key;
        const sample = await sampleFor(entry)({ url: server.url, session, category });
        const answer = await call(server.url, sample.method, sample.path, {
          key: strangerKey,
          body: sample.body,
        });
        // Objects named in the body or query: the key reset, the new owner, the invitation's role.
        const namesAnObject =
          /\/\d+\//.test(sample.path) ||
          entry.name === "api.apikeys.reset" ||
          entry.name === "api.team.transfer" ||
          entry.name === "api.team.invite" ||
          entry.name === "api.sessions.team";
        if (namesAnObject) {
          expect(answer.status).toBe(404);
          expect(answer.body.error).toBe("not_found");
        } else {
          expect(answer.status).toBe(200);
        }
        expect(JSON.stringify(answer.body)).not.toContain(email);
        expect(
          (await call(server.url, "GET", "/api/v0/users/current/", { key: session })).status,
        ).toBe(200);
      });
    }

    if (entry.name === "api.auth.logout") continue; // only a session may log out; tested in accounts

    it(`${label}: a key with only ${category} is let through`, async () => {
      const { session } = await freshAccount();
      const holding = await keyFor(entry, server.url, session, {
        permissions: scopedTree(category),
      });
      const sample = await sampleFor(entry)({ url: server.url, session, category });
      const answer = await call(server.url, sample.method, sample.path, {
        key: holding.key,
        body: sample.body,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    });
  }

  function sampleFor(entry: { method: string; path: string }): SampleFor {
    const sample = samples[`${entry.method} ${entry.path}`];
    if (!sample)
      throw new Error(
        `no sample request for ${entry.method} ${entry.path}: add one so the route is covered`,
      );
    return sample;
  }
});
