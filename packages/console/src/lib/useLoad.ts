import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";
import { describeProblem } from "../api/client.js";
import type { ProblemInfo } from "../api/types.js";

export type Loaded<T> =
  | { status: "loading"; data: T | undefined }
  | { status: "ready"; data: T }
  | { status: "error"; data: T | undefined; problem: ProblemInfo };

/**
 * Loads data and reloads on demand. While reloading, the previous data stays on screen so
 * nothing jumps; only the first load shows a placeholder.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<Loaded<T>>({ status: "loading", data: undefined });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ status: "loading", data: s.data }));
    load().then(
      (data) => {
        if (mine === generation.current) setState({ status: "ready", data });
      },
      (err: unknown) => {
        if (mine === generation.current)
          setState((s) => ({ status: "error", data: s.data, problem: describeProblem(err) }));
      },
    );
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what `load` uses.
  }, deps);
  useEffect(run, [run]);
  /** Replaces the data in place (after a create, reset or delete) without a round trip. */
  const update = useCallback((change: (data: T) => T) => {
    setState((s) => (s.data === undefined ? s : { ...s, data: change(s.data) }));
  }, []);
  return { state, reload: run, update };
}
