import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Verdict, VerdictCode } from "../types.js";
import { type Asked, VerifierCache } from "./verifierCache.js";

/**
 * A model-based test of the verifier's cache and lease (verifierCache.ts): random verify calls
 * begun and finished in any order (several at once for one question), events sent by the
 * server and applied later (invalidations, resets), renewals granted for events not yet
 * applied, lost and new streams, and the passing of time, at capacities of 1 to 4 so that the
 * oldest entries go all the time. After every step every question is read, and the answer
 * must be one a plain model still allows: inside a lease whose grant covers every event
 * applied so far; from a VALID fill whose call began after every invalidation of its key and
 * every reset or loss, and was not dropped since; before the verdict's own deadline.
 */

const QUESTIONS = ["q1", "q2", "q3", "q4"] as const;
type Question = (typeof QUESTIONS)[number];
/** Two questions about key 1, one each about keys 2 and 3. */
const KEY_OF: Record<Question, number> = { q1: 1, q2: 1, q3: 2, q4: 3 };
const ROUTE_A: Asked = { category: "user_read", route: undefined, ip: "127.0.0.1", params: "" };
const ROUTE_B: Asked = { ...ROUTE_A, route: "api.user.show" };
/** Each question as the cache sees it: its key's hash (one per key) and its other fields. */
const CACHED_AS: Record<Question, [string, Asked]> = {
  q1: ["hash-1", ROUTE_A],
  q2: ["hash-1", ROUTE_B],
  q3: ["hash-2", ROUTE_A],
  q4: ["hash-3", ROUTE_A],
};
const CODES: VerdictCode[] = ["VALID", "VALID", "FORBIDDEN", "NOT_FOUND", "REVOKED"];

type ServerEvent =
  | { seq: number; kind: "invalidate"; keyIds: number[] }
  | { seq: number; kind: "reset" };

interface Model {
  now: number;
  capacity: number;
  /** Events sent on the stream, not yet applied by the verifier. */
  queue: ServerEvent[];
  sent: number;
  applied: number;
  /** Grants since the stream began: each counts once `applied` reaches its seq. */
  grants: { until: number; seq: number }[];
  /** Calls under way: their question and the step they began at. */
  calls: { question: Question; step: number }[];
  /** The step of each key's last invalidation, and of the last reset or loss. */
  invalidated: Map<number, number>;
  cleared: number;
  step: number;
  /** For each question, the fills that may still be answered, and until when. */
  answerable: Map<Question, Map<number, number>>;
  serials: number;
}

interface Real {
  cache: VerifierCache;
  began: Map<number, number>;
  serialOf: Map<Verdict, number>;
}

function trusted(model: Model): boolean {
  return model.grants.some((g) => g.seq <= model.applied && model.now < g.until);
}

function checkAll(model: Model, real: Real): void {
  expect(real.cache.trusted(model.now), "trust").toBe(trusted(model));
  for (const question of QUESTIONS) {
    const got = real.cache.get(...CACHED_AS[question], model.now);
    if (got === undefined) continue;
    expect(trusted(model), `${question} answered outside the lease`).toBe(true);
    const serial = real.serialOf.get(got);
    const until = serial === undefined ? undefined : model.answerable.get(question)?.get(serial);
    expect(until, `${question} answered from a fill the model dropped or never kept`).toBeDefined();
    expect(model.now, `${question} answered past its deadline`).toBeLessThan(until ?? 0);
  }
  expect(real.cache.size).toBeLessThanOrEqual(model.capacity);
}

function dropKey(model: Model, keyId: number): void {
  for (const q of QUESTIONS) if (KEY_OF[q] === keyId) model.answerable.delete(q);
}

function dropAll(model: Model): void {
  model.answerable.clear();
  model.cleared = ++model.step;
}

type Cmd = fc.Command<Model, Real>;

class Begin implements Cmd {
  constructor(readonly question: Question) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const id = model.calls.length;
    model.calls.push({ question: this.question, step: ++model.step });
    real.began.set(id, real.cache.begin());
    checkAll(model, real);
  }
  toString = () => `begin(${this.question})`;
}

