import type { DeliveryStatus, KeyEventType } from "../api/types.js";

/** The key events, in the server's order, with what each means to the person choosing them. */
export const KEY_EVENTS: { type: KeyEventType; label: string; hint: string }[] = [
  { type: "key.created", label: "Created", hint: "A key was created." },
  { type: "key.reset", label: "Reset", hint: "A key got a new value (with its overlap, if any)." },
  { type: "key.deleted", label: "Deleted", hint: "A key was deleted." },
  {
    type: "key.expiring",
    label: "Expiring soon",
    hint: "A key expires within the days of your expiry reminder policy.",
  },
  { type: "key.expired", label: "Expired", hint: "A key reached its expiry date." },
  {
    type: "key.leaked",
    label: "Leaked",
    hint: "A key was reported as found in public and has been revoked.",
  },
  {
    type: "key.unused",
    label: "Unused",
    hint: "A key was deleted by your policy for keys unused for too long.",
  },
];

/** "All key events" or "Created, Leaked". */
export function eventsSummary(events: readonly KeyEventType[] | null): string {
  if (events === null) return "All key events";
  return KEY_EVENTS.filter((e) => events.includes(e.type))
    .map((e) => e.label)
    .join(", ");
}

/** The event of a delivery as a person reads it: "Test (ping)", "key.created". */
export function eventLabel(type: string): string {
  return type === "ping" ? "Test ping" : type;
}

export const DELIVERY_STATUS: Record<DeliveryStatus, { label: string; badge: string }> = {
  pending: { label: "Pending", badge: "badge-warning" },
  delivered: { label: "Delivered", badge: "badge-success" },
  failed: { label: "Failed", badge: "badge-danger" },
};

/** A short account of a delivery's last attempt: "HTTP 204", "HTTP 500: …", "Not tried yet". */
export function lastAnswer(delivery: {
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
}): string {
  if (delivery.attempts === 0) return "Not tried yet";
  if (delivery.last_error) return delivery.last_error;
  if (delivery.last_status_code !== null) return `HTTP ${delivery.last_status_code}`;
  return "No answer";
}
