import type { Context } from "../context.js";
import { permissionSummary } from "../permissionSummary.js";
import { renderFields, renderTable } from "./table.js";
import { formatTime } from "./time.js";

/** The fields of an API key the CLI shows (the server sends more; never the secret). */
export interface KeyFields {
  id: number;
  name: string;
  permissions: unknown;
  key_params?: unknown;
  prefix: string;
  last4: string;
  created_at: string;
  last_used_at?: string | null;
  last_used_ip?: string | null;
  expires_at?: string | null;
  /** After a reset with a grace window: until when the old secret still works. */
  previous_expires_at?: string | null;
}

/** `lk_Ab3d…x9Z1`: enough to tell keys apart, never enough to use one. */
export const shownKey = (key: { prefix: string; last4: string }) => `${key.prefix}…${key.last4}`;

/** "works until 2026-03-10 13:00 UTC (in 59 minutes)" while a reset's old secret works. */
const oldSecret = (key: KeyFields, now: Date) =>
  key.previous_expires_at ? `works until ${formatTime(key.previous_expires_at, now)}` : undefined;

export function keysTable(ctx: Context, keys: readonly KeyFields[]): string {
  const now = ctx.now();
  // The column appears only while some key is in a grace window, so the usual table stays narrow.
  const withOld = keys.some((key) => oldSecret(key, now) !== undefined);
  return renderTable(
    [
      "ID",
      "NAME",
      "KEY",
      "PERMISSIONS",
      "CREATED",
      "LAST USED",
      "EXPIRES",
      ...(withOld ? ["OLD SECRET"] : []),
    ],
    keys.map((key) => [
      String(key.id),
      key.name,
      shownKey(key),
      permissionSummary(key.permissions),
      formatTime(key.created_at, now),
      formatTime(key.last_used_at, now, "never"),
      formatTime(key.expires_at, now, "never"),
      ...(withOld ? [oldSecret(key, now) ?? "—"] : []),
    ]),
    ctx.out.bold,
  );
}

function oldSecretField(key: KeyFields, now: Date): [string, string][] {
  const until = oldSecret(key, now);
  if (until === undefined) return [];
  return [
    [
      "Old secret",
      `${until}, as does the new one (a reset with a grace window);\nend it now with 'latchkey end grace-window ${key.id}'`,
    ],
  ];
}

export function keyDetails(ctx: Context, key: KeyFields): string {
  const now = ctx.now();
  const used = formatTime(key.last_used_at, now, "never");
  return renderFields(
    [
      ["ID", String(key.id)],
      ["Name", key.name],
      ["Key", `${shownKey(key)} (the full key was shown once, when it was created or reset)`],
      [
        "Permissions",
        key.permissions === null || key.permissions === undefined
          ? "full access"
          : JSON.stringify(key.permissions, null, 2),
      ],
      [
        "Key params",
        key.key_params === null || key.key_params === undefined
          ? "none"
          : JSON.stringify(key.key_params),
      ],
      ["Created", formatTime(key.created_at, now)],
      ["Last used", key.last_used_ip ? `${used} from ${key.last_used_ip}` : used],
      ["Expires", formatTime(key.expires_at, now, "never")],
      ...oldSecretField(key, now),
    ],
    ctx.out.bold,
  );
}
