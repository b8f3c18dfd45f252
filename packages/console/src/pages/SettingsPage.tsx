import { MIN_POLICY_DAYS } from "@latchkey/sdk";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { AccountPolicy } from "../api/types.js";
import { TableSkeleton } from "../components/KeysTable.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { Spinner } from "../components/Spinner.js";
import { useAnnounce } from "../components/Toasts.js";
import {
  draftFromPolicy,
  fieldOfMessage,
  keysUnusedFor,
  POLICY_RULES,
  type PolicyDraft,
  type PolicyField,
  policyFromDraft,
} from "../lib/policyForm.js";
import { useAction } from "../lib/useAction.js";
import { useLoad } from "../lib/useLoad.js";

type FieldErrors = Partial<Record<PolicyField, string>>;

function same(a: AccountPolicy, b: PolicyDraft): boolean {
  const result = policyFromDraft(b);
  return result.ok && POLICY_RULES.every(({ field }) => a[field] === result.policy[field]);
}

/** Account settings: the key lifecycle policy, each rule off until turned on. */
export function SettingsPage() {
  const api = useApi();
  const announce = useAnnounce();
  const id = useId();
  const policy = useLoad(() => api.accountPolicy(), [api]);
  const keys = useLoad(() => api.listApiKeys(), [api]);
  const [draft, setDraft] = useState<PolicyDraft>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, problem, setProblem, run } = useAction();
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const loaded = policy.state.data;

  // The form starts from the server's policy once it arrives (and again after a retry).
  useEffect(() => {
    if (loaded) setDraft((d) => d ?? draftFromPolicy(loaded));
  }, [loaded]);

  const change = (field: PolicyField, rule: Partial<PolicyDraft[PolicyField]>) => {
    setDraft((d) => (d ? { ...d, [field]: { ...d[field], ...rule } } : d));
    setErrors((e) => ({ ...e, [field]: undefined }));
    setSaved(false);
  };

  const focusField = (field: PolicyField) =>
    form.current?.querySelector<HTMLInputElement>(`[data-field="${field}"]`)?.focus();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!draft || busy) return;
    setProblem(undefined);
    const result = policyFromDraft(draft);
    if (!result.ok) {
      setErrors(result.errors);
      const first = POLICY_RULES.find((r) => result.errors[r.field]);
      if (first) focusField(first.field);
      return;
    }
    setErrors({});
    await run(
      async () => {
        const answer = await api.updateAccountPolicy(result.policy);
        policy.update(() => answer);
        setDraft(draftFromPolicy(answer));
        setSaved(true);
        announce("Lifecycle policy saved.");
      },
      {
        // A limit the server refused is shown at its field.
        handle: (info) => {
          const at = info.code === "invalid_request" ? fieldOfMessage(info.msg) : undefined;
          if (!at) return false;
          setErrors({ [at.field]: `The server refused this: ${at.text}.` });
          focusField(at.field);
          return true;
        },
      },
    );
  };

  const unusedRule = draft?.revoke_unused_after_days;
  const unusedDays = unusedRule?.on && /^\d+$/.test(unusedRule.days) ? Number(unusedRule.days) : 0;
  const doomed =
    unusedDays > 0 && keys.state.data ? keysUnusedFor(keys.state.data, unusedDays) : [];
  const dirty = draft !== undefined && loaded !== undefined && !same(loaded, draft);

  return (
    <>
      <div className="page-header">
        <h1 tabIndex={-1}>Settings</h1>
      </div>
      <section className="card" aria-labelledby={`${id}-heading`}>
        <div className="card-header">
          <div>
            <h2 id={`${id}-heading`}>Key lifecycle policy</h2>
            <p className="muted">
              Rules for every API key of this account, applied by the server whichever way a key is
              created (console, CLI or API). Each is off until you turn it on.
            </p>
          </div>
        </div>
        {policy.state.status === "error" && (
          <ProblemBanner
            problem={policy.state.problem}
            onRetry={policy.reload}
            title="The policy could not be loaded"
          />
        )}
        {draft === undefined ? (
          policy.state.status === "loading" && (
            <>
              <p className="visually-hidden" role="status">
                Loading the policy…
              </p>
              <TableSkeleton columns={2} rows={3} />
            </>
          )
        ) : (
          <form ref={form} className="policy-form" onSubmit={save} noValidate aria-busy={busy}>
            {problem && <ProblemBanner problem={problem} title="The policy was not saved" />}
            {POLICY_RULES.map((rule) => {
              const value = draft[rule.field];
              const base = `${id}-${rule.field}`;
              const error = errors[rule.field];
              return (
                <div className="policy-rule" key={rule.field} data-rule={rule.field}>
                  <div className="policy-rule-head">
                    <input
                      type="checkbox"
                      role="switch"
                      aria-checked={value.on}
                      className="switch"
                      id={`${base}-on`}
                      checked={value.on}
                      disabled={busy}
                      aria-describedby={`${base}-hint`}
                      onChange={(e) => change(rule.field, { on: e.target.checked })}
                    />
                    <label htmlFor={`${base}-on`} className="policy-rule-label">
                      {rule.label}
                    </label>
                    <span className={`badge${value.on ? " badge-accent" : ""}`} aria-hidden="true">
                      {value.on ? "On" : "Off"}
                    </span>
                  </div>
                  <p id={`${base}-hint`} className="field-hint policy-rule-hint">
                    {rule.hint}
                  </p>
                  <div className="policy-days">
                    <label htmlFor={`${base}-days`} className="visually-hidden">
                      {rule.label}: {rule.unit}
                    </label>
                    <input
                      id={`${base}-days`}
                      data-field={rule.field}
                      inputMode="numeric"
                      autoComplete="off"
                      value={value.days}
                      disabled={!value.on || busy}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={`${base}-range${error ? ` ${base}-error` : ""}`}
                      onChange={(e) => change(rule.field, { days: e.target.value })}
                    />
                    <span aria-hidden="true">{rule.unit}</span>
                    <span id={`${base}-range`} className="muted policy-range">
                      ({MIN_POLICY_DAYS} to {rule.max})
                    </span>
                  </div>
                  {error && (
                    <p id={`${base}-error`} className="field-error" role="alert">
                      {error}
                    </p>
                  )}
                  {rule.field === "revoke_unused_after_days" && doomed.length > 0 && (
                    <div className="banner banner-warning" data-testid="unused-warning">
                      <strong>
                        {doomed.length === 1 ? "1 key has" : `${doomed.length} keys have`} not been
                        used for {unusedDays} days
                      </strong>{" "}
                      ({doomed.map((k) => k.name).join(", ")}). With this rule saved,{" "}
                      {doomed.length === 1 ? "it is" : "they are"} deleted at the server’s next
                      check, within minutes.
                    </div>
                  )}
                </div>
              );
            })}
            <div className="form-actions">
              <button type="submit" className="button button-primary" aria-disabled={busy}>
                {busy && <Spinner />}
                {busy ? "Saving…" : "Save policy"}
              </button>
              {dirty && !busy && loaded && (
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setDraft(draftFromPolicy(loaded));
                    setErrors({});
                  }}
                >
                  Discard changes
                </button>
              )}
              <span className="muted" role="status">
                {saved && !dirty ? "Saved." : dirty ? "Unsaved changes." : ""}
              </span>
            </div>
          </form>
        )}
      </section>
    </>
  );
}
