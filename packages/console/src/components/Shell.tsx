import { type ReactNode, useEffect, useRef } from "react";
import type { Account } from "../App.js";
import type { CurrentUser, MyTeam } from "../api/types.js";
import { AccountSwitcher } from "./AccountSwitcher.js";
import { Logo } from "./Logo.js";
import { Spinner } from "./Spinner.js";

const PAGES = [
  { path: "/keys", label: "Keys" },
  { path: "/team", label: "Team" },
  { path: "/webhooks", label: "Webhooks" },
  { path: "/sessions", label: "Sessions" },
  { path: "/audit", label: "Audit log" },
  { path: "/settings", label: "Settings" },
];

/** The signed-in frame: product bar, navigation, account and sign-out. */
export function Shell({
  path,
  user,
  account,
  teams,
  invitations,
  onSwitch,
  signingOut,
  onSignOut,
  children,
}: {
  path: string;
  user: CurrentUser;
  account: Account;
  teams: MyTeam[];
  /** Pending invitations for the signed-in person: a notice points to them. */
  invitations: number;
  onSwitch: (team: MyTeam | undefined) => Promise<void>;
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
          <AccountSwitcher account={account} teams={teams} onSwitch={onSwitch} />
          <nav className="nav" aria-label="Console">
            {PAGES.map((page) => (
              <a
                key={page.path}
                href={`#${page.path}`}
                aria-current={path === page.path ? "page" : undefined}
              >
                {page.path === "/team" && account.kind === "personal" ? "Teams" : page.label}
                {page.path === "/team" && invitations > 0 && (
                  <span className="badge badge-accent nav-count">
                    {invitations}
                    <span className="visually-hidden">
                      {invitations === 1 ? " invitation" : " invitations"}
                    </span>
                  </span>
                )}
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
        {invitations > 0 && path !== "/team" && (
          <div className="banner banner-info invitation-notice" role="status">
            <span>
              You have {invitations === 1 ? "an invitation" : `${invitations} invitations`} to join
              a team.
            </span>
            <a className="button button-small" href="#/team">
              See {invitations === 1 ? "invitation" : "invitations"}
            </a>
          </div>
        )}
        {children}
      </main>
    </>
  );
}
