import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";

export const webhooksDelete: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("DELETE", "/api/v0/webhooks/{id}/"),
    schema: {
      summary: "Delete a webhook endpoint",
      description: "Its delivery log goes with it, and its pending deliveries are never sent.",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: {
        200: Type.Object({ success: Type.Literal(true), msg: Type.String() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      unwrap(
        await ctx.webhooks.delete(principalOf(request), request.params.id, originOf(request, ctx)),
      );
      return { success: true as const, msg: "Successfully Deleted Webhook" };
    },
  });
};
