import type { FastifyReply } from "fastify";

type Serialized = ReturnType<FastifyReply["serialize"]>;

/**
 * An answer serialised now, with the route's own schema for its status, rather than after
 * the handler returns. A change that is worthless unless its answer reaches the caller (a
 * reset hands out the only copy of a secret) makes its answer with this inside its
 * transaction: if the answer cannot be serialised, the change rolls back instead of
 * committing and answering 500.
 */
export function serializeNow(reply: FastifyReply, payload: unknown): Serialized {
  return reply.serialize(payload);
}

/** Sends what `serializeNow` made, as it is (Fastify does not serialise a JSON string again). */
export function sendSerialized(reply: FastifyReply, body: Serialized): FastifyReply {
  return reply.type("application/json; charset=utf-8").send(body);
}
