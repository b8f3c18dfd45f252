import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** `GET /api/v0/auth/apikeys/?limit=&after=`: optional paging beside Vast's one-shot answer. */

type Listed = { apikeys: { id: number; name: string }[]; next_after?: number | null };

describe("paging the key list", () => {
  let server: TestServer;
  let session: string;
  const list = (query = "") =>
    call<Listed & { error?: string; msg?: string }>(
      server.url,
      "GET",
      `/api/v0/auth/apikeys/${query}`,
      { key: session },
    );

  beforeAll(async () => {
    server = await startTestServer({ LATCHKEY_LOG_LEVEL: "warn" });
    session = (await signUpAndLogIn(server.url)).session;
  });
  afterAll(async () => {
    await server?.close();
  });

  it("walks the whole list without gaps or repeats while keys come and go between pages", async () => {
    const initial: number[] = [];
    for (let i = 0; i < 21; i++) initial.push((await createKey(server.url, session)).id);
    const deleted = new Set<number>();
    const deletedUnseen = new Set<number>();
    const added: number[] = [];
    const seen: number[] = [];
    let after: number | null = 0;
    let pages = 0;
    while (after !== null) {
      const page = await list(`?limit=4&after=${after}`);
      expect(page.status).toBe(200);
      expect(page.body.apikeys.length).toBeLessThanOrEqual(4);
      seen.push(...page.body.apikeys.map((k) => k.id));
      after = page.body.next_after ?? null;
      if (after !== null) expect(after).toBe(seen.at(-1));
      pages++;
      if (after === null) break;
      // Between pages: delete a key already seen and one not yet seen, and add one.
      const seenLive = seen.filter((id) => !deleted.has(id));
      const unseen = [...initial, ...added].filter((id) => !deleted.has(id) && !seen.includes(id));
      for (const id of [seenLive[0], unseen[1]]) {
        if (id === undefined) continue;
        await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, { key: session });
        deleted.add(id);
        if (!seen.includes(id)) deletedUnseen.add(id);
      }
      if (pages <= 6) added.push((await createKey(server.url, session)).id);
      expect(pages).toBeLessThan(50);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // Every key was seen, those added during the walk too, except the ones deleted before
    // their page came.
    const expected = [...initial, ...added].filter((id) => !deletedUnseen.has(id));
    expect(seen).toEqual(expected.sort((a, b) => a - b));
    expect(deletedUnseen.size).toBeGreaterThan(3);
    expect(deleted.size - deletedUnseen.size).toBeGreaterThan(3);
    expect(added.length).toBeGreaterThan(3);
  });

  it("answers exactly Vast's shape without the parameters, and pages cover it", async () => {
    const full = await list();
    expect(full.status).toBe(200);
    expect(Object.keys(full.body)).toEqual(["apikeys"]);
    expect(full.body.apikeys.length).toBeGreaterThan(10);
    const ids = full.body.apikeys.map((k) => k.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // Unrelated query parameters change nothing, as before paging existed.
    expect((await list("?format=json")).body).toEqual(full.body);
    // The pages together are the one-shot answer, key object for key object.
    const paged: Listed["apikeys"] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page: { body: Listed } = await list(`?limit=5&after=${after}`);
      expect(Object.keys(page.body).sort()).toEqual(["apikeys", "next_after"]);
      paged.push(...page.body.apikeys);
      after = page.body.next_after ?? null;
    }
    expect(paged).toEqual(full.body.apikeys);
    // `limit` alone is the first page; `after` alone pages with the default size.
    expect((await list("?limit=2")).body.apikeys).toEqual(full.body.apikeys.slice(0, 2));
    const rest = await list(`?after=${ids[1]}`);
    expect(rest.body.apikeys).toEqual(full.body.apikeys.slice(2));
    expect(rest.body.next_after).toBeNull();
  });

  it("refuses bad values with a 400 naming the parameter", async () => {
    const bad: [string, string][] = [
      ["?limit=0", "limit"],
      ["?limit=", "limit"],
      ["?after=", "after"],
      ["?limit=1001", "limit"],
      ["?limit=abc", "limit"],
      ["?limit=2.5", "limit"],
      ["?limit=-3", "limit"],
      ["?limit=1&limit=2", "limit"],
      ["?after=-1", "after"],
      ["?after=first", "after"],
      ["?after=1.5", "after"],
      ["?after=99999999999", "after"],
      ["?limit=5&after=x", "after"],
    ];
    for (const [query, parameter] of bad) {
      const answer = await list(query);
      expect({ query, status: answer.status, error: answer.body.error }).toEqual({
        query,
        status: 400,
        error: "invalid_request",
      });
      expect(String(answer.body.msg).startsWith(`${parameter}:`)).toBe(true);
    }
  });

  it("documents the parameters in the OpenAPI document", async () => {
    const doc = await call<{
      paths: Record<string, { get: { parameters: { name: string; in: string }[] } }>;
    }>(server.url, "GET", "/api/v0/openapi.json");
    const parameters = doc.body.paths["/api/v0/auth/apikeys/"]?.get.parameters ?? [];
    // team_id: a member's own team keys, listed from their personal credential (docs/teams.md).
    expect(parameters.filter((p) => p.in === "query").map((p) => p.name)).toEqual([
      "limit",
      "after",
      "team_id",
    ]);
  });
});
