import { useId, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { ApiKey } from "../api/types.js";
import {
  countsText,
  dailyBuckets,
  hourlyBuckets,
  totalsOf,
  USAGE_HOURS,
} from "../lib/usageBuckets.js";
import { useLoad } from "../lib/useLoad.js";
import { Dialog } from "./Dialog.js";
import { ProblemBanner } from "./ProblemBanner.js";
import { Spinner } from "./Spinner.js";
import { UsageChart } from "./UsageChart.js";

type Range = "week" | "day";

const RANGES: { value: Range; label: string; phrase: string }[] = [
  { value: "week", label: "Last 7 days", phrase: "in the last 7 days" },
  { value: "day", label: "Last 24 hours", phrase: "in the last 24 hours" },
];

/**
 * A key's requests in detail: per day over a week or per hour over a day, as a chart for the
 * eye and the same numbers as a table (always there for screen readers; shown on request).
 */
export function UsageDialog({ apiKey, onClose }: { apiKey: ApiKey; onClose: () => void }) {
  const api = useApi();
  const id = useId();
  const [range, setRange] = useState<Range>("week");
  const [showTable, setShowTable] = useState(false);
  const usage = useLoad(() => api.apiKeyUsage(apiKey.id, USAGE_HOURS), [api, apiKey.id]);
  const data = usage.state.data;
  const buckets =
    data === undefined ? [] : range === "week" ? dailyBuckets(data, 7) : hourlyBuckets(data, 24);
  const totals = totalsOf(buckets);
  const phrase = RANGES.find((r) => r.value === range)?.phrase ?? "";

  return (
    <Dialog title={`Usage of “${apiKey.name}”`} onRequestClose={onClose} size="large">
      <div className="dialog-body usage-details">
        <p className="muted">
          Requests made with this key: <strong>verified</strong> ones were let through,{" "}
          <strong>denied</strong> ones were refused (a permission it lacks, an address not allowed).
        </p>
        <div className="usage-toolbar">
          <fieldset className="mode-switch">
            <legend className="visually-hidden">Period</legend>
            {RANGES.map((r) => (
              <button
                key={r.value}
                type="button"
                className="mode-button"
                aria-pressed={range === r.value}
                onClick={() => setRange(r.value)}
              >
                {r.label}
              </button>
            ))}
          </fieldset>
          <button
            type="button"
            className="button button-small"
            onClick={usage.reload}
            aria-disabled={usage.state.status === "loading"}
          >
            {usage.state.status === "loading" && <Spinner />}
            Refresh
          </button>
        </div>
        {usage.state.status === "error" && (
          <ProblemBanner
            problem={usage.state.problem}
            onRetry={usage.reload}
            title="Usage could not be loaded"
          />
        )}
        {data === undefined ? (
          usage.state.status === "loading" && (
            <div className="usage-chart-placeholder skeleton" role="status">
              <span className="visually-hidden">Loading usage…</span>
            </div>
          )
        ) : (
          <figure className="usage-figure" aria-labelledby={`${id}-caption`}>
            <figcaption id={`${id}-caption`} className="usage-summary" aria-live="polite">
              <span className="legend legend-verified">{totals.verified} verified</span>
              <span className="legend legend-denied">{totals.denied} denied</span>
              <span className="muted">{phrase}</span>
            </figcaption>
            <UsageChart buckets={buckets} />
            <table
              className={`table usage-table${showTable ? "" : " visually-hidden"}`}
              id={`${id}-table`}
            >
              <caption className="visually-hidden">
                Requests with {apiKey.name} {phrase}: {countsText(totals)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{range === "week" ? "Day" : "Hour"}</th>
                  <th scope="col">Verified</th>
                  <th scope="col">Denied</th>
                </tr>
              </thead>
              <tbody>
                {buckets.map((b) => (
                  <tr key={b.start} data-start={b.start}>
                    <th scope="row">{b.long}</th>
                    <td data-label="Verified">{b.verified}</td>
                    <td data-label="Denied">{b.denied}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </figure>
        )}
        <div className="dialog-actions usage-actions">
          {data !== undefined && (
            <button
              type="button"
              className="button"
              aria-pressed={showTable}
              onClick={() => setShowTable((s) => !s)}
            >
              {showTable ? "Hide the table" : "Show as a table"}
            </button>
          )}
          <button type="button" className="button button-primary" onClick={onClose} data-autofocus>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
