import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import {
  type AttemptOutcome,
  type DeliveryRecord,
  instantMs,
  type KeyEventRecord,
  type Store,
  type StoreTx,
  type WebhookRecord,
} from "@latchkey/core";
import { type DeliveryObserver, noMetrics } from "../metrics/metrics.js";
import { type SendOptions, type SendResult, sendWebhook } from "./sendWebhook.js";
import type { WebhookSecretBox } from "./webhookSecrets.js";
import { signatureHeader } from "./webhookSignature.js";

const EVENT_BATCH = 100;
const DELIVERY_BATCH = 25;
/** Batches per pass, so that one pass ends even while events keep arriving. */
const MAX_BATCHES = 20;
const PRUNE_EVERY_MS = 3_600_000;
const DAY = 86_400_000;

export interface DispatcherSettings {
  retrySeconds: readonly number[];
  timeoutMs: number;
  allowPrivate: boolean;
  retentionDays: number;
}

export interface PassResult {
  /** Deliveries queued for new outbox events. */
  queued: number;
  /** Attempts made (delivered or not). */
  attempted: number;
}

export type Sender = (
  url: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
) => Promise<SendResult>;

/** The body every attempt of an event's delivery sends. */
export function eventBody(event: KeyEventRecord): string {
  return JSON.stringify({
    id: `evt_${event.id}`,
    type: event.type,
    created_at: event.createdAt,
    data: event.payload,
  });
}

function subscribed(hook: WebhookRecord, event: KeyEventRecord): boolean {
  // An endpoint gets the events written after it was registered, not the history before it.
  return (
    hook.active &&
    instantMs(hook.createdAt) <= instantMs(event.createdAt) &&
    (hook.events === null || hook.events.includes(event.type))
  );
}

