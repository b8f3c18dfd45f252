import { useCallback, useState } from "react";
import { describeProblem } from "../api/client.js";
import type { ProblemInfo } from "../api/types.js";

export interface RunOptions<T> {
  /** What runs, when a page has several (a row's id): read back as `busyWith`. */
  tag?: T;
  /**
   * Deals with a failure itself (a field's message, a 404 that means it is done already):
   * true when it did; otherwise the failure becomes `problem`.
   */
  handle?: (problem: ProblemInfo) => boolean;
  /**
   * Success takes the component away (the dialog closes, the console signs in): it stays busy,
   * so that nothing can start again meanwhile.
   */
  staysBusy?: boolean;
}

export interface Action<T> {
  /** Something runs: its buttons are off or show a spinner. */
  busy: boolean;
  /** The tag of what runs. */
  busyWith: T | undefined;
  /** Why the last run failed, for a ProblemBanner. */
  problem: ProblemInfo | undefined;
  setProblem: (problem: ProblemInfo | undefined) => void;
  /**
   * Runs a mutation: clears the last problem, is busy until it ends, and turns a failure into
   * `problem` (or hands it to `handle`). It never throws.
   */
  run: (work: () => Promise<void>, options?: RunOptions<T>) => Promise<void>;
}

/** A mutation's busy state and problem: what every form and confirmation of the console needs. */
export function useAction<T = never>(): Action<T> {
  const [running, setRunning] = useState<{ tag: T | undefined }>();
  const [problem, setProblem] = useState<ProblemInfo>();
  const run = useCallback(async (work: () => Promise<void>, options: RunOptions<T> = {}) => {
    setRunning({ tag: options.tag });
    setProblem(undefined);
    let done = false;
    try {
      await work();
      done = true;
    } catch (err) {
      const info = describeProblem(err);
      if (!options.handle?.(info)) setProblem(info);
    } finally {
      if (!(done && options.staysBusy)) setRunning(undefined);
    }
  }, []);
  return { busy: running !== undefined, busyWith: running?.tag, problem, setProblem, run };
}
