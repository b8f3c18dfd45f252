import { useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { Webhook, WebhookWithSecret } from "../api/types.js";
import { AddWebhookDialog } from "../components/AddWebhookDialog.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { DeliveryLog } from "../components/DeliveryLog.js";
import { TableSkeleton } from "../components/KeysTable.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { Spinner } from "../components/Spinner.js";
import { Time } from "../components/Time.js";
import { useAnnounce } from "../components/Toasts.js";
import { useAction } from "../lib/useAction.js";
import { navigate } from "../lib/useHashRoute.js";
import { useLoad } from "../lib/useLoad.js";
import { eventsSummary } from "../lib/webhookEvents.js";

/** Which endpoint is being changed, and how. */
type Busy = { id: number; action: "test" | "pause" | "delete" };

/** The secret lives only in the shown-once dialog, never in the list. */
function withoutSecret({ secret: _secret, ...rest }: WebhookWithSecret): Webhook {
  return rest;
}

/**
 * Webhook endpoints: where the account's key events are sent. Add (the signing secret shown
 * once), pause or resume, send a test, delete; the selected endpoint's delivery log below,
 * its id in the address (`#/webhooks?endpoint=3`).
 */
export function WebhooksPage({ query }: { query: URLSearchParams }) {
  const api = useApi();
  const announce = useAnnounce();
  const hooks = useLoad(() => api.listWebhooks(), [api]);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<Webhook>();
  const { busy, busyWith, problem, run } = useAction<Busy>();
  const [refresh, setRefresh] = useState(0);
  const list = hooks.state.data;
  const selectedId = Number(query.get("endpoint"));
  const selected = list?.find((h) => h.id === selectedId);

  const sendTest = (hook: Webhook) =>
    run(
      async () => {
        await api.testWebhook(hook.id);
        announce("Test event queued. Its delivery appears in the log.");
        navigate(`/webhooks?endpoint=${hook.id}`);
        setRefresh((n) => n + 1);
      },
      { tag: { id: hook.id, action: "test" } },
    );

  const toggle = (hook: Webhook) =>
    run(
      async () => {
        const changed = await api.updateWebhook(hook.id, { active: !hook.active });
        hooks.update((all) => all.map((h) => (h.id === changed.id ? changed : h)));
        announce(
          changed.active
            ? "Endpoint resumed: events are sent to it again."
            : "Endpoint paused: new events wait until you resume it.",
        );
      },
      { tag: { id: hook.id, action: "pause" } },
    );

  const remove = (hook: Webhook) =>
    run(
      async () => {
        await api.deleteWebhook(hook.id);
        hooks.update((all) => all.filter((h) => h.id !== hook.id));
        setDeleting(undefined);
        if (selectedId === hook.id) navigate("/webhooks");
        announce("Endpoint deleted. Nothing more is sent to it.");
      },
      {
        tag: { id: hook.id, action: "delete" },
        // Already gone (deleted elsewhere): it leaves the list all the same.
        handle: (info) => {
          if (info.status !== 404) return false;
          hooks.update((all) => all.filter((h) => h.id !== hook.id));
          setDeleting(undefined);
          return true;
        },
      },
    );

  return (
    <>
      <div className="page-header">
        <h1 tabIndex={-1}>Webhooks</h1>
      </div>
      <section className="card" aria-labelledby="webhooks-heading">
        <div className="card-header">
          <div>
            <h2 id="webhooks-heading">Endpoints</h2>
            <p className="muted">
              Latchkey sends this account’s key events (created, reset, deleted, expiring, expired,
              leaked, unused) to these URLs as signed POST requests, and retries until they are
              received.
            </p>
          </div>
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            <span aria-hidden="true">+</span> Add endpoint
          </button>
        </div>
        {problem && <ProblemBanner problem={problem} />}
        {hooks.state.status === "error" && (
          <ProblemBanner
            problem={hooks.state.problem}
            onRetry={hooks.reload}
            title="Endpoints could not be loaded"
          />
        )}
        {list === undefined ? (
          hooks.state.status === "loading" && <TableSkeleton columns={5} rows={2} />
        ) : list.length === 0 ? (
          <div className="empty-state">
            <svg viewBox="0 0 48 48" width="48" height="48" aria-hidden="true">
              <path
                d="M10 30a8 8 0 1 0 8 8h14M30 12a8 8 0 1 0-8 8l-6 11M36 40a8 8 0 1 0-2-15l-7-12"
                stroke="currentColor"
                strokeWidth="3"
                strokeLinecap="round"
                fill="none"
              />
            </svg>
            <h3>No webhook endpoints yet</h3>
            <p>
              Add one to hear about key events as they happen: a leaked key revoked, a key about to
              expire, a key deleted for being unused. Each request carries a signature your receiver
              checks with the endpoint’s secret.
            </p>
            <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
              Add your first endpoint
            </button>
          </div>
        ) : (
          <table className="table webhooks-table">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Secret</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((hook) => (
                <tr
                  key={hook.id}
                  data-webhook-id={hook.id}
                  className={hook.id === selectedId ? "row-selected" : undefined}
                >
                  <th scope="row" className="cell-name" data-label="URL">
                    <span className="mono webhook-url">{hook.url}</span>
                    {hook.description && <span className="cell-sub">{hook.description}</span>}
                  </th>
                  <td data-label="Events">{eventsSummary(hook.events)}</td>
                  <td data-label="Status">
                    <span className={`badge ${hook.active ? "badge-success" : ""}`}>
                      {hook.active ? "Active" : "Paused"}
                    </span>
                  </td>
                  <td data-label="Secret">
                    <code className="key-hint">whsec_…{hook.secret_last4}</code>
                  </td>
                  <td data-label="Added">
                    <Time iso={hook.created_at} />
                  </td>
                  <td className="cell-actions">
                    <a
                      className="button button-small"
                      href={`#/webhooks?endpoint=${hook.id}`}
                      aria-current={hook.id === selectedId ? "true" : undefined}
                      aria-label={`Deliveries to ${hook.url}`}
                    >
                      Deliveries
                    </a>
                    <button
                      type="button"
                      className="button button-small"
                      disabled={busy || !hook.active}
                      title={hook.active ? undefined : "Resume the endpoint to send a test"}
                      aria-label={`Send a test event to ${hook.url}`}
                      onClick={() => sendTest(hook)}
                    >
                      {busyWith?.id === hook.id && busyWith.action === "test" && <Spinner />}
                      Send test
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      disabled={busy}
                      aria-label={`${hook.active ? "Pause" : "Resume"} ${hook.url}`}
                      onClick={() => toggle(hook)}
                    >
                      {busyWith?.id === hook.id && busyWith.action === "pause" && <Spinner />}
                      {hook.active ? "Pause" : "Resume"}
                    </button>
                    <button
                      type="button"
                      className="button button-small button-danger-quiet"
                      disabled={busy}
                      aria-label={`Delete ${hook.url}`}
                      onClick={() => setDeleting(hook)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {selected && <DeliveryLog key={selected.id} hook={selected} refresh={refresh} />}
      {list !== undefined && selectedId > 0 && !selected && (
        <p className="banner banner-info" role="status">
          Endpoint {selectedId} is not in this account (it may have been deleted).
        </p>
      )}

      {adding && (
        <AddWebhookDialog
          onCreated={(hook) => hooks.update((all) => [...all, withoutSecret(hook)])}
          onClose={() => {
            setAdding(false);
            hooks.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this endpoint?"
          confirmLabel="Delete endpoint"
          busyLabel="Deleting…"
          busy={busy}
          onConfirm={() => remove(deleting)}
          onCancel={() => setDeleting(undefined)}
        >
          <p>
            Latchkey stops sending events to{" "}
            <span className="mono webhook-url-inline">{deleting.url}</span>.{" "}
            <strong>Its delivery log and any deliveries still pending are deleted too.</strong>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