/**
 * Delivers key events to webhooks, on every node. A pass first fans new outbox events out to
 * the subscribed endpoints as delivery rows (the durable queue: rows outlive restarts), then
 * sends the deliveries that are due. Each delivery is leased by a conditional update (and
 * `for update skip locked` on PostgreSQL), so no two nodes send the same attempt; a node that
 * dies mid-attempt leaves the lease to expire and another node sends it again: at least once.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private passQueued = false;
  private stopping = stopSignal();
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly secrets: WebhookSecretBox,
    private readonly settings: DispatcherSettings,
    private readonly now: () => Date,
    private readonly onError: (err: unknown) => void,
    private readonly send: Sender = sendWebhook,
    private readonly observer: DeliveryObserver = noMetrics.deliveries,
  ) {}

  /** Attempts a delivery gets: the first and one per retry wait. */
  get maxAttempts(): number {
    return this.settings.retrySeconds.length + 1;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.stopping = stopSignal();
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
  }

  /**
   * Runs a pass soon (the timer's tick, or a test ping) if this node delivers at all. While a
   * pass runs, one more is queued, so what was just queued is not left for the next tick.
   */
  kick(): void {
    if (!this.timer || this.passQueued) return;
    this.passQueued = true;
    const run = this.chain.then(() => {
      this.passQueued = false;
      return this.pass();
    });
    this.chain = run.catch(() => undefined);
    run.catch(this.onError);
  }

  /** Stops the timer, abandons attempts in flight (their deliveries are due again at once). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.chain;
  }

  /** One pass, after any pass already running on this node. */
  runOnce(): Promise<PassResult> {
    const run = this.chain.then(() => this.pass());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pass(): Promise<PassResult> {
    let queued = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const { events, deliveries } = await this.fanOut();
      queued += deliveries;
      if (events < EVENT_BATCH) break;
    }
    let attempted = 0;
    for (let i = 0; i < MAX_BATCHES && !this.stopping.signal.aborted; i++) {
      const sent = await this.deliverDue();
      attempted += sent;
      if (sent < DELIVERY_BATCH) break;
    }
    await this.prune();
    return { queued, attempted };
  }

  private fanOut(): Promise<{ events: number; deliveries: number }> {
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      const events = await tx.claimEvents(EVENT_BATCH, at);
      const hooks = new Map<number, WebhookRecord[]>();
      let deliveries = 0;
      for (const event of events) {
        const mine = hooks.get(event.userId) ?? (await tx.listWebhooks(event.userId));
        hooks.set(event.userId, mine);
        for (const hook of mine.filter((h) => subscribed(h, event))) {
          if (await queue(tx, hook, event, at)) deliveries++;
        }
      }
      return { events: events.length, deliveries };
    });
  }

  private async deliverDue(): Promise<number> {
    const now = this.now();
    const lease = randomUUID();
    // Long enough for every attempt of the batch (they run side by side), with a margin.
    const leaseUntil = new Date(now.getTime() + this.settings.timeoutMs * 2 + 30_000);
    const claimed = await this.store.claimDeliveries(
      now.toISOString(),
      leaseUntil.toISOString(),
      lease,
      DELIVERY_BATCH,
    );
    await Promise.all(claimed.map((delivery) => this.attempt(delivery, lease).catch(this.onError)));
    return claimed.length;
  }

  private async attempt(delivery: DeliveryRecord, lease: string): Promise<void> {
    const hook = await this.store.findWebhook(delivery.userId, delivery.webhookId);
    // Deleted meanwhile: its deliveries went with it.
    if (!hook) return;
    let result: SendResult;
    try {
      const secret = await this.openSecret(hook);
      const headers = {
        "latchkey-signature": signatureHeader(secret, delivery.body, this.now()),
        "latchkey-event-id": delivery.eventId,
        "latchkey-event-type": delivery.eventType,
        "latchkey-delivery-id": String(delivery.id),
      };
      result = await this.send(hook.url, delivery.body, headers, {
        timeoutMs: this.settings.timeoutMs,
        allowPrivate: this.settings.allowPrivate,
        signal: this.stopping.signal,
      });
    } catch (err) {
      result = { kind: "failed", error: err instanceof Error ? err.message : String(err) };
    }
    const at = this.now();
    if (result.kind === "aborted") {
      await this.store.releaseDelivery(delivery.id, lease, at.toISOString());
      this.observer.attempted("abandoned");
      return;
    }
    const outcome = this.outcome(delivery, result, at);
    await this.store.finishAttempt(delivery.id, lease, outcome);
    this.observer.attempted(outcome.status === "pending" ? "retrying" : outcome.status);
  }

  private outcome(
    delivery: DeliveryRecord,
    result: Exclude<SendResult, { kind: "aborted" }>,
    at: Date,
  ): AttemptOutcome {
    const statusCode = result.kind === "answered" ? result.statusCode : null;
    if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
      return {
        status: "delivered",
        at: at.toISOString(),
        statusCode,
        error: null,
        nextAttemptAt: null,
      };
    }
    const error =
      result.kind === "failed"
        ? result.error
        : statusCode !== null && statusCode >= 300 && statusCode < 400
          ? `HTTP ${statusCode}: redirects are not followed; register the final URL`
          : `HTTP ${statusCode}`;
    // `attempts` counts this attempt already (it was counted when claimed).
    const wait = this.settings.retrySeconds[delivery.attempts - 1];
    if (wait === undefined) {
      return { status: "failed", at: at.toISOString(), statusCode, error, nextAttemptAt: null };
    }
    return {
      status: "pending",
      at: at.toISOString(),
      statusCode,
      error,
      nextAttemptAt: new Date(at.getTime() + wait * 1000).toISOString(),
    };
  }

  /** The endpoint's secret; one sealed under an older pepper is sealed again under the current. */
  private async openSecret(hook: WebhookRecord): Promise<string> {
    const secret = this.secrets.open(hook);
    if (hook.secretKeyVersion !== this.secrets.currentVersion) {
      // So the old pepper can be retired once every endpoint has had a delivery.
      const sealed = this.secrets.seal(secret, hook.userId);
      await this.store
        .updateWebhook(hook.userId, hook.id, {
          secretCiphertext: sealed.secretCiphertext,
          secretKeyVersion: sealed.secretKeyVersion,
          updatedAt: hook.updatedAt,
        })
        .catch(this.onError);
    }
    return secret;
  }

  private async prune(): Promise<void> {
    const now = this.now().getTime();
    if (this.settings.retentionDays === 0 || now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.store.pruneDeliveries(
      new Date(now - this.settings.retentionDays * DAY).toISOString(),
    );
  }
}

/** Aborts the attempts in flight when the node stops; every attempt of a batch listens to it. */
function stopSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(DELIVERY_BATCH * 2, controller.signal);
  return controller;
}

/** Queues one event for one endpoint (at most once, whichever node fans it out). */
function queue(tx: StoreTx, hook: WebhookRecord, event: KeyEventRecord, at: string) {
  return tx.insertDelivery({
    webhookId: hook.id,
    userId: hook.userId,
    sourceEventId: event.id,
    eventId: `evt_${event.id}`,
    eventType: event.type,
    body: eventBody(event),
    redeliveryOf: null,
    createdAt: at,
    nextAttemptAt: at,
  });
}
