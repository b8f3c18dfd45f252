import { MAX_KEY_NAME_LENGTH } from "@latchkey/sdk";
import { type FormEvent, useId, useRef, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { ApiKeyWithSecret, Catalogue, PermissionTree, ProblemInfo } from "../api/types.js";
import { defaultExpiry, expiryChoices } from "../lib/expiryChoices.js";
import { jsonPointerRange, lineAt } from "../lib/jsonPointerRange.js";
import { useAction } from "../lib/useAction.js";
import type { Loaded } from "../lib/useLoad.js";
import { Dialog } from "./Dialog.js";
import type { JsonProblem } from "./JsonEditor.js";
import { type PermissionDraft, PermissionEditor } from "./PermissionEditor.js";
import { ProblemBanner } from "./ProblemBanner.js";
import { SecretReveal, useSecretClose } from "./SecretReveal.js";
import { Spinner } from "./Spinner.js";

/** Where JSON.parse stopped, from its message ("… at position 42" or "(line 3 column 5)"). */
export function syntaxProblem(text: string, err: unknown): JsonProblem {
  const msg = err instanceof Error ? err.message : "not valid JSON";
  const position = /position (\d+)/.exec(msg);
  const lineCol = /line (\d+) column (\d+)/.exec(msg);
  let start: number | undefined;
  if (position?.[1]) start = Number(position[1]);
  else if (lineCol?.[1] && lineCol[2]) {
    const lines = text.split("\n").slice(0, Number(lineCol[1]) - 1);
    start = lines.reduce((n, l) => n + l.length + 1, 0) + Number(lineCol[2]) - 1;
  }
  const range =
    start === undefined
      ? undefined
      : { start, end: Math.min(start + 1, text.length), line: lineAt(text, start) };
  return { msg: `Not valid JSON: ${msg}`, range };
}

/** The server's invalid_permissions answer, placed in the text by its JSON Pointer. */
export function treeProblem(text: string, problem: ProblemInfo): JsonProblem {
  const path = problem.path ?? /^permissions at (\S+):/.exec(problem.msg)?.[1];
  const range = path === undefined ? undefined : jsonPointerRange(text, path);
  const msg = problem.msg.replace(/^permissions at \S+: /, "");
  return { msg, path, range };
}

/** +New: name, permissions and expiry; then the secret, shown once. */
export function CreateKeyDialog({
  catalogue,
  maxLifetimeDays,
  onCreated,
  onClose,
}: {
  catalogue: Loaded<Catalogue>;
  /** The account's maximum key lifetime (null: none): expiry choices stay within it. */
  maxLifetimeDays: number | null;
  onCreated: (key: ApiKeyWithSecret) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const id = useId();
  const nameField = useRef<HTMLInputElement>(null);
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string>();
  // Full access until the user says otherwise, as a key created without permissions has.
  const [draft, setDraft] = useState<PermissionDraft>({ mode: "rows", tree: null });
  // Undefined until the user picks: the default follows the policy, which may load later.
  const [picked, setPicked] = useState<string>();
  const choices = expiryChoices(maxLifetimeDays);
  const expiry =
    picked !== undefined && choices.some((c) => c.value === picked)
      ? picked
      : defaultExpiry(maxLifetimeDays);
  const { busy, problem, setProblem, run } = useAction();
  const [jsonProblem, setJsonProblem] = useState<JsonProblem>();
  const [created, setCreated] = useState<ApiKeyWithSecret>();
  const secret = useSecretClose(onClose);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setProblem(undefined);
    setJsonProblem(undefined);
    const trimmed = name.trim();
    if (trimmed === "") {
      setNameError("Give the key a name that says where it is used, e.g. “CI deploys”.");
      nameField.current?.focus();
      return;
    }
    setNameError(undefined);
    let permissions: PermissionTree | null;
    if (draft.mode === "rows") permissions = draft.tree;
    else {
      try {
        permissions = JSON.parse(draft.text) as PermissionTree | null;
      } catch (err) {
        setJsonProblem(syntaxProblem(draft.text, err));
        return;
      }
    }
    const days = Number(expiry);
    await run(
      async () => {
        const key = await api.createApiKey({
          name: trimmed,
          ...(permissions === null ? {} : { permissions }),
          // The maximum itself is left to the server, which gives it to a key without
          // expires_at: a browser clock ahead of the server's would otherwise overshoot it.
          ...(expiry && days !== maxLifetimeDays
            ? { expires_at: new Date(Date.now() + days * 86_400_000).toISOString() }
            : {}),
        });
        setCreated(key);
        onCreated(key);
      },
      {
        // A bad tree or name is shown where it was typed.
        handle: (info) => {
          if (info.code === "invalid_permissions" && draft.mode === "json") {
            setJsonProblem(treeProblem(draft.text, info));
          } else if (info.code === "invalid_request" && /^name\b/.test(info.msg)) {
            setNameError(info.msg);
            nameField.current?.focus();
          } else return false;
          return true;
        },
      },
    );
  };

  if (created) {
    return (
      <Dialog
        title={`Key “${created.name}” created`}
        onRequestClose={secret.requestClose}
        size="small"
      >
        <SecretReveal secret={created.key} {...secret.props} />
      </Dialog>
    );
  }

  return (
    // While the key is being created, closing would lose its value: the dialog stays.
    <Dialog title="New API key" onRequestClose={busy ? () => {} : onClose} size="large">
      <form className="dialog-body" onSubmit={submit} noValidate aria-busy={busy}>
        {problem && <ProblemBanner problem={problem} title="The key was not created" />}
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            ref={nameField}
            data-autofocus
            value={name}
            maxLength={MAX_KEY_NAME_LENGTH}
            autoComplete="off"
            placeholder="e.g. CI deploys"
            onChange={(e) => setName(e.target.value)}
            disabled={busy}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={`${id}-name-hint${nameError ? ` ${id}-name-error` : ""}`}
          />
          <p id={`${id}-name-hint`} className="field-hint">
            Only you see it. Name the place it will live, so you know what breaks if you delete it.
          </p>
          {nameError && (
            <p id={`${id}-name-error`} className="field-error">
              {nameError}
            </p>
          )}
        </div>
        <PermissionEditor
          draft={draft}
          onChange={(d) => {
            setDraft(d);
            setJsonProblem(undefined);
          }}
          catalogue={catalogue}
          jsonProblem={jsonProblem}
          disabled={busy}
        />
        <div className="field">
          <div className="field-inline">
            <label htmlFor={`${id}-expiry`}>Expires</label>
            <select
              id={`${id}-expiry`}
              value={expiry}
              onChange={(e) => setPicked(e.target.value)}
              disabled={busy}
              aria-describedby={maxLifetimeDays === null ? undefined : `${id}-expiry-hint`}
            >
              {choices.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          {maxLifetimeDays !== null && (
            <p id={`${id}-expiry-hint`} className="field-hint" data-testid="max-lifetime-hint">
              Your account’s policy limits new keys to {maxLifetimeDays}{" "}
              {maxLifetimeDays === 1 ? "day" : "days"}, so every key expires. You can change this in{" "}
              <a href="#/settings">Settings</a>.
            </p>
          )}
        </div>
        <div className="dialog-actions dialog-footer">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          {/* aria-disabled, not disabled: the button keeps focus while the key is created. */}
          <button type="submit" className="button button-primary" aria-disabled={busy}>
            {busy && <Spinner />}
            {busy ? "Creating…" : "Create key"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
