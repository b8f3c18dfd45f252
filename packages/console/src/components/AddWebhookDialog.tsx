import { MAX_WEBHOOK_DESCRIPTION_LENGTH, MAX_WEBHOOK_URL_LENGTH } from "@latchkey/sdk";
import { type FormEvent, useId, useRef, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { KeyEventType, WebhookWithSecret } from "../api/types.js";
import { useAction } from "../lib/useAction.js";
import { KEY_EVENTS } from "../lib/webhookEvents.js";
import { Dialog } from "./Dialog.js";
import { ProblemBanner } from "./ProblemBanner.js";
import { SecretReveal, useSecretClose } from "./SecretReveal.js";
import { Spinner } from "./Spinner.js";

/** Add an endpoint: URL, description and events; then its signing secret, shown once. */
export function AddWebhookDialog({
  onCreated,
  onClose,
}: {
  onCreated: (hook: WebhookWithSecret) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const id = useId();
  const urlField = useRef<HTMLInputElement>(null);
  const [url, setUrl] = useState("");
  const [urlError, setUrlError] = useState<string>();
  const [description, setDescription] = useState("");
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<KeyEventType[]>([]);
  const [eventsError, setEventsError] = useState<string>();
  const { busy, problem, setProblem, run } = useAction();
  const [created, setCreated] = useState<WebhookWithSecret>();
  const secret = useSecretClose(onClose);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setProblem(undefined);
    const trimmed = url.trim();
    let bad = false;
    if (!/^https?:\/\/\S+$/i.test(trimmed)) {
      setUrlError("Enter the receiver’s full address, starting with https:// (or http://).");
      urlField.current?.focus();
      bad = true;
    } else setUrlError(undefined);
    if (!all && chosen.length === 0) {
      setEventsError("Choose at least one event, or all of them.");
      bad = true;
    } else setEventsError(undefined);
    if (bad) return;
    await run(
      async () => {
        const hook = await api.createWebhook({
          url: trimmed,
          ...(description.trim() ? { description: description.trim() } : {}),
          events: all ? null : chosen,
        });
        setCreated(hook);
        onCreated(hook);
      },
      {
        // The server checks the address (scheme, private networks…) and names the field.
        handle: (info) => {
          if (info.code !== "invalid_request" || !/^url\b/.test(info.msg)) return false;
          setUrlError(info.msg.replace(/^url:\s*/, "The server refused this address: "));
          urlField.current?.focus();
          return true;
        },
      },
    );
  };

  if (created) {
    return (
      <Dialog title="Endpoint added" onRequestClose={secret.requestClose}>
        <SecretReveal secret={created.secret} kind="webhook" {...secret.props}>
          <p className="muted webhook-created-url">
            Events go to <span className="mono">{created.url}</span>. Send a test from its row to
            check your receiver.
          </p>
        </SecretReveal>
      </Dialog>
    );
  }

  return (
    <Dialog title="Add a webhook endpoint" onRequestClose={busy ? () => {} : onClose} size="large">
      <form className="dialog-body" onSubmit={submit} noValidate aria-busy={busy}>
        {problem && <ProblemBanner problem={problem} title="The endpoint was not added" />}
        <div className="field">
          <label htmlFor={`${id}-url`}>URL</label>
          <input
            id={`${id}-url`}
            ref={urlField}
            type="url"
            data-autofocus
            value={url}
            maxLength={MAX_WEBHOOK_URL_LENGTH}
            autoComplete="off"
            spellCheck={false}
            placeholder="https://example.com/hooks/latchkey"
            onChange={(e) => setUrl(e.target.value)}
            disabled={busy}
            aria-invalid={urlError ? true : undefined}
            aria-describedby={`${id}-url-hint${urlError ? ` ${id}-url-error` : ""}`}
          />
          <p id={`${id}-url-hint`} className="field-hint">
            Latchkey POSTs each event here as JSON, signed with the endpoint’s secret, and retries
            with backoff until it answers 2xx.
          </p>
          {urlError && (
            <p id={`${id}-url-error`} className="field-error">
              {urlError}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>
            Description <span className="muted">(optional)</span>
          </label>
          <input
            id={`${id}-description`}
            value={description}
            maxLength={MAX_WEBHOOK_DESCRIPTION_LENGTH}
            autoComplete="off"
            placeholder="e.g. Security alerts to the on-call channel"
            onChange={(e) => setDescription(e.target.value)}
            disabled={busy}
          />
        </div>
        <fieldset
          className="choice-list"
          disabled={busy}
          aria-describedby={eventsError ? `${id}-events-error` : undefined}
        >
          <legend>Events</legend>
          <div className="choice">
            <input
              type="radio"
              id={`${id}-all`}
              name={`${id}-events`}
              checked={all}
              onChange={() => setAll(true)}
            />
            <label htmlFor={`${id}-all`} className="choice-text">
              <span className="choice-label">All key events</span>
              <span className="choice-hint">Including kinds of event added later.</span>
            </label>
          </div>
          <div className="choice">
            <input
              type="radio"
              id={`${id}-some`}
              name={`${id}-events`}
              checked={!all}
              onChange={() => setAll(false)}
            />
            <label htmlFor={`${id}-some`} className="choice-text">
              <span className="choice-label">Only these</span>
              <span className="choice-hint">Choose below.</span>
            </label>
          </div>
          <div className="event-grid">
            {KEY_EVENTS.map((e) => (
              <label key={e.type} className="event-option">
                <input
                  type="checkbox"
                  checked={all || chosen.includes(e.type)}
                  disabled={all || busy}
                  onChange={(change) => {
                    setEventsError(undefined);
                    setChosen((c) =>
                      change.target.checked ? [...c, e.type] : c.filter((t) => t !== e.type),
                    );
                  }}
                />
                <span>
                  <span className="mono event-type">{e.type}</span>
                  <span className="choice-hint">{e.hint}</span>
                </span>
              </label>
            ))}
          </div>
          {eventsError && (
            <p id={`${id}-events-error`} className="field-error">
              {eventsError}
            </p>
          )}
        </fieldset>
        <div className="dialog-actions dialog-footer">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" aria-disabled={busy}>
            {busy && <Spinner />}
            {busy ? "Adding…" : "Add endpoint"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
