import type { Latchkey } from "@latchkey/sdk";
import { requireKey, type VerdictCache } from "@latchkey/sdk/express";
import express, { type Request, type Response } from "express";
import { Fleet } from "./fleet.js";

export interface InstancesAppOptions {
  /** The Latchkey client whose verify API decides every request. */
  client: Latchkey;
  /** Optional verdict cache (see the SDK README for its staleness bound). */
  cache?: VerdictCache;
  fleet?: Fleet;
}

const idOf = (req: Request) => ({ id: req.params.id });

/** The verified caller's account: requireKey ran before every handler here. */
function userOf(req: Request): number {
  if (!req.latchkey) throw new Error("route is missing requireKey");
  return req.latchkey.userId;
}

function notFound(res: Response, id: string | string[] | undefined) {
  res.status(404).json({ success: false, error: "not_found", msg: `Instance ${id} not found.` });
}

/**
 * A small "instances" API on Vast's paths, each route protected by the route name Latchkey's
 * catalogue gives it (the platform preset): api.instance.list, .show, .reboot and .destroy.
 * Authorization runs before the lookup, so a key that may not see an instance cannot learn
 * whether it exists.
 */
export function createInstancesApp(options: InstancesAppOptions): express.Express {
  const { client, cache } = options;
  const fleet = options.fleet ?? new Fleet();
  const guard = (route: string, withId: boolean) =>
    requireKey({ client, route, ...(withId ? { params: idOf } : {}), ...(cache ? { cache } : {}) });
  const app = express();

  app.get("/api/v0/instances/", guard("api.instance.list", false), (req, res) => {
    res.json({ instances: fleet.list(userOf(req)) });
  });

  app.get("/api/v0/instances/:id/", guard("api.instance.show", true), (req, res) => {
    const instance = fleet.show(userOf(req), Number(req.params.id));
    if (!instance) return notFound(res, req.params.id);
    res.json({ instance });
  });

  app.put("/api/v0/instances/reboot/:id/", guard("api.instance.reboot", true), (req, res) => {
    const instance = fleet.reboot(userOf(req), Number(req.params.id));
    if (!instance) return notFound(res, req.params.id);
    res.json({ success: true, msg: `Instance ${instance.id} is rebooting.` });
  });

  app.delete("/api/v0/instances/:id/", guard("api.instance.destroy", true), (req, res) => {
    if (!fleet.destroy(userOf(req), Number(req.params.id))) return notFound(res, req.params.id);
    res.json({ success: true, msg: `Instance ${req.params.id} destroyed.` });
  });

  return app;
}
