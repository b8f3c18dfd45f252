import { useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { Session } from "../api/types.js";
import { Dialog } from "../components/Dialog.js";
import { TableSkeleton } from "../components/KeysTable.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { Spinner } from "../components/Spinner.js";
import { Time } from "../components/Time.js";
import { useAnnounce } from "../components/Toasts.js";
import { deviceName } from "../lib/deviceName.js";
import { useAction } from "../lib/useAction.js";
import { useLoad } from "../lib/useLoad.js";

/** Where the account is signed in; this device is marked, the others can be ended. */
export function SessionsPage({ onSignOut }: { onSignOut: () => void }) {
  const api = useApi();
  const announce = useAnnounce();
  const sessions = useLoad(() => api.listSessions(), [api]);
  const { busy, busyWith, problem, run } = useAction<number | "others">();
  const [confirmOthers, setConfirmOthers] = useState(false);
  const list = sessions.state.data;
  const others = list?.filter((s) => !s.current).length ?? 0;

  const end = (session: Session) =>
    run(
      async () => {
        await api.endSession(session.id);
        sessions.update((all) => all.filter((s) => s.id !== session.id));
        announce(`Ended the session on ${deviceName(session.name)}.`);
        document.querySelector<HTMLElement>("main h1")?.focus();
      },
      { tag: session.id },
    );

  const endOthers = async () => {
    await run(
      async () => {
        await api.endOtherSessions();
        sessions.update((all) => all.filter((s) => s.current));
        announce("Every other session has been signed out.");
      },
      { tag: "others" },
    );
    setConfirmOthers(false);
  };

  return (
    <>
      <div className="page-header">
        <h1 tabIndex={-1}>Sessions</h1>
      </div>
      <section className="card" aria-labelledby="sessions-heading">
        <div className="card-header">
          <div>
            <h2 id="sessions-heading">Signed-in devices</h2>
            <p className="muted">
              Each sign-in lasts 7 days. End any you do not recognise; that device must sign in
              again.
            </p>
          </div>
          <button
            type="button"
            className="button"
            disabled={others === 0 || busy}
            onClick={() => setConfirmOthers(true)}
          >
            Sign out all other sessions
          </button>
        </div>
        {problem && <ProblemBanner problem={problem} />}
        {sessions.state.status === "error" && (
          <ProblemBanner
            problem={sessions.state.problem}
            onRetry={sessions.reload}
            title="Sessions could not be loaded"
          />
        )}
        {list === undefined ? (
          sessions.state.status === "loading" && <TableSkeleton columns={4} rows={2} />
        ) : (
          <table className="table sessions-table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((session) => (
                <tr key={session.id} data-session-id={session.id}>
                  <th scope="row" className="cell-name" data-label="Device">
                    <span title={session.name}>{deviceName(session.name)}</span>
                    {session.current && <span className="badge badge-accent">This device</span>}
                  </th>
                  <td data-label="Signed in">
                    <Time iso={session.created_at} />
                  </td>
                  <td data-label="Last active">
                    <Time iso={session.last_used_at} empty="—" />
                    {session.last_used_ip && (
                      <span className="cell-sub">{session.last_used_ip}</span>
                    )}
                  </td>
                  <td data-label="Expires">
                    <Time iso={session.expires_at} empty="Never" />
                  </td>
                  <td className="cell-actions">
                    {session.current ? (
                      <button type="button" className="button button-small" onClick={onSignOut}>
                        Sign out
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button button-small button-danger-quiet"
                        disabled={busy}
                        aria-label={`End session on ${deviceName(session.name)}, signed in ${new Date(session.created_at).toLocaleString()}`}
                        onClick={() => end(session)}
                      >
                        {busyWith === session.id && <Spinner />}
                        End
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {confirmOthers && (
        <Dialog
          title="Sign out all other sessions?"
          onRequestClose={() => !busy && setConfirmOthers(false)}
        >
          <div className="dialog-body">
            <p>
              {others === 1 ? "1 other device" : `${others} other devices`} will have to sign in
              again. This device stays signed in. API keys are not affected.
            </p>
            <div className="dialog-actions">
              <button
                type="button"
                className="button"
                data-autofocus
                disabled={busy}
                onClick={() => setConfirmOthers(false)}
              >
                Cancel
              </button>
              <button
                type="button"
                className="button button-danger"
                disabled={busy}
                onClick={endOthers}
              >
                {busyWith === "others" && <Spinner />}
                Sign out others
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </>
  );
}
