import { useEffect, useId, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { DeliveryStatus, Webhook, WebhookDelivery } from "../api/types.js";
import { useAction } from "../lib/useAction.js";
import { useLoad } from "../lib/useLoad.js";
import { DELIVERY_STATUS, eventLabel, lastAnswer } from "../lib/webhookEvents.js";
import { TableSkeleton } from "./KeysTable.js";
import { ProblemBanner } from "./ProblemBanner.js";
import { Spinner } from "./Spinner.js";
import { Time } from "./Time.js";
import { useAnnounce } from "./Toasts.js";

/** While a delivery is pending the log looks again this often, so its outcome appears. */
const POLL_MS = 2000;

/**
 * One endpoint's delivery log, newest first: event, status, attempts, the last answer, and
 * a Redeliver action (a new delivery of the same event, same Latchkey-Event-Id).
 */
export function DeliveryLog({ hook, refresh }: { hook: Webhook; refresh: number }) {
  const api = useApi();
  const announce = useAnnounce();
  const id = useId();
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const { busy, busyWith, problem, run } = useAction<number>();
  const log = useLoad(
    () => api.webhookDeliveries(hook.id, status ? { status } : {}),
    [api, hook.id, status, refresh],
  );
  const rows = log.state.data;
  const pending = rows?.some((d) => d.status === "pending") ?? false;

  // Pending deliveries change on the server: look again until none is left.
  useEffect(() => {
    if (!pending || log.state.status !== "ready") return;
    const timer = setTimeout(log.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [pending, log.state, log.reload]);

  const redeliver = (delivery: WebhookDelivery) =>
    run(
      async () => {
        await api.redeliver(hook.id, delivery.id);
        announce(`Event ${eventLabel(delivery.event_type)} queued again.`);
        log.reload();
      },
      { tag: delivery.id },
    );

  return (
    <section className="card" aria-labelledby={`${id}-heading`} data-testid="delivery-log">
      <div className="card-header">
        <div>
          <h2 id={`${id}-heading`}>Deliveries</h2>
          <p className="muted">
            To <span className="mono webhook-url-inline">{hook.url}</span>, newest first. Each event
            is retried with backoff until the receiver answers 2xx; a redelivery sends the same body
            with the same Latchkey-Event-Id.
          </p>
        </div>
        <div className="log-controls">
          <div className="field field-inline">
            <label htmlFor={`${id}-status`}>Status</label>
            <select
              id={`${id}-status`}
              value={status}
              onChange={(e) => setStatus(e.target.value as DeliveryStatus | "")}
            >
              <option value="">Any</option>
              <option value="pending">Pending</option>
              <option value="delivered">Delivered</option>
              <option value="failed">Failed</option>
            </select>
          </div>
          <button
            type="button"
            className="button button-small"
            onClick={log.reload}
            aria-disabled={log.state.status === "loading"}
          >
            {log.state.status === "loading" && <Spinner />}
            Refresh
          </button>
        </div>
      </div>
      {problem && <ProblemBanner problem={problem} title="The event was not sent again" />}
      {log.state.status === "error" && (
        <ProblemBanner
          problem={log.state.problem}
          onRetry={log.reload}
          title="Deliveries could not be loaded"
        />
      )}
      {rows === undefined ? (
        log.state.status === "loading" && <TableSkeleton columns={5} rows={2} />
      ) : rows.length === 0 ? (
        <p className="empty-inline">
          {status
            ? "No deliveries with this status."
            : "Nothing sent yet. Key events of this account appear here; Send test sends one now."}
        </p>
      ) : (
        <table className="table deliveries-table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Last answer</th>
              <th scope="col">Queued</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => {
              const shown = DELIVERY_STATUS[d.status];
              return (
                <tr key={d.id} data-delivery-id={d.id} data-status={d.status}>
                  <th scope="row" className="cell-name" data-label="Event">
                    <span className="mono">{eventLabel(d.event_type)}</span>
                    <span className="cell-sub mono" title="Latchkey-Event-Id">
                      {d.event_id}
                    </span>
                    {d.redelivery_of !== null && (
                      <span className="cell-sub">Redelivery of #{d.redelivery_of}</span>
                    )}
                  </th>
                  <td data-label="Status">
                    <span className={`badge ${shown.badge}`}>{shown.label}</span>
                    <span className="cell-sub">
                      {d.attempts} of {d.max_attempts} attempts
                    </span>
                    {d.status === "pending" && d.next_attempt_at && d.attempts > 0 && (
                      <span className="cell-sub">
                        Next <Time iso={d.next_attempt_at} />
                      </span>
                    )}
                  </td>
                  <td data-label="Last answer" className="cell-answer">
                    {lastAnswer(d)}
                    {d.last_attempt_at && (
                      <span className="cell-sub">
                        <Time iso={d.last_attempt_at} />
                      </span>
                    )}
                  </td>
                  <td data-label="Queued">
                    <Time iso={d.created_at} />
                  </td>
                  <td className="cell-actions">
                    <details className="payload">
                      <summary>Body</summary>
                      <pre className="mono">{JSON.stringify(d.payload, null, 2)}</pre>
                    </details>
                    <button
                      type="button"
                      className="button button-small"
                      disabled={busy || !hook.active}
                      aria-label={`Redeliver ${eventLabel(d.event_type)} ${d.event_id}`}
                      title={hook.active ? undefined : "Resume the endpoint to send again"}
                      onClick={() => redeliver(d)}
                    >
                      {busyWith === d.id && <Spinner />}
                      Redeliver
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
