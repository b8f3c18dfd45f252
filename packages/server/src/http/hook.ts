import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";

/**
 * A request hook that costs no promise when its work is synchronous, which is the common case
 * (a cached key, a permission that allows): Fastify awaits an async hook's promise on every
 * request, this one only when `work` returns one.
 */
export function hook(work: (request: FastifyRequest, reply: FastifyReply) => void | Promise<void>) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    let pending: void | Promise<void>;
    try {
      pending = work(request, reply);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (pending) pending.then(() => done(), done);
    else done();
  };
}
