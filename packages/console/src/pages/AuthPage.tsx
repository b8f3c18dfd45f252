import { MIN_PASSWORD_LENGTH } from "@latchkey/sdk";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import type { ConsoleApi } from "../api/types.js";
import { Logo } from "../components/Logo.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { Spinner } from "../components/Spinner.js";
import { useAction } from "../lib/useAction.js";

/** Sign in, or create an account and sign in; the session becomes an HttpOnly cookie. */
export function AuthPage({
  mode,
  api,
  notice,
  onSignedIn,
}: {
  mode: "signin" | "signup";
  api: ConsoleApi;
  /** Why the console is here, e.g. the session ended elsewhere. */
  notice?: string | undefined;
  onSignedIn: () => void;
}) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<{ email?: string; password?: string }>({});
  const { busy, problem, setProblem, run } = useAction();
  const signup = mode === "signup";

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new mode starts a clean form.
  useEffect(() => {
    setErrors({});
    setProblem(undefined);
  }, [mode]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const found: typeof errors = {};
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) found.email = "Enter an email address.";
    if (signup && password.length < MIN_PASSWORD_LENGTH)
      found.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
    else if (password === "") found.password = "Enter your password.";
    setErrors(found);
    setProblem(undefined);
    if (found.email || found.password) {
      document.getElementById(found.email ? `${id}-email` : `${id}-password`)?.focus();
      return;
    }
    await run(
      async () => {
        if (signup) await api.signUp({ email: email.trim(), password });
        await api.login({ email: email.trim(), password });
        onSignedIn();
      },
      {
        // Signed in, the console replaces this page: the form stays off until then.
        staysBusy: true,
        handle: () => {
          heading.current?.focus();
          return false;
        },
      },
    );
  };

  return (
    <main id="main" className="auth">
      <div className="auth-card card">
        <div className="auth-brand">
          <Logo size={32} />
          <span>Latchkey</span>
        </div>
        <h1 ref={heading} tabIndex={-1}>
          {signup ? "Create your account" : "Sign in to the console"}
        </h1>
        {notice && !problem && (
          <div className="banner banner-info" role="status">
            {notice}
          </div>
        )}
        <nav className="auth-switch" aria-label="Account">
          <a href="#/signin" aria-current={signup ? undefined : "page"}>
            Sign in
          </a>
          <a href="#/signup" aria-current={signup ? "page" : undefined}>
            Create account
          </a>
        </nav>
        {problem && (
          <ProblemBanner
            problem={problem}
            title={signup ? "The account was not created" : "Not signed in"}
          />
        )}
        <form onSubmit={submit} noValidate aria-busy={busy}>
          <div className="field">
            <label htmlFor={`${id}-email`}>Email</label>
            <input
              id={`${id}-email`}
              type="email"
              autoComplete={signup ? "email" : "username"}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              disabled={busy}
              aria-invalid={errors.email ? true : undefined}
              aria-describedby={errors.email ? `${id}-email-error` : undefined}
            />
            {errors.email && (
              <p id={`${id}-email-error`} className="field-error">
                {errors.email}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete={signup ? "new-password" : "current-password"}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              disabled={busy}
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={
                [signup ? `${id}-password-hint` : "", errors.password ? `${id}-password-error` : ""]
                  .filter(Boolean)
                  .join(" ") || undefined
              }
            />
            {signup && (
              <p id={`${id}-password-hint`} className="field-hint">
                At least {MIN_PASSWORD_LENGTH} characters. A passphrase of a few words is easy to
                type and hard to guess.
              </p>
            )}
            {errors.password && (
              <p id={`${id}-password-error`} className="field-error">
                {errors.password}
              </p>
            )}
          </div>
          <button type="submit" className="button button-primary button-block" aria-disabled={busy}>
            {busy && <Spinner />}
            {signup
              ? busy
                ? "Creating account…"
                : "Create account"
              : busy
                ? "Signing in…"
                : "Sign in"}
          </button>
        </form>
        <p className="auth-foot muted">
          Your session is kept in a secure cookie for 7 days. The console never asks for an API key.
        </p>
      </div>
    </main>
  );
}
