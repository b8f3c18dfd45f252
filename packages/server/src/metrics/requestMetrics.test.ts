import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { PromMetrics } from "./metrics.js";
import { countRequests } from "./registerMetrics.js";

/**
 * The request histogram on a bare Fastify app: every answer counted exactly once under its
 * route's pattern, whatever shape the route was registered in (a GET with its HEAD twin, one
 * route for several methods as @fastify/static registers them, a route in a plugin), and
 * requests no route matched under `unmatched`.
 */

const HISTOGRAM = "latchkey_http_request_duration_seconds";
let app: FastifyInstance;
afterEach(() => app.close());

async function counts(metrics: PromMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const text = await metrics.registry.metrics();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${HISTOGRAM}_count{`)) continue;
    const labels = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
    out[labels] = Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return out;
}

const series = (method: string, route: string, statusClass: string) =>
  `method="${method}",route="${route}",status_class="${statusClass}"`;

describe("the request histogram", () => {
  it("counts each answer once under its route pattern, method and status class", async () => {
    const metrics = new PromMetrics();
    app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    countRequests(app, metrics);
    app.get("/things/:id/", async (request, reply) =>
      (request.params as { id: string }).id === "0" ? reply.code(404).send({}) : { ok: true },
    );
    app.route({ method: ["HEAD", "GET"], url: "/files/*", handler: async () => "file" });
    await app.register(
      async (plugin) => {
        plugin.post("/echo", async (request) => request.body);
      },
      { prefix: "/nested" },
    );
    app.get("/boom", async () => {
      throw new Error("boom");
    });
    await app.ready();

    const inject = async (method: "GET" | "HEAD" | "POST", url: string, status: number) => {
      const answer = await app.inject({
        method,
        url,
        ...(method === "POST" ? { payload: {} } : {}),
      });
      expect(answer.statusCode, `${method} ${url}`).toBe(status);
    };
    await inject("GET", "/things/12/", 200);
    await inject("GET", "/things/13", 200);
    await inject("GET", "/things/0/", 404);
    await inject("HEAD", "/things/12/", 200);
    await inject("GET", "/files/a.txt", 200);
    await inject("HEAD", "/files/b.txt", 200);
    await inject("HEAD", "/files/c.txt", 200);
    await inject("POST", "/nested/echo", 200);
    await inject("GET", "/boom", 500);
    await inject("GET", "/secret-lk_12345/nowhere", 404);
    await inject("DELETE" as "GET", "/things/12/", 404);

    expect(await counts(metrics)).toEqual({
      [series("GET", "/things/:id/", "2xx")]: 2,
      [series("GET", "/things/:id/", "4xx")]: 1,
      [series("HEAD", "/things/:id/", "2xx")]: 1,
      [series("GET", "/files/*", "2xx")]: 1,
      [series("HEAD", "/files/*", "2xx")]: 2,
      [series("POST", "/nested/echo", "2xx")]: 1,
      [series("GET", "/boom", "5xx")]: 1,
      [series("GET", "unmatched", "4xx")]: 1,
      [series("DELETE", "unmatched", "4xx")]: 1,
    });
  });

  it("adds to a route's own onResponse hooks, which still run", async () => {
    const metrics = new PromMetrics();
    app = Fastify();
    countRequests(app, metrics);
    const ran: string[] = [];
    app.get("/one", {
      onResponse: (_request, _reply, done) => {
        ran.push("one");
        done();
      },
      handler: async () => "one",
    });
    app.get("/two", {
      onResponse: [
        (_request, _reply, done) => {
          ran.push("two-a");
          done();
        },
        (_request, _reply, done) => {
          ran.push("two-b");
          done();
        },
      ],
      handler: async () => "two",
    });
    await app.ready();
    await app.inject({ method: "GET", url: "/one" });
    await app.inject({ method: "GET", url: "/two" });
    await app.inject({ method: "HEAD", url: "/two" });
    expect(ran).toEqual(["one", "two-a", "two-b", "two-a", "two-b"]);
    expect(await counts(metrics)).toEqual({
      [series("GET", "/one", "2xx")]: 1,
      [series("GET", "/two", "2xx")]: 1,
      [series("HEAD", "/two", "2xx")]: 1,
    });
  });
});
