import { type FormEvent, useEffect, useId, useMemo, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { AuditFilter, AuditLog, PermissionTree } from "../api/types.js";
import { TableSkeleton } from "../components/KeysTable.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { Spinner } from "../components/Spinner.js";
import { Time } from "../components/Time.js";
import { type Area, areasOf, summarizePermissions } from "../lib/permissionAreas.js";
import { useAction } from "../lib/useAction.js";
import { navigate } from "../lib/useHashRoute.js";
import { useLoad } from "../lib/useLoad.js";

const PAGE = 50;

const ACTIONS: { value: string; label: string }[] = [
  { value: "", label: "Any action" },
  { value: "api_key.create", label: "Key created" },
  { value: "api_key.reset", label: "Key reset" },
  { value: "api_key.delete", label: "Key deleted" },
  { value: "api_key.denied", label: "Use denied" },
  { value: "api_key.end_grace", label: "Old value stopped" },
  { value: "api_key.expiring", label: "Expiry reminder" },
  { value: "api_key.expired", label: "Key expired" },
  { value: "api_key.revoked_unused", label: "Unused key deleted" },
  { value: "api_key.leaked", label: "Leaked key revoked" },
  { value: "account.policy", label: "Policy changed" },
  { value: "webhook.create", label: "Webhook added" },
  { value: "webhook.update", label: "Webhook changed" },
  { value: "webhook.delete", label: "Webhook deleted" },
  { value: "webhook.redeliver", label: "Webhook event sent again" },
  { value: "session.login", label: "Signed in" },
  { value: "session.end", label: "Session ended" },
  { value: "session.end_others", label: "Other sessions ended" },
];

function actionLabel(action: string): string {
  return ACTIONS.find((a) => a.value === action)?.label ?? action;
}

/** A counted refusal's repeats: its row stands for every one of them within its minute. */
function repeatText(count: number): string {
  return `× ${count.toLocaleString("en")} in this minute`;
}

/** "id: 2 · name: dashboard": the top-level fields; a permission tree as its summary. */
function argsText(args: unknown, areas: readonly Area[]): string {
  if (args === null || args === undefined) return "";
  if (typeof args !== "object" || Array.isArray(args)) return JSON.stringify(args);
  return Object.entries(args as Record<string, unknown>)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => {
      if (name === "permissions")
        return `${name}: ${summarizePermissions(value as PermissionTree | null, areas)}`;
      if (value === null) return "";
      return `${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`;
    })
    .filter((part) => part !== "")
    .join(" · ");
}

