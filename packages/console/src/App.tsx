import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiContext } from "./api/ApiContext.js";
import { describeProblem } from "./api/client.js";
import type { ConsoleApi, CurrentUser, ProblemInfo } from "./api/types.js";
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
import { WebhooksPage } from "./pages/WebhooksPage.js";

/** The signed-in pages; anything else shows the Keys page. */
const PAGE_PATHS = ["/keys", "/webhooks", "/sessions", "/audit", "/settings"];

type Auth =
  | { status: "checking" }
  | { status: "unreachable"; problem: ProblemInfo }
  | { status: "signedOut"; expired: boolean }
  | { status: "signedIn"; user: CurrentUser };

function Console({ api }: { api: ConsoleApi }) {
  const route = useHashRoute();
  const announce = useAnnounce();
  const [auth, setAuth] = useState<Auth>({ status: "checking" });
  const [signingOut, setSigningOut] = useState(false);

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

  const signOut = async () => {
    setSigningOut(true);
    try {
      await api.logout();
    } catch {
      // The session may already be over; the console signs out either way.
    }
    setSigningOut(false);
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
    route.path === "/sessions" ? (
      <SessionsPage onSignOut={signOut} />
    ) : route.path === "/audit" ? (
      <AuditPage query={route.query} />
    ) : route.path === "/webhooks" ? (
      <WebhooksPage query={route.query} />
    ) : route.path === "/settings" ? (
      <SettingsPage />
    ) : (
      <KeysPage />
    );
  return (
    <ApiContext.Provider value={watched}>
      <Shell
        path={PAGE_PATHS.includes(route.path) ? route.path : "/keys"}
        user={auth.user}
        signingOut={signingOut}
        onSignOut={signOut}
      >
        {page}
      </Shell>
    </ApiContext.Provider>
  );
}

export function App({ api }: { api: ConsoleApi }) {
  return (
    <ToastProvider>
      <Console api={api} />
    </ToastProvider>
  );
}
