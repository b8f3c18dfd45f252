import { MAX_GRACE_SECONDS } from "@latchkey/sdk";

/** The overlaps a reset offers: none (the default: the old value dies at once) up to the server's 7 days. */
export const GRACE_CHOICES: {
  seconds: number;
  label: string;
  duration: string;
  hint: string;
}[] = [
  {
    seconds: 0,
    label: "No overlap",
    duration: "no time",
    hint: "The current value stops working the moment you reset. Choose this if it may have leaked.",
  },
  {
    seconds: 3600,
    label: "1 hour",
    duration: "1 hour",
    hint: "Both values work for an hour: time to deploy the new one without an outage.",
  },
  {
    seconds: 86_400,
    label: "24 hours",
    duration: "24 hours",
    hint: "Both values work for a day, for services that are updated once a day.",
  },
  {
    seconds: MAX_GRACE_SECONDS,
    label: "7 days",
    duration: "7 days",
    hint: "Both values work for a week, the longest overlap: for values copied to many places.",
  },
];

/** Until when a key's old value still works after a reset, if that is still ahead. */
export function pendingOldValue(
  key: { previous_expires_at: string | null },
  now: Date = new Date(),
): string | undefined {
  const until = key.previous_expires_at;
  if (until === null) return undefined;
  return new Date(until).getTime() > now.getTime() ? until : undefined;
}
