import { absoluteTime, relativeTime } from "../lib/formatTime.js";

/**
 * A time shown relative ("3 hours ago"), with the exact date on hover and for readers; with
 * `exact`, the date is shown beside it too ("in 1 hour (26 Nov 2026, 07:18)").
 */
export function Time({
  iso,
  empty = "—",
  exact = false,
}: {
  iso: string | null;
  empty?: string;
  exact?: boolean;
}) {
  if (iso === null) return <span className="muted">{empty}</span>;
  const date = absoluteTime(iso);
  return (
    <time dateTime={iso} title={date}>
      {relativeTime(iso)}
      {exact && <span className="time-exact"> ({date})</span>}
    </time>
  );
}
