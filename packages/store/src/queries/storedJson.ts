/**
 * The JSON text columns (permissions, key_params, audit args, event payloads, webhook events).
 * The port carries values; they become text only here, written as JSON.stringify writes them,
 * which is the text every earlier version stored, so old and new rows read alike. Only this
 * server writes these columns, after validating what goes in, so reads parse without
 * re-checking.
 */
export function toStoredJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromStoredJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** SQL NULL stands for null (never the text `null`). */
export function toNullableJson(value: unknown): string | null {
  return value === null ? null : toStoredJson(value);
}

export function fromNullableJson<T>(text: string | null): T | null {
  return text === null ? null : fromStoredJson<T>(text);
}
