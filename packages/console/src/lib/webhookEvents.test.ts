import { describe, expect, it } from "vitest";
import { eventsSummary, lastAnswer } from "./webhookEvents.js";

describe("eventsSummary", () => {
  it("says all for null and names the chosen events in the server's order", () => {
    expect(eventsSummary(null)).toBe("All key events");
    expect(eventsSummary(["key.leaked", "key.created"])).toBe("Created, Leaked");
  });
});

describe("lastAnswer", () => {
  it("prefers the error, then the status, and says when nothing was tried", () => {
    expect(lastAnswer({ attempts: 0, last_status_code: null, last_error: null })).toBe(
      "Not tried yet",
    );
    expect(lastAnswer({ attempts: 1, last_status_code: 204, last_error: null })).toBe("HTTP 204");
    expect(lastAnswer({ attempts: 2, last_status_code: 500, last_error: "HTTP 500" })).toBe(
      "HTTP 500",
    );
    expect(lastAnswer({ attempts: 1, last_status_code: null, last_error: null })).toBe("No answer");
  });
});
