import { Fragment, useCallback, useEffect, useMemo, useState } from "react";
import { ApiContext } from "./api/ApiContext.js";
import { describeProblem } from "./api/client.js";
import type { ConsoleApi, CurrentUser, MyTeam, ProblemInfo, TeamInvitation } from "./api/types.js";
import { watchSession } from "./api/watchSession.js";
import { Logo } from "./components/Logo.js";
import { ProblemBanner } from "./components/ProblemBanner.js";
import { Shell } from "./components/Shell.js";
import { Spinner } from "./components/Spinner.js";
import { ToastProvider, useAnnounce } from "./components/Toasts.js";
import { navigate, useHashRoute } from "./lib/useHashRoute.js";
import { AuditPage } from "./pages/AuditPage.js";
import { AuthPage } from "./pages/AuthPage.js";
import { KeysPage } from "./pages/KeysPage.js";
import { SessionsPage } from "./pages/SessionsPage.js";
import { SettingsPage } from "./pages/SettingsPage.js";
import { TeamPage } from "./pages/TeamPage.js";
import { WebhooksPage } from "./pages/WebhooksPage.js";

/** The signed-in pages; anything else shows the Keys page. */
const PAGE_PATHS = ["/keys", "/team", "/webhooks", "/sessions", "/audit", "/settings"];

/** Which account the console acts on: the person's own, or one of their teams. */
export type Account = { kind: "personal" } | { kind: "team"; team: MyTeam };

/** The team picked last in this tab (an id, never a secret: the session is the cookie). */
const TEAM_KEY = "latchkey.team";

type Auth =
  | { status: "checking" }
  | { status: "unreachable"; problem: ProblemInfo }
  | { status: "signedOut"; expired: boolean }
  | { status: "signedIn"; user: CurrentUser };

