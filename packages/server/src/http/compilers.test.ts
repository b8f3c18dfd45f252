import { describe, expect, it } from "vitest";
import { buildSerializer } from "./serialization.js";
import { validatorCompiler } from "./validation.js";

const route = (schema: unknown) => ({ schema, method: "GET", url: "/x", httpStatus: "200" });
const objectOf = (name: string) => ({
  type: "object",
  properties: { [name]: { type: "integer" } },
});

describe("serializers compiled once per process", () => {
  it("shares one serializer between equal schemas, also of different apps", () => {
    const first = buildSerializer(undefined, undefined)(route(objectOf("a")));
    const again = buildSerializer(undefined, undefined)(route(objectOf("a")));
    expect(again).toBe(first);
    expect(first({ a: 1, b: 2 })).toBe('{"a":1}');
  });

  it("never lends a serializer to a schema that differs, however little", () => {
    const compile = buildSerializer(undefined, undefined);
    const a = compile(route(objectOf("a")));
    const b = compile(route(objectOf("b")));
    expect(b).not.toBe(a);
    expect(b({ a: 1, b: 2 })).toBe('{"b":2}');
  });

  it("compiles a serializer on its first answer, not when the route is registered", () => {
    const invalid = { type: "object", properties: { a: { type: "no such type" } } };
    const serializer = buildSerializer(undefined, undefined)(route(invalid));
    expect(() => serializer({ a: 1 })).toThrow(/schema is invalid/);
  });

  it("keeps serializers of different shared schemas apart", () => {
    const ref = { $ref: "Thing#" };
    const withA = buildSerializer({ Thing: { $id: "Thing", ...objectOf("a") } }, undefined);
    const withB = buildSerializer({ Thing: { $id: "Thing", ...objectOf("b") } }, undefined);
    expect(withA(route(ref))({ a: 1, b: 2 })).toBe('{"a":1}');
    expect(withB(route(ref))({ a: 1, b: 2 })).toBe('{"b":2}');
  });
});

describe("validators compiled once per process", () => {
  const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] };

  it("shares one validator between equal schemas of the same part, also of different apps", () => {
    const first = validatorCompiler()({ schema: { ...schema }, httpPart: "params" } as never);
    const again = validatorCompiler()({ schema: { ...schema }, httpPart: "querystring" } as never);
    expect(again).toBe(first);
  });

  it("is compiled on its first use, and reports its errors and schema as Ajv's own does", () => {
    const validate = validatorCompiler()({
      schema: { type: "object", properties: { first: { type: "string" } }, required: ["first"] },
      httpPart: "body",
    } as never);
    expect(validate({})).toBe(false);
    const errors = (validate as unknown as { errors: { params: unknown }[] }).errors;
    expect(errors.map((e) => e.params)).toEqual([{ missingProperty: "first" }]);
    expect((validate as unknown as { schemaEnv: unknown }).schemaEnv).toBeDefined();
    expect(validate({ first: "x" })).toBe(true);
    expect((validate as unknown as { errors: unknown }).errors).toBeNull();
  });

  it("coerces path and query values but checks a body strictly, for the very same schema", () => {
    const compile = validatorCompiler();
    const params = compile({ schema, httpPart: "params" } as never);
    const body = compile({ schema, httpPart: "body" } as never);
    const text = { n: "12" };
    expect(params(text)).toBe(true);
    expect(text.n).toBe(12);
    expect(body({ n: "12" })).toBe(false);
    expect(body({ n: 12 })).toBe(true);
  });
});
