import { type KeyUsage, type UsageBucket, usageBuckets } from "@latchkey/sdk";
import type { Colours } from "./colours.js";
import { renderTable } from "./table.js";
import { absoluteTime } from "./time.js";

const HOUR = 3_600_000;
/** Up to this many hours the chart has one mark per hour; beyond it, one per day. */
export const HOURLY_UP_TO = 72;

/** Every hour of the window, or every UTC day beyond HOURLY_UP_TO hours, oldest first. */
export function chartBuckets(usage: KeyUsage): { size: "hour" | "day"; buckets: UsageBucket[] } {
  const hours = Math.round((Date.parse(usage.to) - Date.parse(usage.from)) / HOUR) + 1;
  const size = hours <= HOURLY_UP_TO ? "hour" : "day";
  return { size, buckets: usageBuckets(usage, { size }) };
}

const BARS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/** One mark per value: `·` for none, else a bar scaled to the largest (any request shows). */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => {
      if (value <= 0) return "·";
      const level = Math.ceil((value / max) * BARS.length) - 1;
      return BARS[Math.min(BARS.length - 1, Math.max(0, level))];
    })
    .join("");
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? "" : "s"}`;

/** "the last 24 hours", "the last 7 days". */
function period(usage: KeyUsage): string {
  const hours = Math.round((Date.parse(usage.to) - Date.parse(usage.from)) / HOUR) + 1;
  return hours % 24 === 0 && hours > 24
    ? `the last ${plural(hours / 24, "day")}`
    : `the last ${plural(hours, "hour")}`;
}

/**
 * For people: totals, a sparkline per outcome across the whole window, and a table of the hours
 * (or days) that had requests.
 */
export function usageReport(usage: KeyUsage, style: Pick<Colours, "bold" | "red">): string {
  const { verified, denied } = usage.totals;
  const all = verified + denied;
  const share = all === 0 ? "" : ` (${Math.round((denied / all) * 100)}%)`;
  const head =
    `API key ${usage.key_id}, ${period(usage)} (since ${absoluteTime(new Date(usage.from))}):\n` +
    `  ${verified} verified, ${denied} denied${share}\n`;
  if (all === 0) return `${head}\nNo requests with this key in that time.\n`;
  const { size, buckets } = chartBuckets(usage);
  const line = (label: string, values: number[]) =>
    `  ${label.padEnd(8)}  ${sparkline(values)}  max ${Math.max(...values)}/${size}`;
  const verifiedLine = line(
    "verified",
    buckets.map((b) => b.verified),
  );
  const deniedLine = line(
    "denied",
    buckets.map((b) => b.denied),
  );
  // Red only when something was refused: a row of dots is no alarm.
  const chart =
    `\nPer ${size}, oldest left (· none):\n${verifiedLine}\n` +
    `${denied > 0 ? style.red(deniedLine) : deniedLine}\n`;
  const busy = buckets.filter((b) => b.verified + b.denied > 0);
  const label = (start: string) =>
    size === "hour" ? absoluteTime(new Date(start)).replace(" UTC", "") : start.slice(0, 10);
  const width = (header: string, values: number[]) =>
    Math.max(header.length, ...values.map((v) => String(v).length));
  const vw = width(
    "VERIFIED",
    busy.map((b) => b.verified),
  );
  const dw = width(
    "DENIED",
    busy.map((b) => b.denied),
  );
  const table = renderTable(
    [size === "hour" ? "HOUR (UTC)" : "DAY (UTC)", "VERIFIED".padStart(vw), "DENIED".padStart(dw)],
    busy.map((b) => [
      label(b.start),
      String(b.verified).padStart(vw),
      String(b.denied).padStart(dw),
    ]),
    style.bold,
  );
  return `${head}${chart}\n${table}`;
}
