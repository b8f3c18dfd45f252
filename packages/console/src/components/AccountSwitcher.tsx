import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import type { Account } from "../App.js";
import { describeProblem } from "../api/client.js";
import type { MyTeam } from "../api/types.js";
import { Spinner } from "./Spinner.js";
import { useAnnounce } from "./Toasts.js";

/**
 * The account switcher: a menu button listing the personal account and each team. A team is
 * opened only when it is picked (Enter, Space or a click), never while the arrow keys move
 * through the list, so browsing the menu changes nothing.
 */
export function AccountSwitcher({
  account,
  teams,
  onSwitch,
}: {
  account: Account;
  teams: MyTeam[];
  onSwitch: (team: MyTeam | undefined) => Promise<void>;
}) {
  const announce = useAnnounce();
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const current = account.kind === "team" ? account.team.id : undefined;
  const choices: { key: string; label: string; hint: string; team: MyTeam | undefined }[] = [
    { key: "personal", label: "Personal", hint: "your own account", team: undefined },
    ...teams.map((t) => ({
      key: String(t.id),
      label: t.team_name,
      hint: `team · ${t.role}`,
      team: t,
    })),
  ];

  // On opening, focus the current account's item.
  useEffect(() => {
    if (!open) return;
    const items = menu.current?.querySelectorAll<HTMLElement>("[role=menuitemradio]");
    const checked = menu.current?.querySelector<HTMLElement>("[aria-checked=true]");
    (checked ?? items?.[0])?.focus();
  }, [open]);

  // A click anywhere else closes the menu.
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const pick = async (team: MyTeam | undefined) => {
    close();
    if ((team?.id ?? undefined) === current) return;
    setBusy(true);
    try {
      await onSwitch(team);
      announce(team ? `Now acting in team ${team.team_name}.` : "Back in your personal account.");
    } catch (err) {
      announce(
        `Could not switch to ${team?.team_name ?? "your account"}: ${describeProblem(err).msg}`,
      );
    } finally {
      setBusy(false);
    }
  };

  const onMenuKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>("[role=menuitemradio]") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      event.preventDefault();
      items[(to + items.length) % items.length]?.focus();
    };
    if (event.key === "ArrowDown") move(at + 1);
    else if (event.key === "ArrowUp") move(at - 1);
    else if (event.key === "Home") move(0);
    else if (event.key === "End") move(items.length - 1);
    else if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Tab") setOpen(false);
  };

  const label = account.kind === "team" ? account.team.team_name : "Personal";
  return (
    <div className="switcher">
      <button
        ref={button}
        type="button"
        className="switcher-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${id}-menu` : undefined}
        aria-label={`Account: ${label}${account.kind === "team" ? " (team)" : ""}. Switch account`}
        // aria-disabled, not disabled: the button keeps its focus while the switch runs.
        aria-disabled={busy}
        onClick={() => !busy && setOpen((o) => !o)}
        onKeyDown={(event) => {
          if (!busy && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {busy ? (
          <Spinner />
        ) : (
          <span className={`switcher-dot switcher-${account.kind}`} aria-hidden="true" />
        )}
        <span className="switcher-label">{label}</span>
        <svg viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">
          <path d="M3 4.5l3 3 3-3" stroke="currentColor" strokeWidth="1.5" fill="none" />
        </svg>
      </button>
      {open && (
        <div
          ref={menu}
          id={`${id}-menu`}
          className="switcher-menu"
          role="menu"
          aria-label="Switch account"
          onKeyDown={onMenuKey}
        >
          {choices.map((choice) => (
            <button
              key={choice.key}
              type="button"
              role="menuitemradio"
              aria-checked={(choice.team?.id ?? undefined) === current}
              className="switcher-item"
              tabIndex={-1}
              onClick={() => void pick(choice.team)}
            >
              <span className="switcher-item-label">{choice.label}</span>
              <span className="switcher-item-hint">{choice.hint}</span>
            </button>
          ))}
          {teams.length === 0 && (
            <p className="switcher-empty">No teams yet: create one on the Teams page.</p>
          )}
        </div>
      )}
    </div>
  );
}
