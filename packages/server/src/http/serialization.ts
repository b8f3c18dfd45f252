import {
  type SerializerCompiler,
  type SerializerFactory,
  SerializerSelector,
} from "@fastify/fast-json-stringify-compiler";

type Serializer = ReturnType<SerializerCompiler>;

const fastifysOwn = SerializerSelector();

/** Compiled serializers by the shared schemas and options, then by the route's schema, as JSON. */
const compiled = new Map<string, Map<string, Serializer>>();

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled once per process.
 *
 * Compiling them all was the biggest part of building the app, paid again by every app a
 * process builds (the in-process tests build hundreds) and by every server start. A
 * serializer depends only on its schema, the shared schemas (`addSchema`) and the options,
 * all plain JSON here, so equal ones are compiled once and shared; the method, URL and status
 * Fastify also passes only name the route. Each is compiled on its first answer: most of a
 * route's error statuses, and many routes of a short-lived process, never answer at all.
 */
export const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const compile = fastifysOwn(externalSchemas, options);
  const context = JSON.stringify([externalSchemas ?? null, options ?? null]);
  const cache = compiled.get(context) ?? new Map<string, Serializer>();
  compiled.set(context, cache);
  return (route) => {
    const key = JSON.stringify(route.schema ?? null);
    let serializer = cache.get(key);
    if (serializer === undefined) {
      let compiledOnce: Serializer | undefined;
      serializer = (doc) => {
        compiledOnce ??= compile(route);
        return compiledOnce(doc);
      };
      cache.set(key, serializer);
    }
    return serializer;
  };
};
