import { Type } from "@sinclair/typebox";
import { endpoint } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { Credentials } from "../accountSchemas.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/users/",
  category: "user_write",
  name: "api.users.create",
  summary: "Sign up",
});

export const usersCreate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    // The credential is optional: sign-up is public while open, and needs an admin when closed.
    ...endpoint(entry, { auth: "optional", limit: "sensitive" }),
    schema: {
      summary: entry.summary,
      description:
        "Open sign-up creates an account. With LATCHKEY_SIGNUP=closed only an administrator's credential may, except for the first account of a deployment, which becomes its administrator.",
      tags: ["account"],
      body: Credentials,
      response: {
        200: Type.Object({ success: Type.Literal(true), id: Type.Integer(), email: Type.String() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      // Closed sign-up still admits the very first account, which becomes the administrator:
      // a fresh deployment needs one, and there is nobody yet to let it in.
      const closed = deps.config.signup === "closed" && !request.principal?.user.isAdmin;
      const user = unwrap(await deps.accounts.signUp(request.body, deps.now(), closed));
      return { success: true as const, id: user.id, email: user.email };
    },
  });
});
