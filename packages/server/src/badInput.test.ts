import { errorCodes } from "@latchkey/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, signUpAndLogIn, startTestServer, type TestServer } from "./testing.js";

/** Raw requests a careless or hostile client might send; each gets a catalogued 4xx. */
describe("bad input", () => {
  let server: TestServer;
  let session: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  async function raw(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${session}`,
        "content-type": "application/json",
        ...headers,
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  }

  const keys = "/api/v0/auth/apikeys/";
  const cases: [string, string, string, string | undefined, Record<string, string>?, number?][] = [
    ["malformed JSON", "POST", keys, '{"name": '],
    ["JSON of the wrong type", "POST", keys, "[1, 2]"],
    ["a number as the name", "POST", keys, '{"name": 5}'],
    ["a missing name", "POST", keys, "{}"],
    ["an unknown field", "POST", keys, '{"name": "x", "scopes": []}'],
    ["a name over 255 characters", "POST", keys, JSON.stringify({ name: "n".repeat(256) })],
    ["an empty name", "POST", keys, '{"name": "   "}'],
    ["permissions as a string", "POST", keys, '{"name": "x", "permissions": "all"}'],
    ["key_params that are not JSON", "POST", keys, '{"name": "x", "key_params": "{ip"}'],
    ["an unknown key_param", "POST", keys, '{"name": "x", "key_params": {"rate": 1}}'],
    [
      "a bad IP in the allow-list",
      "POST",
      keys,
      '{"name": "x", "key_params": {"ip_whitelist": ["1.2.3.4/99"]}}',
    ],
    ["a past expiry", "POST", keys, '{"name": "x", "expires_at": "2001-01-01T00:00:00Z"}'],
    ["a non-date expiry", "POST", keys, '{"name": "x", "expires_at": "tomorrow"}'],
    ["__proto__ poisoning", "POST", keys, '{"name": "x", "__proto__": {"admin": true}}'],
    ["a non-numeric id", "GET", `${keys}abc/`, undefined],
    ["a negative id", "GET", `${keys}-1/`, undefined],
    ["an id beyond 32 bits", "DELETE", `${keys}99999999999999/`, undefined],
    ["a fractional id", "GET", `${keys}1.5/`, undefined],
    ["an empty body with a JSON content type", "POST", keys, ""],
    [
      "a reset with both forms' fields",
      "PUT",
      "/api/v0/commands/reset_apikey/",
      '{"client_id": "me", "id": 1}',
    ],
    [
      "a reset naming someone else",
      "PUT",
      "/api/v0/commands/reset_apikey/",
      '{"client_id": "you"}',
    ],
    ["text instead of JSON", "POST", keys, "name=x", { "content-type": "text/plain" }, 415],
    ["a body over the limit", "POST", keys, JSON.stringify({ name: "x".repeat(70_000) }), {}, 413],
  ];

  it.each(cases)(
    "%s → catalogued 4xx",
    async (_label, method, path, body, headers = {}, status = 400) => {
      const answer = await raw(method, path, body, headers);
      expect(answer.status).toBe(status);
      expect(answer.body.success).toBe(false);
      expect(errorCodes).toContain(answer.body.error);
      expect(String(answer.body.msg).length).toBeGreaterThan(5);
    },
  );

  it("names the field and why", async () => {
    const answer = await raw("POST", keys, '{"name": "x", "scopes": []}');
    expect(answer.body.msg).toBe("body: unknown field 'scopes'");
    const long = await raw("POST", keys, JSON.stringify({ name: "n".repeat(300) }));
    expect(long.body.msg).toContain("name: at most 255 characters");
  });

  it("answers unknown routes and methods with the catalogued 404", async () => {
    const unknown = await call(server.url, "GET", "/api/v0/nope/");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("route_not_found");
    const method = await call(server.url, "PATCH", "/api/v0/auth/apikeys/");
    expect(method.status).toBe(404);
  });

  it.each([
    ["no credential", {}, 401, "auth_required"],
    ["a scheme other than Bearer", { authorization: "Basic abc" }, 401, "malformed_api_key"],
    [
      "a key with a bad checksum",
      { authorization: `Bearer lk_${"A".repeat(46)}` },
      401,
      "malformed_api_key",
    ],
    ["an empty bearer", { authorization: "Bearer " }, 401, "malformed_api_key"],
  ])("refuses %s with 401", async (_label, headers, status, code) => {
    const response = await fetch(`${server.url}/api/v0/users/current/`, { headers });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toBe(code);
  });

  it("keeps serving after all of the above", async () => {
    expect((await call(server.url, "GET", "/healthz")).status).toBe(200);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: session })).status).toBe(
      200,
    );
  });
});
