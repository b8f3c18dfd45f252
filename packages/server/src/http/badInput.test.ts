import { createConnection } from "node:net";
import { errorCodes, MAX_KEY_NAME_LENGTH } from "@latchkey/core";
import { call, signUpAndLogIn, startTestServer, type TestServer } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Raw requests a careless or hostile client might send; each gets a catalogued 4xx. */
describe("bad input", () => {
  let server: TestServer;
  let session: string;
  beforeAll(async () => {
    // On a socket: what the HTTP parser makes of these bytes is part of what is tested.
    server = await startTestServer({}, { listen: true });
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

  it("takes a name of exactly the limit: the schema and the service apply the same one", async () => {
    const name = "n".repeat(MAX_KEY_NAME_LENGTH);
    const answer = await raw("POST", keys, JSON.stringify({ name }));
    expect(answer.status).toBe(200);
    expect(answer.body.name).toBe(name);
    const over = await raw("POST", keys, JSON.stringify({ name: `${name}n` }));
    expect(over.status).toBe(400);
    expect(over.body.msg).toBe(`name: at most ${MAX_KEY_NAME_LENGTH} characters`);
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

  it("refuses deeply nested and huge permission trees without falling over", async () => {
    const nested = `${'{"a":'.repeat(5000)}{}${"}".repeat(5000)}`;
    const deep = await raw(
      "POST",
      keys,
      `{"name": "x", "permissions": {"api": {"misc": ${nested}}}}`,
    );
    expect([400, 413]).toContain(deep.status);
    expect(deep.body.success).toBe(false);
    const routes = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`api.r${i}`, {}]));
    const huge = await raw(
      "POST",
      keys,
      JSON.stringify({ name: "x", permissions: { api: { misc: routes } } }),
    );
    expect(huge.status).toBe(400);
    expect(huge.body.error).toBe("invalid_permissions");
  });

  it.each([
    "/api/v0/auth/apikeys/..%2F..%2Fusers%2Fcurrent/",
    "/api/v0/auth/apikeys/1%00/",
    "/api/v0/auth/apikeys/%31/",
    "/api/v0/auth/apikeys/1;drop/",
    "/api/v0//auth//apikeys/",
    "/api/v0/auth/apikeys/%ff/",
  ])("answers the path trick %s with a catalogued 4xx", async (path) => {
    const answer = await raw("GET", path, undefined);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(errorCodes).toContain(answer.body.error);
  });

  /** Bytes on a socket, for what fetch refuses to send (bad UTF-8, header injection). */
  async function socket(request: Buffer): Promise<{ status: number; body: string }> {
    const { port } = new URL(server.url);
    const client = createConnection({ host: "127.0.0.1", port: Number(port) });
    const chunks: Buffer[] = [];
    client.on("data", (chunk) => chunks.push(chunk));
    await new Promise<void>((resolve, reject) => {
      client.on("end", resolve);
      client.on("error", reject);
      client.write(request);
    });
    const text = Buffer.concat(chunks).toString("utf8");
    return { status: Number(text.slice(9, 12)), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  }

  it("refuses a body that is not valid UTF-8", async () => {
    const body = Buffer.concat([
      Buffer.from('{"name": "'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const head = `POST ${keys} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${session}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const answer = await socket(Buffer.concat([Buffer.from(head), body]));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/invalid_json|invalid_request/);
  });

  it("does not let a header smuggle a second header or request", async () => {
    const head = `GET /api/v0/users/current/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\rInjected: 1\r\nConnection: close\r\n\r\n`;
    const answer = await socket(Buffer.from(head));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  it("keeps serving after all of the above", async () => {
    expect((await call(server.url, "GET", "/healthz")).status).toBe(200);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: session })).status).toBe(
      200,
    );
  });
});
