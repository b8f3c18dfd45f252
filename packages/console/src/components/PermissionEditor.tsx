import { useMemo } from "react";
import type { Catalogue, PermissionTree } from "../api/types.js";
import {
  type Area,
  areasOf,
  levelsFromTree,
  sameTree,
  treeFromLevels,
} from "../lib/permissionAreas.js";
import type { Loaded } from "../lib/useLoad.js";
import { JsonEditor, type JsonProblem } from "./JsonEditor.js";
import { PermissionRows } from "./PermissionRows.js";

/**
 * The draft: a tree the rows can show (whole categories; null is full access), or the JSON
 * editor's text. Holding a tree, not the rows' levels, lets a draft exist before the catalogue
 * has said which rows there are.
 */
export type PermissionDraft =
  | { mode: "rows"; tree: PermissionTree | null }
  | { mode: "json"; text: string };

const JSON_HINT =
  'null is full access. Name whole categories, e.g. {"api": {"instance_read": {}}}, or single routes with constraints: {"api": {"instance_write": {"api.instance.reboot": {"constraints": {"id": {"eq": 1227}}}}}}.';

function draftTree(draft: PermissionDraft): PermissionTree | null | undefined {
  if (draft.mode === "rows") return draft.tree;
  try {
    return JSON.parse(draft.text) as PermissionTree | null;
  } catch {
    return undefined;
  }
}

/**
 * A tree as the rows would send it (every row at Read & write is no tree at all), or the JSON
 * editor's text when the rows cannot show it.
 */
function rowsDraft(tree: PermissionTree | null, areas: readonly Area[]): PermissionDraft {
  const levels = levelsFromTree(tree, areas);
  return levels
    ? { mode: "rows", tree: treeFromLevels(levels, areas) }
    : { mode: "json", text: JSON.stringify(tree, null, 2) };
}

/**
 * Presets, per-area rows and an advanced JSON editor over one draft. The rows cover whole
 * categories, one row per area of the server's catalogue; the JSON editor covers everything
 * else (routes, constraints).
 */
export function PermissionEditor({
  draft,
  onChange,
  catalogue,
  jsonProblem,
  disabled,
}: {
  draft: PermissionDraft;
  onChange: (draft: PermissionDraft) => void;
  catalogue: Loaded<Catalogue>;
  jsonProblem: JsonProblem | undefined;
  disabled?: boolean;
}) {
  const current = draftTree(draft);
  const presets = catalogue.data?.presets;
  const categories = catalogue.data?.categories;
  const areas = useMemo(() => (categories ? areasOf(categories) : undefined), [categories]);
  const rowsFromJson =
    draft.mode === "json" && current !== undefined && areas
      ? levelsFromTree(current, areas)
      : undefined;
  const canShowRows = draft.mode === "rows" || rowsFromJson !== undefined;

  return (
    <fieldset className="perm-editor" disabled={disabled}>
      <legend>Permissions</legend>
      <fieldset className="presets">
        <legend className="visually-hidden">Presets</legend>
        {presets
          ? presets.map((preset) => {
              const active = current !== undefined && sameTree(current, preset.permissions);
              return (
                <button
                  key={preset.name}
                  type="button"
                  className={`preset${active ? " preset-active" : ""}`}
                  aria-pressed={active}
                  data-preset={preset.name}
                  onClick={() => onChange(rowsDraft(preset.permissions, areas ?? []))}
                >
                  <span className="preset-label">{preset.label}</span>
                  <span className="preset-description">{preset.description}</span>
                </button>
              );
            })
          : [0, 1, 2, 3].map((i) => (
              <div key={i} className="preset preset-placeholder" aria-hidden="true">
                <span className="skeleton skeleton-line" />
                <span className="skeleton skeleton-line skeleton-short" />
              </div>
            ))}
      </fieldset>
      {catalogue.status === "error" && !presets && (
        <p className="field-hint">
          Presets and areas could not be loaded: the key gets full access unless you write its
          permissions as JSON.
        </p>
      )}

      <fieldset className="mode-switch">
        <legend className="visually-hidden">How to edit permissions</legend>
        <button
          type="button"
          className="mode-button"
          aria-pressed={draft.mode === "rows"}
          disabled={!canShowRows}
          onClick={() => {
            if (draft.mode === "json" && rowsFromJson && areas)
              onChange({ mode: "rows", tree: treeFromLevels(rowsFromJson, areas) });
          }}
        >
          By area
        </button>
        <button
          type="button"
          className="mode-button"
          aria-pressed={draft.mode === "json"}
          onClick={() => {
            if (draft.mode === "rows")
              onChange({
                mode: "json",
                text: JSON.stringify(draft.tree, null, 2),
              });
          }}
        >
          JSON (advanced)
        </button>
        {!canShowRows && (
          <span className="field-hint mode-note">
            {current === undefined
              ? "Fix the JSON to switch back."
              : "Route-level rules can only be edited as JSON."}
          </span>
        )}
      </fieldset>

      {draft.mode === "rows" ? (
        areas ? (
          <PermissionRows
            areas={areas}
            levels={levelsFromTree(draft.tree, areas) ?? {}}
            onChange={(levels) => onChange({ mode: "rows", tree: treeFromLevels(levels, areas) })}
            disabled={disabled}
          />
        ) : (
          catalogue.status !== "error" && (
            <div className="perm-rows" aria-hidden="true">
              {[0, 1, 2].map((i) => (
                <div key={i} className="perm-row">
                  <span className="skeleton skeleton-line" />
                </div>
              ))}
            </div>
          )
        )
      ) : (
        <>
          <JsonEditor
            label="Permission tree (JSON)"
            value={draft.text}
            onChange={(text) => onChange({ mode: "json", text })}
            problem={jsonProblem}
            hint={JSON_HINT}
            disabled={disabled}
          />
          {catalogue.data && (
            <details className="route-reference">
              <summary>Route names by category</summary>
              <dl>
                {catalogue.data.categories.map((category) => (
                  <div key={category.name}>
                    <dt>
                      <code>{category.name}</code> — {category.description}
                    </dt>
                    {category.routes.map((route) => (
                      <dd key={route.name}>
                        <code>{route.name}</code>{" "}
                        <span className="muted">
                          {route.method} {route.path}
                        </span>
                      </dd>
                    ))}
                  </div>
                ))}
              </dl>
            </details>
          )}
        </>
      )}
    </fieldset>
  );
}
