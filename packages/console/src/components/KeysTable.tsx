import { useMemo } from "react";
import type { ApiKey, Catalogue } from "../api/types.js";
import { pendingOldValue } from "../lib/grace.js";
import { areasOf, summarizePermissions } from "../lib/permissionAreas.js";
import { useNow } from "../lib/useNow.js";
import { Time } from "./Time.js";
import { UsageCell } from "./UsageCell.js";

function expired(key: ApiKey, now: Date): boolean {
  return key.expires_at !== null && new Date(key.expires_at).getTime() <= now.getTime();
}

/** The API Keys table; below 720px wide each row becomes a card. */
export function KeysTable({
  keys,
  catalogue,
  refresh,
  onReset,
  onDelete,
  onEndGrace,
  onUsage,
}: {
  keys: ApiKey[];
  catalogue: Catalogue | undefined;
  /** Changes when the page reloads its keys: the usage of each row loads again. */
  refresh: number;
  onReset: (key: ApiKey) => void;
  onDelete: (key: ApiKey) => void;
  onEndGrace: (key: ApiKey) => void;
  onUsage: (key: ApiKey) => void;
}) {
  // Relative times, expiry and the end of an overlap stay true while the page is open.
  const now = useNow();
  const categories = catalogue?.categories;
  const areas = useMemo(() => (categories ? areasOf(categories) : []), [categories]);
  return (
    <table className="table keys-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Key</th>
          <th scope="col">Permissions</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">Usage · 7 days</th>
          <th scope="col">Expires</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => {
          const oldUntil = pendingOldValue(key, now);
          return (
            <tr key={key.id} data-key-id={key.id}>
              <th scope="row" className="cell-name" data-label="Name">
                {key.name}
              </th>
              <td data-label="Key">
                <div className="cell-stack">
                  <code className="key-hint">
                    {key.prefix}…{key.last4}
                  </code>
                  {oldUntil && (
                    <div className="grace-note" data-testid="grace-note">
                      <span>
                        Old value still works; it stops <Time iso={oldUntil} exact />
                      </span>
                      <button
                        type="button"
                        className="link-button"
                        aria-label={`Stop the old value of ${key.name} now`}
                        onClick={() => onEndGrace(key)}
                      >
                        End now
                      </button>
                    </div>
                  )}
                </div>
              </td>
              <td data-label="Permissions" className="cell-permissions">
                {summarizePermissions(key.permissions, areas, catalogue?.presets)}
              </td>
              <td data-label="Created">
                <Time iso={key.created_at} />
              </td>
              <td data-label="Last used">
                <Time iso={key.last_used_at} empty="Never" />
                {key.last_used_ip && <span className="cell-sub">{key.last_used_ip}</span>}
              </td>
              <td data-label="Usage">
                <UsageCell apiKey={key} refresh={refresh} onOpen={onUsage} />
              </td>
              <td data-label="Expires">
                {expired(key, now) ? (
                  <span className="badge badge-danger">Expired</span>
                ) : (
                  <Time iso={key.expires_at} empty="Never" />
                )}
              </td>
              <td className="cell-actions">
                <button
                  type="button"
                  className="button button-small"
                  aria-label={`Reset ${key.name}`}
                  onClick={() => onReset(key)}
                >
                  Reset
                </button>
                <button
                  type="button"
                  className="button button-small button-danger-quiet"
                  aria-label={`Delete ${key.name}`}
                  onClick={() => onDelete(key)}
                >
                  Delete
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Rows of the same height as real ones while the first load runs, so nothing jumps. */
export function TableSkeleton({ columns, rows = 3 }: { columns: number; rows?: number }) {
  return (
    <div className="table-skeleton" aria-hidden="true">
      {Array.from({ length: rows }, (_, r) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity.
        <div key={r} className="skeleton-row">
          {Array.from({ length: columns }, (_, c) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity.
            <span key={c} className="skeleton skeleton-line" />
          ))}
        </div>
      ))}
    </div>
  );
}
