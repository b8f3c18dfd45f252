import { MAX_ROLE_NAME_LENGTH, MIN_ROLE_NAME_LENGTH } from "@latchkey/sdk";
import { type FormEvent, useId, useRef, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { Catalogue, PermissionTree, TeamRole } from "../api/types.js";
import { useAction } from "../lib/useAction.js";
import type { Loaded } from "../lib/useLoad.js";
import { syntaxProblem, treeProblem } from "./CreateKeyDialog.js";
import { Dialog } from "./Dialog.js";
import type { JsonProblem } from "./JsonEditor.js";
import { type PermissionDraft, PermissionEditor } from "./PermissionEditor.js";
import { ProblemBanner } from "./ProblemBanner.js";
import { Spinner } from "./Spinner.js";

/**
 * Creates a role, or edits one: a name and a permission tree, with the same editor as a new
 * key (presets, by area, JSON). A built-in role keeps its name.
 */
export function RoleDialog({
  role,
  catalogue,
  onSaved,
  onClose,
}: {
  role: TeamRole | undefined;
  catalogue: Loaded<Catalogue>;
  onSaved: (role: TeamRole) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const id = useId();
  const nameField = useRef<HTMLInputElement>(null);
  const [name, setName] = useState(role?.name ?? "");
  const [nameError, setNameError] = useState<string>();
  // A new role starts with instances only, like the built-in member role.
  const [draft, setDraft] = useState<PermissionDraft>({
    mode: "rows",
    tree: role ? role.permissions : { api: { instance_read: {}, instance_write: {} } },
  });
  const [jsonProblem, setJsonProblem] = useState<JsonProblem>();
  const { busy, problem, setProblem, run } = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setProblem(undefined);
    setJsonProblem(undefined);
    const trimmed = name.trim();
    if (trimmed.length < MIN_ROLE_NAME_LENGTH || trimmed.length > MAX_ROLE_NAME_LENGTH) {
      setNameError(
        `A role name is ${MIN_ROLE_NAME_LENGTH} to ${MAX_ROLE_NAME_LENGTH} characters, e.g. “ci” or “support”.`,
      );
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
    await run(
      async () => {
        const saved = role
          ? await api.updateRole(role.id, {
              ...(trimmed === role.name ? {} : { name: trimmed }),
              permissions,
            })
          : await api.createRole({ name: trimmed, permissions });
        onSaved(saved);
      },
      {
        staysBusy: true,
        handle: (info) => {
          if (info.code === "invalid_permissions" && draft.mode === "json") {
            setJsonProblem(treeProblem(draft.text, info));
          } else if (info.code === "invalid_request" && /^name\b|named/.test(info.msg)) {
            setNameError(info.msg);
            nameField.current?.focus();
          } else return false;
          return true;
        },
      },
    );
  };

  return (
    <Dialog
      title={role ? `Edit role ${role.name}` : "New role"}
      onRequestClose={busy ? () => {} : onClose}
      size="large"
    >
      <form className="dialog-body" onSubmit={submit} noValidate aria-busy={busy}>
        {problem && (
          <ProblemBanner
            problem={problem}
            title={role ? "The role was not saved" : "The role was not created"}
          />
        )}
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            ref={nameField}
            data-autofocus
            value={name}
            maxLength={MAX_ROLE_NAME_LENGTH}
            autoComplete="off"
            placeholder="e.g. ci"
            readOnly={role?.builtin}
            onChange={(e) => setName(e.target.value)}
            disabled={busy}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={`${id}-name-hint${nameError ? ` ${id}-name-error` : ""}`}
          />
          <p id={`${id}-name-hint`} className="field-hint">
            {role?.builtin
              ? "A built-in role keeps its name; its permissions may change."
              : "Unique in the team, whatever the case."}
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
        <div className="dialog-actions dialog-footer">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" aria-disabled={busy}>
            {busy && <Spinner />}
            {busy ? "Saving…" : role ? "Save role" : "Create role"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
