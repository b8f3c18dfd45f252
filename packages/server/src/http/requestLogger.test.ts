import Fastify, { type FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { lazyChildLogger } from "./requestLogger.js";

function appWithLines() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "info", serializers: { thing: (value: string) => `serialized ${value}` } },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((bindings, options) => {
    children++;
    return child(bindings, options);
  }) as typeof logger.child;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    disableRequestLogging: true,
    childLoggerFactory: lazyChildLogger,
  });
  app.get("/quiet", async () => ({ ok: true }));
  app.get("/talks", async (request) => {
    request.log.warn({ thing: "x" }, "a warning");
    request.log.info("an info line");
    request.log.debug("not at this level");
    return { level: request.log.level };
  });
  // Fastify makes children of its own while it starts (one per plugin context).
  const ready = app.ready().then(() => {
    children = 0;
  });
  return { app, lines, ready, children: () => children };
}

describe("the lazy request logger", () => {
  it("makes no child logger for a request that logs nothing", async () => {
    const { app, lines, ready, children } = appWithLines();
    await ready;
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ method: "GET", url: "/quiet" })).statusCode).toBe(200);
    }
    expect(children()).toBe(0);
    expect(lines).toHaveLength(0);
    await app.close();
  });

  it("writes a request's lines with its id, the parent's serializers and level", async () => {
    const { app, lines, ready, children } = appWithLines();
    await ready;
    const answer = await app.inject({ method: "GET", url: "/talks" });
    expect(answer.json()).toEqual({ level: "info" });
    expect(children()).toBe(1);
    expect(lines).toHaveLength(2);
    const [warning, info] = lines;
    expect(warning).toMatchObject({ level: 40, msg: "a warning", thing: "serialized x" });
    expect(typeof warning?.reqId).toBe("string");
    expect(info).toMatchObject({ level: 30, msg: "an info line", reqId: warning?.reqId });
    await app.close();
  });
});
