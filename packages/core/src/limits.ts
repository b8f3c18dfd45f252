/**
 * The limits the server enforces and its clients state or check up front: one source, so that
 * the CLI and the console never name a limit the server does not apply.
 *
 * The SDK ships a verbatim copy (packages/sdk/src/limits.gen.ts, written by
 * `npm run generate -w @latchkey/sdk`; a test fails when it is stale), because the SDK has no
 * runtime dependency. So this file holds plain constants and imports nothing.
 */

/** A key's name, in characters. */
export const MAX_KEY_NAME_LENGTH = 255;

/** Entries in a key's IP allow-list (`key_params.ip_whitelist`). */
export const MAX_IP_ALLOW_LIST_ENTRIES = 100;

/** The longest grace window of a reset, in seconds: 7 days. */
export const MAX_GRACE_SECONDS = 7 * 86_400;

/** Each rule of the lifecycle policy is a number of days from this one up (or off). */
export const MIN_POLICY_DAYS = 1;
/** The longest maximum key lifetime a policy may set, in days. */
export const MAX_KEY_LIFETIME_DAYS = 3650;
/** The earliest expiry reminder a policy may ask for, in days before expiry. */
export const MAX_EXPIRY_REMINDER_DAYS = 365;
/** The longest idle time after which a policy may revoke a key, in days. */
export const MAX_REVOKE_UNUSED_DAYS = 3650;

/** How far back a key's usage may be asked for, in hours: the 90 days the server keeps. */
export const MAX_USAGE_HOURS = 24 * 90;
/** How far back a key's usage goes when the question does not say, in hours: a week. */
export const DEFAULT_USAGE_HOURS = 24 * 7;

/** The shortest password of a new account. */
export const MIN_PASSWORD_LENGTH = 8;

/** One page of the key list: its size when only `after` is given, and its largest. */
export const DEFAULT_KEYS_PAGE = 100;
export const MAX_KEYS_PAGE = 1000;

/** A webhook endpoint's URL and description, in characters. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 255;

/** The most deliveries one page of an endpoint's delivery log holds. */
export const MAX_WEBHOOK_DELIVERIES_PAGE = 200;

/** A team's name, in characters. */
export const MAX_TEAM_NAME_LENGTH = 100;
/** A team role's name, in characters (Vast's rule). */
export const MIN_ROLE_NAME_LENGTH = 2;
export const MAX_ROLE_NAME_LENGTH = 50;
/** How long an invitation to a team can be accepted, in seconds: 4 hours. */
export const INVITATION_SECONDS = 4 * 3600;
/** The most invitations one team may send in an hour. */
export const MAX_INVITATIONS_PER_HOUR = 20;
/** How soon the same email may be invited to the same team again, in seconds. */
export const REINVITE_SECONDS = 600;