class Finish implements Cmd {
  constructor(
    readonly pick: number,
    readonly code: VerdictCode,
    /** ms the verdict holds by itself; null: no deadline. */
    readonly validForMs: number | null,
    readonly abandon: boolean,
  ) {}
  check = (model: Readonly<Model>) => model.calls.some((c) => c.step > 0);
  run(model: Model, real: Real): void {
    const open = model.calls.map((c, i) => [c, i] as const).filter(([c]) => c.step > 0);
    const [call, id] = open[this.pick % open.length] as (typeof open)[number];
    const began = real.began.get(id) ?? 0;
    const started = call.step;
    call.step = 0;
    if (this.abandon) {
      real.cache.abandon();
      checkAll(model, real);
      return;
    }
    const keyId = KEY_OF[call.question];
    const verdict = {
      valid: this.code === "VALID",
      code: this.code,
      key_id: this.code === "NOT_FOUND" || this.code === "REVOKED" ? null : keyId,
      user_id: 1,
      permissions: null,
      expires_at: null,
    } as Verdict;
    const serial = ++model.serials;
    real.serialOf.set(verdict, serial);
    real.cache.fill(...CACHED_AS[call.question], verdict, began, model.now, this.validForMs);
    // Any answer replaces what was kept for the question; only a VALID one that nothing
    // overtook, arriving inside the lease, may be answered later.
    model.answerable.delete(call.question);
    const overtaken = started < model.cleared || started < (model.invalidated.get(keyId) ?? 0);
    if (this.code === "VALID" && !overtaken && trusted(model)) {
      const until = this.validForMs === null ? Infinity : model.now + this.validForMs;
      if (until > model.now) model.answerable.set(call.question, new Map([[serial, until]]));
    }
    checkAll(model, real);
  }
  toString = () => `finish(${this.pick}, ${this.code}, ${this.validForMs}, ${this.abandon})`;
}

/** The server sends an event; the verifier has not read it yet. */
class Send implements Cmd {
  constructor(readonly event: { kind: "invalidate"; keyIds: number[] } | { kind: "reset" }) {}
  check = () => true;
  run(model: Model, real: Real): void {
    model.queue.push({ ...this.event, seq: ++model.sent } as ServerEvent);
    checkAll(model, real);
  }
  toString = () =>
    this.event.kind === "reset" ? "send(reset)" : `send(invalidate ${this.event.keyIds})`;
}

/** The verifier reads and applies the oldest event. */
class Apply implements Cmd {
  check = (model: Readonly<Model>) => model.queue.length > 0;
  run(model: Model, real: Real): void {
    const event = model.queue.shift() as ServerEvent;
    const step = ++model.step;
    if (event.kind === "reset") {
      real.cache.reset(event.seq);
      dropAll(model);
    } else {
      real.cache.invalidate(event.keyIds, event.seq);
      for (const id of event.keyIds) {
        model.invalidated.set(id, step);
        dropKey(model, id);
      }
    }
    model.applied = event.seq;
    checkAll(model, real);
  }
  toString = () => "apply";
}

/** A renewal sent `agoMs` ago comes back with a lease covering every event sent so far. */
class Grant implements Cmd {
  constructor(
    readonly agoMs: number,
    readonly leaseMs: number,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const sentAt = model.now - this.agoMs;
    real.cache.grant(sentAt, this.leaseMs, model.sent);
    if (this.leaseMs > 0) model.grants.push({ until: sentAt + this.leaseMs, seq: model.sent });
    checkAll(model, real);
  }
  toString = () => `grant(${this.agoMs} ago, ${this.leaseMs})`;
}

/** The stream is lost and a new one opens: events start again, nothing is kept. */
class Reconnect implements Cmd {
  check = () => true;
  run(model: Model, real: Real): void {
    real.cache.connected(0);
    model.queue = [];
    model.sent = 0;
    model.applied = 0;
    model.grants = [];
    dropAll(model);
    checkAll(model, real);
  }
  toString = () => "reconnect";
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    model.now += this.ms;
    checkAll(model, real);
  }
  toString = () => `advance(${this.ms})`;
}

const commands = fc.commands(
  [
    fc.constantFrom(...QUESTIONS).map((q) => new Begin(q)),
    fc
      .tuple(
        fc.nat(5),
        fc.constantFrom(...CODES),
        fc.option(fc.integer({ min: -100, max: 2000 }), { nil: null }),
        fc.boolean(),
      )
      .map(
        ([pick, code, validFor, abandon]) =>
          new Finish(pick, code, validFor, abandon && pick % 4 === 0),
      ),
    fc
      .oneof(
        fc
          .subarray([1, 2, 3], { minLength: 1 })
          .map((keyIds) => ({ kind: "invalidate" as const, keyIds })),
        fc.constant({ kind: "reset" as const }),
      )
      .map((e) => new Send(e)),
    fc.constant(new Apply()),
    fc.constant(new Apply()),
    fc
      .tuple(fc.integer({ min: 0, max: 400 }), fc.constantFrom(0, 300, 1000))
      .map(([ago, lease]) => new Grant(ago, lease)),
    fc.constant(new Reconnect()),
    fc.integer({ min: 0, max: 600 }).map((ms) => new Advance(ms)),
  ],
  { size: "+1" },
);

describe("VerifierCache against a reference model", () => {
  it("answers only inside a lease covering what it applied, from fills nothing overtook", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), commands, (capacity, cmds) => {
        fc.modelRun(
          () => ({
            model: {
              now: 10_000,
              capacity,
              queue: [],
              sent: 0,
              applied: 0,
              grants: [],
              calls: [],
              invalidated: new Map(),
              cleared: 0,
              step: 0,
              answerable: new Map(),
              serials: 0,
            },
            real: { cache: new VerifierCache(capacity), began: new Map(), serialOf: new Map() },
          }),
          cmds,
        );
      }),
      { numRuns: 1000 },
    );
  });
});
