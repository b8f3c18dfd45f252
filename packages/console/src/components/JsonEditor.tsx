import { useEffect, useId, useRef } from "react";
import type { TextRange } from "../lib/jsonPointerRange.js";

export interface JsonProblem {
  msg: string;
  /** The JSON Pointer the server named, if any. */
  path?: string;
  /** Where in the text; absent when the place could not be found. */
  range?: TextRange;
}

interface JsonEditorProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem: JsonProblem | undefined;
  hint: string;
  disabled?: boolean;
}

/**
 * A plain textarea for a permission tree, with line numbers, and the offending place marked:
 * a layer behind the text paints the node the server named, its line number turns red, and
 * the message below says which line and path. On a new problem the node is selected so the
 * keyboard lands on it.
 */
export function JsonEditor({ label, value, onChange, problem, hint, disabled }: JsonEditorProps) {
  const id = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const layer = useRef<HTMLPreElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split("\n").length;
  const range = problem?.range;

  useEffect(() => {
    const area = textarea.current;
    if (!area || !range) return;
    area.focus();
    area.setSelectionRange(range.start, range.end);
  }, [range]);

  const syncScroll = () => {
    const area = textarea.current;
    if (!area) return;
    if (layer.current) {
      layer.current.scrollTop = area.scrollTop;
      layer.current.scrollLeft = area.scrollLeft;
    }
    if (gutter.current) gutter.current.scrollTop = area.scrollTop;
  };

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <p id={`${id}-hint`} className="field-hint">
        {hint}
      </p>
      <div className={`json-editor${problem ? " json-editor-invalid" : ""}`}>
        <div className="json-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: line numbers are their own identity.
            <div key={i} className={range?.line === i + 1 ? "json-gutter-error" : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <div className="json-body">
          <pre className="json-layer" ref={layer} aria-hidden="true">
            {range ? (
              <>
                {value.slice(0, range.start)}
                <mark>{value.slice(range.start, range.end)}</mark>
                {value.slice(range.end)}
              </>
            ) : (
              value
            )}
            {"\n"}
          </pre>
          <textarea
            id={id}
            ref={textarea}
            className="json-input"
            value={value}
            onChange={(e) => onChange(e.target.value)}
            onScroll={syncScroll}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            wrap="off"
            rows={Math.min(Math.max(lines + 1, 8), 18)}
            disabled={disabled}
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${id}-hint${problem ? ` ${id}-problem` : ""}`}
          />
        </div>
      </div>
      {problem && (
        <p id={`${id}-problem`} className="field-error" role="alert">
          {range && <span className="json-where">Line {range.line}</span>}
          {problem.path !== undefined && problem.path !== "" && (
            <code className="json-path">{problem.path}</code>
          )}
          <span>{problem.msg}</span>
        </p>
      )}
    </div>
  );
}
