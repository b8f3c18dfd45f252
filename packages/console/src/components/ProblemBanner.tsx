import type { ProblemInfo } from "../api/types.js";

/** A failed call, said plainly, with a way to try again when one makes sense. */
export function ProblemBanner({
  problem,
  onRetry,
  title = "That did not work",
}: {
  problem: ProblemInfo;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <div className="banner banner-error" role="alert">
      <div>
        <strong>{title}.</strong> {problem.msg}
        {problem.code && problem.code !== "network" && (
          <span className="banner-code"> ({problem.code})</span>
        )}
      </div>
      {onRetry && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
