import { connect, type Socket } from "node:net";
import { startTestServer } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

/** A connection's `close` event, as a promise. */
const closed = (socket: Socket) => new Promise<void>((done) => socket.once("close", () => done()));

describe("stopping the server", () => {
  it("closes a connection that never sent a byte instead of waiting for it", async () => {
    const server = await startTestServer({}, { listen: true });
    const { hostname, port } = new URL(server.url);
    const silent = connect(Number(port), hostname);
    silent.on("error", () => {});
    await new Promise<void>((done) => silent.once("connect", () => done()));
    const gone = closed(silent);
    // Node counts such a connection as busy: without closing it, this would wait for the
    // headers timeout (a minute, past the test's limit).
    await server.close();
    await gone;
    expect(silent.destroyed).toBe(true);
  });
});
