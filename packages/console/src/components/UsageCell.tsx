import { useApi } from "../api/ApiContext.js";
import type { ApiKey } from "../api/types.js";
import { countsText, dailyBuckets, totalsOf, USAGE_HOURS } from "../lib/usageBuckets.js";
import { useLoad } from "../lib/useLoad.js";
import { UsageSparkline } from "./UsageChart.js";

/**
 * The row's usage: the last 7 days as small bars with the totals beside them, a button that
 * opens the details. Loads again whenever `refresh` changes (the page reloaded its keys).
 */
export function UsageCell({
  apiKey,
  refresh,
  onOpen,
}: {
  apiKey: ApiKey;
  refresh: number;
  onOpen: (key: ApiKey) => void;
}) {
  const api = useApi();
  const usage = useLoad(() => api.apiKeyUsage(apiKey.id, USAGE_HOURS), [api, apiKey.id, refresh]);
  const data = usage.state.data;
  if (data === undefined) {
    return usage.state.status === "error" ? (
      <button
        type="button"
        className="link-button usage-unavailable"
        onClick={usage.reload}
        aria-label={`Usage of ${apiKey.name} could not be loaded. Try again`}
      >
        Not loaded · retry
      </button>
    ) : (
      <span className="skeleton usage-skeleton" aria-hidden="true" />
    );
  }
  const buckets = dailyBuckets(data, 7);
  const totals = totalsOf(buckets);
  return (
    <button
      type="button"
      className="usage-button"
      onClick={() => onOpen(apiKey)}
      aria-label={`Usage of ${apiKey.name}, last 7 days: ${countsText(totals)}. Show details`}
      data-testid="usage-button"
    >
      <UsageSparkline buckets={buckets} />
      <span className="usage-counts" aria-hidden="true">
        <span className="usage-verified">{totals.verified}</span>
        {totals.denied > 0 && <span className="usage-denied"> · {totals.denied} denied</span>}
      </span>
    </button>
  );
}
