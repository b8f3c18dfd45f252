import SwaggerParser from "@apidevtools/swagger-parser";
import { call, startTestServer, type TestServer } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverRoutes } from "../routes.js";

describe("OpenAPI document", () => {
  let server: TestServer;
  let document: Record<string, unknown>;
  beforeAll(async () => {
    server = await startTestServer();
    document = (await call(server.url, "GET", "/api/v0/openapi.json")).body;
  });
  afterAll(() => server.close());

  it("is a valid OpenAPI 3 document", async () => {
    expect(String(document.openapi)).toMatch(/^3\./);
    // validate() throws with the reasons when the document is not valid.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it("describes every API route of the catalogue, from the schemas that validate requests", () => {
    const paths = document.paths as Record<string, Record<string, { requestBody?: unknown }>>;
    for (const entry of serverRoutes) {
      if (!entry.path.startsWith("/api/v0/") || entry.path.endsWith("openapi.json")) continue;
      const operation = paths[entry.path]?.[entry.method.toLowerCase()];
      expect(operation, `${entry.method} ${entry.path}`).toBeDefined();
    }
    const create = paths["/api/v0/auth/apikeys/"]?.post as {
      requestBody: { content: Record<string, { schema: unknown }> };
    };
    const schema = JSON.stringify(create.requestBody.content["application/json"]?.schema);
    expect(schema).toContain('"name"');
    expect(schema).toContain('"additionalProperties":false');
  });

  it("documents the error body", () => {
    const components = document.components as { schemas: Record<string, unknown> };
    expect(JSON.stringify(components.schemas.ErrorBody)).toContain("permission_denied");
  });
});
