import { type ReactNode, useEffect, useRef } from "react";
import type { CurrentUser } from "../api/types.js";
import { Logo } from "./Logo.js";
import { Spinner } from "./Spinner.js";

const PAGES = [
  { path: "/keys", label: "Keys" },
  { path: "/webhooks", label: "Webhooks" },
  { path: "/sessions", label: "Sessions" },
  { path: "/audit", label: "Audit log" },
  { path: "/settings", label: "Settings" },
];

/** The signed-in frame: product bar, navigation, account and sign-out. */
export function Shell({
  path,
  user,
  signingOut,
  onSignOut,
  children,
}: {
  path: string;
  user: CurrentUser;
  signingOut: boolean;
  onSignOut: () => void;
  children: ReactNode;
}) {
  // After a navigation (not the first page), focus the new page's heading so keyboard and
  // screen-reader users start at the top of what changed.
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each page change.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [path]);

  return (
    <>
      <button
        type="button"
        className="skip-link"
        onClick={() => document.querySelector<HTMLElement>("main h1")?.focus()}
      >
        Skip to content
      </button>
      <header className="topbar">
        <div className="topbar-inner">
          <a className="brand" href="#/keys">
            <Logo />
            <span>Latchkey</span>
          </a>
          <nav className="nav" aria-label="Console">
            {PAGES.map((page) => (
              <a
                key={page.path}
                href={`#${page.path}`}
                aria-current={path === page.path ? "page" : undefined}
              >
                {page.label}
              </a>
            ))}
          </nav>
          <div className="account">
            <span className="account-email" title={user.email}>
              {user.email}
            </span>
            <button
              type="button"
              className="button button-small"
              onClick={onSignOut}
              disabled={signingOut}
            >
              {signingOut && <Spinner />}
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page">
        {children}
      </main>
    </>
  );
}
