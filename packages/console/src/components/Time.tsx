import { absoluteTime, relativeTime } from "../lib/formatTime.js";

/** A time shown relative ("3 hours ago"), with the exact date on hover and for readers. */
export function Time({ iso, empty = "—" }: { iso: string | null; empty?: string }) {
  if (iso === null) return <span className="muted">{empty}</span>;
  const exact = absoluteTime(iso);
  return (
    <time dateTime={iso} title={exact}>
      {relativeTime(iso)}
    </time>
  );
}