function Console({ api, teamApi }: { api: ConsoleApi; teamApi: (id: number) => ConsoleApi }) {
  const route = useHashRoute();
  const announce = useAnnounce();
  const [auth, setAuth] = useState<Auth>({ status: "checking" });
  const [signingOut, setSigningOut] = useState(false);
  const [account, setAccount] = useState<Account>({ kind: "personal" });
  const [teams, setTeams] = useState<MyTeam[]>([]);
  const [invitations, setInvitations] = useState<TeamInvitation[]>([]);

  const check = useCallback(
    async (quietly = false) => {
      if (!quietly) setAuth({ status: "checking" });
      try {
        setAuth({ status: "signedIn", user: await api.currentUser() });
      } catch (err) {
        const problem = describeProblem(err);
        setAuth(
          problem.status === 401
            ? { status: "signedOut", expired: false }
            : { status: "unreachable", problem },
        );
      }
    },
    [api],
  );

  useEffect(() => {
    void check();
  }, [check]);

  // A 401 while signed in means the session ended elsewhere: back to the sign-in page.
  const watched = useMemo(
    () =>
      watchSession(api, () =>
        setAuth((a) => (a.status === "signedIn" ? { status: "signedOut", expired: true } : a)),
      ),
    [api],
  );

  /** The person's teams and pending invitations, for the switcher and the Team page. */
  const refreshTeams = useCallback(async () => {
    try {
      const [mine, invited] = await Promise.all([watched.myTeams(), watched.myInvitations()]);
      setTeams(mine);
      setInvitations(invited);
      return mine;
    } catch {
      // The switcher keeps what it had; the Team page shows the problem when it loads.
      return undefined;
    }
  }, [watched]);

  /** Opens a team session (the HttpOnly team cookie) and acts on the team from then on. */
  const switchTo = useCallback(
    async (next: MyTeam | undefined) => {
      if (!next) {
        sessionStorage.removeItem(TEAM_KEY);
        setAccount({ kind: "personal" });
        return;
      }
      await watched.openTeamSession(next.id);
      sessionStorage.setItem(TEAM_KEY, String(next.id));
      setAccount({ kind: "team", team: next });
    },
    [watched],
  );

  const signedIn = auth.status === "signedIn";
  // After sign-in: the teams, and the team this tab was acting on before a reload.
  useEffect(() => {
    if (!signedIn) return;
    void refreshTeams().then((mine) => {
      const remembered = Number(sessionStorage.getItem(TEAM_KEY));
      const team = mine?.find((t) => t.id === remembered);
      if (team) switchTo(team).catch(() => sessionStorage.removeItem(TEAM_KEY));
    });
  }, [signedIn, refreshTeams, switchTo]);

  // In a team, a 401 means the team session ended (removed from the team, the team
  // destroyed): back to the personal account, which the personal session decides.
  const teamId = account.kind === "team" ? account.team.id : undefined;
  const teamName = account.kind === "team" ? account.team.team_name : undefined;
  const scoped = useMemo(() => {
    if (teamId === undefined) return watched;
    // The page's calls run side by side: the first 401 says it, once.
    let ended = false;
    return watchSession(teamApi(teamId), () => {
      if (ended) return;
      ended = true;
      sessionStorage.removeItem(TEAM_KEY);
      setAccount({ kind: "personal" });
      announce(
        `Your session in ${teamName} has ended: you may have been removed from the team. You are back in your personal account.`,
      );
      void check(true);
      void refreshTeams();
    });
  }, [teamId, teamName, watched, teamApi, announce, check, refreshTeams]);

  const signOut = async () => {
    setSigningOut(true);
    try {
      await api.logout();
    } catch {
      // The session may already be over; the console signs out either way.
    }
    setSigningOut(false);
    sessionStorage.removeItem(TEAM_KEY);
    setAccount({ kind: "personal" });
    setAuth({ status: "signedOut", expired: false });
    navigate("/signin");
    announce("Signed out.");
  };

  if (auth.status === "checking") {
    return (
      <main id="main" className="splash" aria-busy="true">
        <Logo size={40} />
        <p role="status">
          <Spinner /> Loading the console…
        </p>
      </main>
    );
  }
  if (auth.status === "unreachable") {
    return (
      <main id="main" className="splash">
        <Logo size={40} />
        <h1 tabIndex={-1}>The console cannot reach the server</h1>
        <ProblemBanner problem={auth.problem} onRetry={() => check()} title="No answer" />
      </main>
    );
  }
  if (auth.status === "signedOut") {
    return (
      <AuthPage
        mode={route.path === "/signup" ? "signup" : "signin"}
        api={api}
        notice={auth.expired ? "Your session has ended. Sign in again to continue." : undefined}
        onSignedIn={async () => {
          await check(true);
          if (route.path === "/signin" || route.path === "/signup") navigate("/keys");
        }}
      />
    );
  }

  const page =
    route.path === "/team" ? (
      <TeamPage
        account={account}
        teams={teams}
        invitations={invitations}
        onTeamsChanged={refreshTeams}
        onSwitch={switchTo}
      />
    ) : route.path === "/sessions" ? (
      <SessionsPage onSignOut={signOut} />
    ) : route.path === "/audit" ? (
      <AuditPage query={route.query} />
    ) : route.path === "/webhooks" ? (
      <WebhooksPage query={route.query} />
    ) : route.path === "/settings" ? (
      <SettingsPage />
    ) : (
      <KeysPage team={account.kind === "team" ? account.team : undefined} />
    );
  return (
    <ApiContext.Provider value={scoped}>
      <Shell
        path={PAGE_PATHS.includes(route.path) ? route.path : "/keys"}
        user={auth.user}
        account={account}
        teams={teams}
        invitations={account.kind === "personal" ? invitations.length : 0}
        onSwitch={switchTo}
        signingOut={signingOut}
        onSignOut={signOut}
      >
        {/* Each account's pages start afresh: nothing of one shows in the other. */}
        <Fragment key={teamId ?? "personal"}>{page}</Fragment>
      </Shell>
    </ApiContext.Provider>
  );
}

export function App({
  api,
  teamApi,
}: {
  api: ConsoleApi;
  /** The same client in a team's context (its calls use the team session cookie). */
  teamApi: (teamId: number) => ConsoleApi;
}) {
  return (
    <ToastProvider>
      <Console api={api} teamApi={teamApi} />
    </ToastProvider>
  );
}
