import { randomBytes } from "node:crypto";
import {
  type DeliveryRecord,
  eventTypes,
  type KeyEventType,
  MAX_WEBHOOK_DESCRIPTION_LENGTH,
  type Store,
  type WebhookRecord,
} from "@latchkey/core";
import { audit } from "../audit/audit.js";
import type { Origin, Principal } from "../auth/principal.js";
import { fail, ok, type Result } from "../http/result.js";
import type { WebhookDispatcher } from "./webhookDispatcher.js";
import { generateWebhookSecret, type WebhookSecretBox } from "./webhookSecrets.js";
import { parseWebhookUrl } from "./webhookTargets.js";

/** Endpoints per account: enough for every receiver a team runs, few enough to fan out cheaply. */
export const MAX_WEBHOOKS = 20;

export interface WebhookInput {
  url?: string;
  /** Null or absent on create: every key event. */
  events?: KeyEventType[] | null;
  description?: string;
  active?: boolean;
}

export interface WebhookWithSecret {
  record: WebhookRecord;
  secret: string;
}

function parseDescription(description: string | undefined): Result<string | undefined> {
  if (description === undefined) return ok(undefined);
  const trimmed = description.trim();
  if (trimmed.length > MAX_WEBHOOK_DESCRIPTION_LENGTH) {
    return fail(
      "invalid_request",
      `description: at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters (got ${trimmed.length})`,
    );
  }
  return ok(trimmed);
}

const notFound = (id: number) => fail("not_found", `Webhook ${id} not found in this account.`);

/** The webhook use-cases: register, change, remove, test and redeliver, each audited. */
export class WebhookService {
  constructor(
    private readonly store: Store,
    private readonly secrets: WebhookSecretBox,
    private readonly dispatcher: Pick<WebhookDispatcher, "kick">,
    private readonly allowPrivate: boolean,
  ) {}

  async create(
    caller: Principal,
    input: WebhookInput & { url: string },
    origin: Origin,
  ): Promise<Result<WebhookWithSecret>> {
    const url = parseWebhookUrl(input.url, this.allowPrivate);
    if (!url.ok) return url;
    const description = parseDescription(input.description);
    if (!description.ok) return description;
    const userId = caller.user.id;
    const secret = generateWebhookSecret();
    const at = origin.at.toISOString();
    // The count and the insert it allows happen under the account's lock: concurrent
    // creates cannot all see room for one more.
    const record = await this.store.transaction(async (tx) => {
      await tx.lockAccount(userId);
      if ((await tx.listWebhooks(userId)).length >= MAX_WEBHOOKS) return undefined;
      const created = await tx.insertWebhook({
        userId,
        url: url.value,
        description: description.value ?? "",
        events: normaliseEvents(input.events),
        active: input.active ?? true,
        ...this.secrets.seal(secret, userId),
        createdAt: at,
        updatedAt: at,
      });
      await audit(tx, caller, origin, "webhook.create", summary(created));
      return created;
    });
    if (record === undefined) {
      return fail(
        "invalid_request",
        `This account already has ${MAX_WEBHOOKS} webhooks, the most it may have; delete one first.`,
      );
    }
    return ok({ record, secret });
  }

  async update(
    caller: Principal,
    id: number,
    input: WebhookInput,
    origin: Origin,
  ): Promise<Result<WebhookRecord>> {
    let url: string | undefined;
    if (input.url !== undefined) {
      const parsed = parseWebhookUrl(input.url, this.allowPrivate);
      if (!parsed.ok) return parsed;
      url = parsed.value;
    }
    const description = parseDescription(input.description);
    if (!description.ok) return description;
    const record = await this.store.updateWebhook(caller.user.id, id, {
      updatedAt: origin.at.toISOString(),
      ...(url === undefined ? {} : { url }),
      ...(description.value === undefined ? {} : { description: description.value }),
      ...(input.events === undefined ? {} : { events: normaliseEvents(input.events) }),
      ...(input.active === undefined ? {} : { active: input.active }),
    });
    if (!record) return notFound(id);
    await audit(this.store, caller, origin, "webhook.update", summary(record));
    return ok(record);
  }

  async delete(caller: Principal, id: number, origin: Origin): Promise<Result<true>> {
    const found = await this.store.findWebhook(caller.user.id, id);
    if (!found || !(await this.store.deleteWebhook(caller.user.id, id))) return notFound(id);
    await audit(this.store, caller, origin, "webhook.delete", summary(found));
    return ok(true);
  }

  /** Queues a ping to the endpoint, whatever events it subscribes to. */
  async ping(caller: Principal, id: number, origin: Origin): Promise<Result<DeliveryRecord>> {
    const hook = await this.store.findWebhook(caller.user.id, id);
    if (!hook) return notFound(id);
    if (!hook.active) return inactive(id);
    const eventId = `evt_ping_${randomBytes(8).toString("hex")}`;
    const at = origin.at.toISOString();
    const body = JSON.stringify({
      id: eventId,
      type: "ping",
      created_at: at,
      data: { webhook_id: hook.id, msg: "A test event from Latchkey: this endpoint is reachable." },
    });
    return this.enqueue(hook, { eventId, eventType: "ping", body, redeliveryOf: null }, at);
  }

  /** Queues the same event again, as a new delivery with a fresh set of attempts. */
  async redeliver(
    caller: Principal,
    id: number,
    deliveryId: number,
    origin: Origin,
  ): Promise<Result<DeliveryRecord>> {
    const hook = await this.store.findWebhook(caller.user.id, id);
    if (!hook) return notFound(id);
    const original = await this.store.findDelivery(caller.user.id, id, deliveryId);
    if (!original) return fail("not_found", `Delivery ${deliveryId} not found for webhook ${id}.`);
    if (!hook.active) return inactive(id);
    const queued = await this.enqueue(
      hook,
      {
        eventId: original.eventId,
        eventType: original.eventType,
        body: original.body,
        redeliveryOf: original.id,
      },
      origin.at.toISOString(),
    );
    if (queued.ok) {
      await audit(this.store, caller, origin, "webhook.redeliver", {
        id,
        delivery_id: deliveryId,
        event_id: original.eventId,
      });
    }
    return queued;
  }

  private async enqueue(
    hook: WebhookRecord,
    event: Pick<DeliveryRecord, "eventId" | "eventType" | "body" | "redeliveryOf">,
    at: string,
  ): Promise<Result<DeliveryRecord>> {
    const delivery = await this.store.insertDelivery({
      webhookId: hook.id,
      userId: hook.userId,
      sourceEventId: null,
      ...event,
      createdAt: at,
      nextAttemptAt: at,
    });
    if (!delivery) throw new Error("a delivery without a source event was refused as a duplicate");
    this.dispatcher.kick();
    return ok(delivery);
  }
}

const inactive = (id: number) =>
  fail(
    "invalid_request",
    `Webhook ${id} is inactive: nothing is sent to it. Set "active": true first.`,
  );

/** The event list as stored: null for every event, otherwise without repeats, in catalogue order. */
function normaliseEvents(
  events: readonly KeyEventType[] | null | undefined,
): KeyEventType[] | null {
  if (events === undefined || events === null) return null;
  return eventTypes.filter((type) => events.includes(type));
}

/** Audit args: what the endpoint is, never its secret. */
const summary = (record: WebhookRecord) => ({
  id: record.id,
  url: record.url,
  events: record.events,
  active: record.active,
});