/** The account's audit log, newest first, filtered by action and key; filters live in the URL. */
export function AuditPage({ query }: { query: URLSearchParams }) {
  const api = useApi();
  const id = useId();
  const action = query.get("action") ?? "";
  const keyParam = query.get("api_key_id") ?? "";
  const keyId = /^\d+$/.test(keyParam) ? Number(keyParam) : undefined;
  const [actionInput, setActionInput] = useState(action);
  const [keyInput, setKeyInput] = useState(keyParam);
  const [keyError, setKeyError] = useState<string>();
  const [older, setOlder] = useState<AuditLog[]>([]);
  const {
    busy: olderBusy,
    problem: olderProblem,
    setProblem: setOlderProblem,
    run: runOlder,
  } = useAction();
  const [exhausted, setExhausted] = useState(false);

  const filter: AuditFilter = {
    ...(action ? { action } : {}),
    ...(keyId !== undefined ? { api_key_id: keyId } : {}),
  };
  const first = useLoad(() => api.auditLogs({ ...filter, limit: PAGE }), [api, action, keyId]);
  // Permission trees are summarised by the catalogue's areas, as on the Keys page.
  const catalogue = useLoad(() => api.permissionCatalogue(), [api]);
  const categories = catalogue.state.data?.categories;
  const areas = useMemo(() => (categories ? areasOf(categories) : []), [categories]);

  // A new filter (also from the address bar or Back) starts from the newest rows again.
  useEffect(() => {
    setActionInput(action);
    setKeyInput(keyParam);
    setOlder([]);
    setExhausted(false);
    setOlderProblem(undefined);
  }, [action, keyParam, setOlderProblem]);

  const rows = first.state.data === undefined ? undefined : [...first.state.data, ...older];
  const more =
    rows !== undefined && !exhausted && (first.state.data?.length ?? 0) === PAGE && rows.length > 0;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const key = keyInput.trim();
    if (key !== "" && !/^[1-9]\d{0,9}$/.test(key)) {
      setKeyError("A key ID is a positive whole number, as in the Keys table.");
      return;
    }
    setKeyError(undefined);
    const params = new URLSearchParams();
    if (actionInput) params.set("action", actionInput);
    if (key) params.set("api_key_id", key);
    const suffix = params.size > 0 ? `?${params}` : "";
    navigate(`/audit${suffix}`);
    if (`?${params}` === `?${query}`) first.reload();
  };

  const loadOlder = async () => {
    const last = rows?.at(-1);
    if (!last) return;
    await runOlder(async () => {
      const page = await api.auditLogs({ ...filter, before: last.id, limit: PAGE });
      setOlder((o) => [...o, ...page]);
      if (page.length < PAGE) setExhausted(true);
    });
  };

  return (
    <>
      <div className="page-header">
        <h1 tabIndex={-1}>Audit log</h1>
      </div>
      <section className="card" aria-labelledby={`${id}-heading`}>
        <div className="card-header">
          <div>
            <h2 id={`${id}-heading`}>Events</h2>
            <p className="muted">
              Every key created, reset, deleted or refused, and every sign-in, newest first. A
              refusal repeated within a minute is one row with its count. Secrets are never
              recorded.
            </p>
          </div>
        </div>
        <form className="filters" onSubmit={apply} noValidate>
          <div className="field">
            <label htmlFor={`${id}-action`}>Action</label>
            <select
              id={`${id}-action`}
              value={actionInput}
              onChange={(e) => setActionInput(e.target.value)}
            >
              {ACTIONS.map((a) => (
                <option key={a.value} value={a.value}>
                  {a.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-key`}>Key ID</label>
            <input
              id={`${id}-key`}
              inputMode="numeric"
              value={keyInput}
              placeholder="Any"
              onChange={(e) => setKeyInput(e.target.value)}
              aria-invalid={keyError ? true : undefined}
              aria-describedby={`${id}-key-hint${keyError ? ` ${id}-key-error` : ""}`}
            />
            <p id={`${id}-key-hint`} className="field-hint">
              The key or session that made the request.
            </p>
            {keyError && (
              <p id={`${id}-key-error`} className="field-error">
                {keyError}
              </p>
            )}
          </div>
          <div className="filters-actions">
            <button type="submit" className="button button-primary">
              Apply filters
            </button>
            {(action || keyParam) && (
              <button type="button" className="button" onClick={() => navigate("/audit")}>
                Clear
              </button>
            )}
          </div>
        </form>
        {first.state.status === "error" && (
          <ProblemBanner
            problem={first.state.problem}
            onRetry={first.reload}
            title="The audit log could not be loaded"
          />
        )}
        {rows === undefined ? (
          first.state.status === "loading" && <TableSkeleton columns={5} rows={4} />
        ) : rows.length === 0 ? (
          <p className="empty-inline">
            {action || keyParam ? "No events match these filters." : "No events yet."}
          </p>
        ) : (
          <table
            className={`table audit-table${first.state.status === "loading" ? " is-stale" : ""}`}
            aria-busy={first.state.status === "loading"}
          >
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Key ID</th>
                <th scope="col">Route</th>
                <th scope="col">IP address</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-action={row.action}>
                  <td data-label="When" className="cell-when">
                    <Time iso={row.created_at} />
                  </td>
                  <th scope="row" data-label="Action">
                    <span
                      className={`badge${row.action.endsWith("denied") ? " badge-danger" : ""}`}
                    >
                      {actionLabel(row.action)}
                    </span>
                    {row.count > 1 && <span className="audit-count">{repeatText(row.count)}</span>}
                  </th>
                  <td data-label="Key ID">{row.api_key_id ?? "—"}</td>
                  <td data-label="Route">
                    <code className="route">
                      <span className="route-method">{row.api_route.split(" ")[0]}</span>{" "}
                      {row.api_route.split(" ").slice(1).join(" ")}
                    </code>
                  </td>
                  <td data-label="IP address">{row.ip_address ?? "—"}</td>
                  <td data-label="Details">
                    <code className="args">{argsText(row.args, areas)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {olderProblem && <ProblemBanner problem={olderProblem} onRetry={loadOlder} />}
        {more && (
          <div className="load-more">
            <button type="button" className="button" onClick={loadOlder} disabled={olderBusy}>
              {olderBusy && <Spinner />}
              Load older events
            </button>
          </div>
        )}
      </section>
    </>
  );
}
