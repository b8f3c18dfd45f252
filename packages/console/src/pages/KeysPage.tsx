import { useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { ApiKey, ApiKeyWithSecret, MyTeam } from "../api/types.js";
import { CreateKeyDialog } from "../components/CreateKeyDialog.js";
import { DeleteKeyDialog } from "../components/DeleteKeyDialog.js";
import { EndGraceDialog } from "../components/EndGraceDialog.js";
import { KeysTable, TableSkeleton } from "../components/KeysTable.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { ResetKeyDialog } from "../components/ResetKeyDialog.js";
import { useAnnounce } from "../components/Toasts.js";
import { UsageDialog } from "../components/UsageDialog.js";
import { useLoad } from "../lib/useLoad.js";

type Open =
  | { dialog: "create" }
  | { dialog: "reset"; key: ApiKey }
  | { dialog: "delete"; key: ApiKey }
  | { dialog: "endGrace"; key: ApiKey }
  | { dialog: "usage"; key: ApiKey }
  | undefined;

/** Strip the secret before a key joins the table: it lives only in the shown-once dialog. */
function withoutSecret({ key: _secret, ...rest }: ApiKeyWithSecret): ApiKey {
  return rest;
}

export function KeysPage({ team }: { team?: MyTeam | undefined } = {}) {
  const api = useApi();
  const announce = useAnnounce();
  const keys = useLoad(() => api.listApiKeys(), [api]);
  const catalogue = useLoad(() => api.permissionCatalogue(), [api]);
  // The lifecycle policy shapes the create dialog's expiry; without it the server still rules.
  const policy = useLoad(() => api.accountPolicy(), [api]);
  const [open, setOpen] = useState<Open>();
  const [refresh, setRefresh] = useState(0);
  const list = keys.state.data;
  // The key may have been used while its value was on screen: refresh "last used" and usage
  // quietly (the rows stay in place while the list reloads).
  const closeAndRefresh = () => {
    setOpen(undefined);
    keys.reload();
    setRefresh((n) => n + 1);
  };
  const replace = (key: ApiKey) =>
    keys.update((all) => all.map((k) => (k.id === key.id ? key : k)));

  return (
    <>
      <div className="page-header">
        <h1 tabIndex={-1}>Keys</h1>
      </div>
      <section className="card" aria-labelledby="api-keys-heading">
        <div className="card-header">
          <div>
            <h2 id="api-keys-heading">{team ? `Your keys in ${team.team_name}` : "API Keys"}</h2>
            {team ? (
              <p className="muted">
                Team keys act on the team’s account. Each does at most what its permissions and your
                current role (<strong>{team.role}</strong>) both allow, and stops working if you
                leave the team. Its value is shown once.
              </p>
            ) : (
              <p className="muted">
                Each key acts as you, with only the permissions you give it. Its value is shown
                once, when it is created or reset.
              </p>
            )}
          </div>
          <button
            type="button"
            className="button button-primary"
            onClick={() => setOpen({ dialog: "create" })}
          >
            <span aria-hidden="true">+</span> New
          </button>
        </div>
        {keys.state.status === "error" && (
          <ProblemBanner
            problem={keys.state.problem}
            onRetry={keys.reload}
            title="Keys could not be loaded"
          />
        )}
        {list === undefined ? (
          keys.state.status === "loading" && (
            <>
              <p className="visually-hidden" role="status">
                Loading keys…
              </p>
              <TableSkeleton columns={6} />
            </>
          )
        ) : list.length === 0 ? (
          <div className="empty-state">
            <svg viewBox="0 0 48 48" width="48" height="48" aria-hidden="true">
              <circle cx="17" cy="24" r="8" fill="none" stroke="currentColor" strokeWidth="3" />
              <path
                d="M25 24h16M36 24v6M41 24v5"
                stroke="currentColor"
                strokeWidth="3"
                strokeLinecap="round"
                fill="none"
              />
            </svg>
            <h3>No API keys yet</h3>
            <p>
              An API key lets a script, a CI job or another service call the API on your behalf,
              without your password. Create one key per place it is used and give it only the
              permissions it needs: you can then reset or delete it without touching the others.
            </p>
            <button
              type="button"
              className="button button-primary"
              onClick={() => setOpen({ dialog: "create" })}
            >
              Create your first key
            </button>
          </div>
        ) : (
          <KeysTable
            keys={list}
            catalogue={catalogue.state.data}
            refresh={refresh}
            onReset={(key) => setOpen({ dialog: "reset", key })}
            onDelete={(key) => setOpen({ dialog: "delete", key })}
            onEndGrace={(key) => setOpen({ dialog: "endGrace", key })}
            onUsage={(key) => setOpen({ dialog: "usage", key })}
          />
        )}
      </section>

      {open?.dialog === "create" && (
        <CreateKeyDialog
          catalogue={catalogue.state}
          maxLifetimeDays={policy.state.data?.max_key_lifetime_days ?? null}
          onCreated={(key) => keys.update((all) => [...all, withoutSecret(key)])}
          onClose={closeAndRefresh}
        />
      )}
      {open?.dialog === "reset" && (
        <ResetKeyDialog
          apiKey={open.key}
          onReset={(key) => replace(withoutSecret(key))}
          onClose={closeAndRefresh}
        />
      )}
      {open?.dialog === "delete" && (
        <DeleteKeyDialog
          apiKey={open.key}
          onDeleted={(key) => {
            keys.update((all) => all.filter((k) => k.id !== key.id));
            setOpen(undefined);
            announce(`Key “${key.name}” deleted. It no longer works.`);
          }}
          onClose={() => setOpen(undefined)}
        />
      )}
      {open?.dialog === "endGrace" && (
        <EndGraceDialog
          apiKey={open.key}
          onEnded={(key) => {
            replace(key);
            setOpen(undefined);
            announce(`The old value of “${key.name}” no longer works.`);
          }}
          onClose={() => setOpen(undefined)}
        />
      )}
      {open?.dialog === "usage" && (
        <UsageDialog
          apiKey={open.key}
          onClose={() => {
            setOpen(undefined);
            setRefresh((n) => n + 1);
          }}
        />
      )}
    </>
  );
}
