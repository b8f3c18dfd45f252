import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("no escalation", () => {
  let server: TestServer;
  let session: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  const keyManager = { api: { user_read: {}, user_write: {}, instance_read: {} } };

  it("a scoped key may create keys within its own rights", async () => {
    const { key } = await createKey(server.url, session, { permissions: keyManager });
    const narrower = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key,
      body: {
        name: "narrower",
        permissions: {
          api: { instance_read: { "api.instance.show": { constraints: { id: { eq: 1227 } } } } },
        },
      },
    });
    expect(narrower.status).toBe(200);
  });

  it("a scoped key may not create a broader key, nor a full-access one", async () => {
    const { key } = await createKey(server.url, session, { permissions: keyManager });
    const broader = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key,
      body: { name: "broader", permissions: { api: { billing_write: {} } } },
    });
    expect(broader.status).toBe(403);
    expect(broader.body.error).toBe("permission_escalation");
    const full = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key,
      body: { name: "full" },
    });
    expect(full.status).toBe(403);
    expect(full.body.error).toBe("permission_escalation");
    expect(String(full.body.msg)).toContain("full-access");
  });

  it("a constrained key may not widen its constraint", async () => {
    const constrained = {
      api: {
        user_write: {},
        instance_read: {
          "api.instance.request_logs": { constraints: { id: { gte: 1, lte: 100 } } },
        },
      },
    };
    const { key } = await createKey(server.url, session, { permissions: constrained });
    const wider = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key,
      body: {
        name: "wider",
        permissions: {
          api: {
            instance_read: {
              "api.instance.request_logs": { constraints: { id: { gte: 1, lte: 500 } } },
            },
          },
        },
      },
    });
    expect(wider.status).toBe(403);
    const inside = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key,
      body: {
        name: "inside",
        permissions: {
          api: {
            instance_read: { "api.instance.request_logs": { constraints: { id: { eq: 7 } } } },
          },
        },
      },
    });
    expect(inside.status).toBe(200);
  });

  it("a scoped key may not reset a stronger key (that would hand over its secret)", async () => {
    const { key } = await createKey(server.url, session, { permissions: keyManager });
    const strong = await createKey(server.url, session);
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${strong.id}/reset/`, {
      key,
    });
    expect(reset.status).toBe(403);
    expect(reset.body.error).toBe("permission_escalation");
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: strong.key })).status,
    ).toBe(200);
    const vastForm = await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
      key,
      body: { id: strong.id },
    });
    expect(vastForm.status).toBe(403);
  });

  it("constraints on a route's id apply to the key a request names", async () => {
    const target = await createKey(server.url, session, {
      permissions: { api: { user_read: {} } },
    });
    const other = await createKey(server.url, session, { permissions: { api: { user_read: {} } } });
    const onlyThatOne = {
      api: {
        user_read: {},
        user_write: { "api.apikeys.reset": { constraints: { id: { eq: target.id } } } },
      },
    };
    const { key } = await createKey(server.url, session, { permissions: onlyThatOne });
    expect(
      (await call(server.url, "POST", `/api/v0/auth/apikeys/${other.id}/reset/`, { key })).status,
    ).toBe(403);
    expect(
      (
        await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
          key,
          body: { id: other.id },
        })
      ).status,
    ).toBe(403);
    expect(
      (await call(server.url, "POST", `/api/v0/auth/apikeys/${target.id}/reset/`, { key })).status,
    ).toBe(200);
    expect(
      (
        await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
          key,
          body: { id: target.id },
        })
      ).status,
    ).toBe(200);
    // Not named in the tree: deleting is refused even for the target.
    const del = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${target.id}/`, { key });
    expect(del.status).toBe(403);
    expect(del.body).toMatchObject({
      required: { category: "user_write", route: "api.apikeys.delete" },
    });
  });

  it("validates trees with a 400 that names the offending node", async () => {
    const bad = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key: session,
      body: {
        name: "bad",
        permissions: {
          api: { instance_read: { "api.instance.show": { constraints: { id: { in: [1] } } } } },
        },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: "invalid_permissions",
      path: "/api/instance_read/api.instance.show/constraints/id/in",
    });
    expect(String(bad.body.msg)).toContain("unknown operator 'in'");
  });
});
