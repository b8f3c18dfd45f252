import { isIP } from "node:net";
import {
  DEFAULT_KEY_PREFIX,
  isValidPrefix,
  parsePeppers,
  platformRoutes,
  RouteCatalogue,
  type RouteEntry,
  sessionPrefixOf,
} from "@latchkey/core";
import { isValidSchemaName } from "@latchkey/store";
import { loadOperatorRoutes } from "./catalogue/operatorCatalogue.js";

/** Server configuration, parsed once at start and frozen. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL schema for the tables (created if missing); unset: the connection's default. */
  databaseSchema: string | undefined;
  /** PostgreSQL mode: how long a node trusts its key cache after its last heartbeat. */
  nodeLeaseMs: number;
  /** How long a verifier trusts its verdicts after a renewal its node granted. */
  verifierLeaseMs: number;
  redisUrl: string | undefined;
  /** Peppers as given (`v2:<hex>,v1:<hex>`); undefined means generate one into the data dir. */
  pepper: string | undefined;
  signup: "open" | "closed";
  keyPrefix: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** `auto`: human-readable lines when stdout is a terminal, JSON otherwise. */
  logFormat: "auto" | "json" | "pretty";
  /** Port of the separate Prometheus listener; undefined = no metrics at all. */
  metricsPort: number | undefined;
  /** Address of the metrics listener. */
  metricsHost: string;
  /** How many verified keys each node keeps in memory. */
  keyCacheSize: number;
  /** Seconds between batched writes of keys' last use. */
  usageFlushSeconds: number;
  /** Seconds between lifecycle sweeps (reminders, expiry events, revocation of unused keys). */
  lifecycleSweepSeconds: number;
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** A JSON file of the operator's own routes, added to the catalogue (source "operator"). */
  catalogueFile: string | undefined;
  /** The routes of catalogueFile, read and checked once, when the configuration is parsed. */
  operatorRoutes: readonly RouteEntry[];
  /** Verify API calls per minute per caller IP; 0 = unlimited. */
  verifyRateLimit: number;
  /** Prefix of Latchkey's Redis keys. */
  redisPrefix: string;
  /** Requests per minute per route and caller. */
  rateLimit: number;
  /** Sign-ups, logins and key creations per minute per caller. */
  sensitiveRateLimit: number;
  /** Failed authentications per minute per IP before the IP's unverified credentials get 429. */
  failedAuthLimit: number;
  /** Look-ups a minute of not-yet-cached credentials still made for a throttled IP. */
  throttledLookupLimit: number;
  /** Failed logins per account per 15 minutes, from any address, before its logins get 429. */
  loginFailureLimit: number;
  /** Refused uses per minute per known key that are answered and audited; beyond, 429. */
  deniedUseLimit: number;
  /** Fastify's trustProxy: which peers may set X-Forwarded-For. Off by default. */
  trustProxy: boolean | number | string[];
  /** Seconds between this node's webhook passes (fan-out and due deliveries); 0 = none here. */
  webhookPollSeconds: number;
  /** Waits before each retry of a failed delivery; attempts = retries + 1, then "failed". */
  webhookRetrySeconds: readonly number[];
  /** Time allowed for one delivery attempt. */
  webhookTimeoutSeconds: number;
  /** Whether webhooks may go to loopback, private and link-local addresses. */
  webhookAllowPrivate: boolean;
  /** Days delivered and failed deliveries stay in the log; 0 = forever. */
  webhookRetentionDays: number;
  /** API keys and sessions created per minute per account, whoever creates them; 0 = unlimited. */
  accountKeyRateLimit: number;
  /** Live API keys an account may have; 0 = no cap. */
  accountMaxKeys: number;
  /** Live sessions an account may have; 0 = no cap. */
  accountMaxSessions: number;
}

/** One configuration setting: its environment name, flag, default and parser. */
export interface Setting<K extends keyof Config = keyof Config> {
  key: K;
  env: string;
  flag: string;
  description: string;
  default: Config[K];
  parse(raw: string): Config[K];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw.trim()))
      throw new Error(`expected a whole number from ${min} to ${max}, got '${raw}'`);
    const n = Number(raw);
    if (n < min || n > max)
      throw new Error(`expected a whole number from ${min} to ${max}, got ${n}`);
    return n;
  };
}

/** `false`, `true`, a hop count, or a list of proxy addresses and CIDR ranges. */
function parseTrustProxy(raw: string): boolean | number | string[] {
  if (raw === "false") return false;
  if (raw === "true") return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const entries = raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address = "", bits, extra] = entry.split("/");
    const family = isIP(address);
    const maxBits = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits))
    ) {
      throw new Error(
        `expected false, true, a hop count or proxy IPs/CIDRs (at most /${maxBits} for IPv${family || 4}); '${entry}' is none of these`,
      );
    }
  }
  return entries;
}

function oneOf<T extends string>(...values: T[]) {
  return (raw: string): T => {
    if (!(values as string[]).includes(raw))
      throw new Error(`expected one of ${values.join(", ")}, got '${raw}'`);
    return raw as T;
  };
}

function url(...protocols: string[]) {
  return (raw: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`expected a URL (${protocols.join(" or ")}), got something else`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new Error(`expected a ${protocols.join(" or ")} URL, got '${parsed.protocol}'`);
    }
    return raw;
  };
}

/** Comma-separated whole numbers of seconds, e.g. `10,60,300`: at least one, at most 20. */
function secondsList(max: number) {
  return (raw: string): number[] => {
    const parts = raw.split(",").map((p) => p.trim());
    if (parts.length === 0 || parts.length > 20 || parts.some((p) => !/^\d+$/.test(p))) {
      throw new Error(
        `expected 1 to 20 whole numbers of seconds separated by commas, got '${raw}'`,
      );
    }
    const values = parts.map(Number);
    const tooLong = values.find((v) => v > max);
    if (tooLong !== undefined) throw new Error(`each wait is at most ${max} s, got ${tooLong}`);
    return values;
  };
}

function boolean(raw: string): boolean {
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new Error(`expected true or false, got '${raw}'`);
}

const text = (raw: string): string => {
  if (raw.trim() === "") throw new Error("must not be empty");
  return raw;
};

function define<K extends keyof Config>(setting: Setting<K>): Setting<K> {
  return setting;
}

export const settings = [
  define({
    key: "port",
    env: "LATCHKEY_PORT",
    flag: "--port",
    description: "listen port (0 = any free port)",
    default: 8080,
    parse: integer(0, 65535),
  }),
  define({
    key: "host",
    env: "LATCHKEY_HOST",
    flag: "--host",
    description: "listen address",
    default: "127.0.0.1",
    parse: text,
  }),
  define({
    key: "dataDir",
    env: "LATCHKEY_DATA_DIR",
    flag: "--data-dir",
    description: "directory of the embedded SQLite database and generated secrets",
    default: "./data",
    parse: text,
  }),
  define({
    key: "databaseUrl",
    env: "LATCHKEY_DATABASE_URL",
    flag: "--database-url",
    description: "postgres://… switches storage to PostgreSQL",
    default: undefined,
    parse: url("postgres:", "postgresql:"),
  }),
  define({
    key: "databaseSchema",
    env: "LATCHKEY_DATABASE_SCHEMA",
    flag: "--database-schema",
    description: "PostgreSQL schema for Latchkey's tables, created if missing (default: the URL's)",
    default: undefined,
    parse: (raw) => {
      if (!isValidSchemaName(raw))
        throw new Error("expected lowercase letters, digits and _, starting with a letter or _");
      return raw;
    },
  }),
  define({
    key: "nodeLeaseMs",
    env: "LATCHKEY_NODE_LEASE_MS",
    flag: "--node-lease-ms",
    description:
      "PostgreSQL mode: ms a node trusts its key cache after a heartbeat; bounds how long a delete waits for a dead node (docs/revocation.md)",
    default: 3000,
    parse: integer(200, 60_000),
  }),
  define({
    key: "verifierLeaseMs",
    env: "LATCHKEY_VERIFIER_LEASE_MS",
    flag: "--verifier-lease-ms",
    description:
      "ms a connected verifier answers from its cache after its last renewal; bounds how long a delete waits for a silent verifier (docs/revocation.md)",
    default: 3000,
    parse: integer(200, 60_000),
  }),
  define({
    key: "redisUrl",
    env: "LATCHKEY_REDIS_URL",
    flag: "--redis-url",
    description: "redis://… shares rate-limit counters across nodes",
    default: undefined,
    parse: url("redis:", "rediss:"),
  }),
  define({
    key: "pepper",
    env: "LATCHKEY_PEPPER",
    flag: "--pepper",
    description: "key-hashing secret, 'v<N>:<hex>' newest first; generated in SQLite mode",
    default: undefined,
    // Checked here (the value itself is never part of the message), so a bad pepper stops
    // start-up naming the variable before anything is opened.
    parse: (raw) => {
      parsePeppers(raw);
      return raw;
    },
  }),
  define({
    key: "signup",
    env: "LATCHKEY_SIGNUP",
    flag: "--signup",
    description: "'open', or 'closed' (only an administrator adds accounts)",
    default: "open",
    parse: oneOf("open", "closed"),
  }),
  define({
    key: "keyPrefix",
    env: "LATCHKEY_KEY_PREFIX",
    flag: "--key-prefix",
    description:
      "prefix of issued keys: 1–15 lowercase letters and digits, starting with a letter (session keys add 's')",
    default: DEFAULT_KEY_PREFIX,
    // Session keys carry the prefix and an `s`, and a key's prefix has at most 16 characters,
    // so a 16-character prefix would make every login fail; it is refused here instead.
    parse: (raw) => {
      if (!isValidPrefix(raw) || !isValidPrefix(sessionPrefixOf(raw)))
        throw new Error(
          `expected 1–15 lowercase letters and digits, starting with a letter (session keys are issued as '${sessionPrefixOf("<prefix>")}_…', at most 16 characters before the '_'); got '${raw}'`,
        );
      return raw;
    },
  }),
  define({
    key: "logLevel",
    env: "LATCHKEY_LOG_LEVEL",
    flag: "--log-level",
    description: "fatal, error, warn, info, debug, trace or silent",
    default: "info",
    parse: oneOf("fatal", "error", "warn", "info", "debug", "trace", "silent"),
  }),
  define({
    key: "logFormat",
    env: "LATCHKEY_LOG_FORMAT",
    flag: "--log-format",
    description:
      "'auto' (human-readable lines when stdout is a terminal, one JSON object a line otherwise), 'json' or 'pretty'",
    default: "auto",
    parse: oneOf("auto", "json", "pretty"),
  }),
  define({
    key: "metricsPort",
    env: "LATCHKEY_METRICS_PORT",
    flag: "--metrics-port",
    description:
      "port of a separate listener serving Prometheus metrics at /metrics, never on the API port (0 = any free port; unset = no metrics)",
    default: undefined,
    parse: integer(0, 65535),
  }),
  define({
    key: "metricsHost",
    env: "LATCHKEY_METRICS_HOST",
    flag: "--metrics-host",
    description:
      "address of the metrics listener; metrics are not public, keep it on a private or loopback address",
    default: "127.0.0.1",
    parse: text,
  }),
  define({
    key: "keyCacheSize",
    env: "LATCHKEY_KEY_CACHE_SIZE",
    flag: "--key-cache-size",
    description:
      "verified keys kept in memory per node, and as many secrets found unknown (0 turns both off)",
    default: 10_000,
    parse: integer(0, 10_000_000),
  }),
  define({
    key: "usageFlushSeconds",
    env: "LATCHKEY_USAGE_FLUSH_SECONDS",
    flag: "--usage-flush-seconds",
    description: "seconds between batched writes of keys' last use",
    default: 10,
    parse: integer(1, 3600),
  }),
  define({
    key: "lifecycleSweepSeconds",
    env: "LATCHKEY_LIFECYCLE_SWEEP_SECONDS",
    flag: "--lifecycle-sweep-seconds",
    description: "seconds between applications of the accounts' lifecycle policies (0 = never)",
    default: 60,
    parse: integer(0, 86_400),
  }),
  define({
    key: "bodyLimit",
    env: "LATCHKEY_BODY_LIMIT",
    flag: "--body-limit",
    description: "largest request body in bytes",
    default: 65_536,
    parse: integer(1024, 10_485_760),
  }),
  define({
    key: "catalogueFile",
    env: "LATCHKEY_CATALOGUE_FILE",
    flag: "--catalogue-file",
    description:
      "JSON file of your own services' routes [{method, path, category, name, summary}] for permission trees and the verify API",
    default: undefined,
    // Read and checked by parseConfig, so a bad file stops start-up with this variable's name.
    parse: (raw) => raw,
  }),
  define({
    key: "verifyRateLimit",
    env: "LATCHKEY_VERIFY_RATE_LIMIT",
    flag: "--verify-rate-limit",
    description: "verify API calls per minute per caller IP (0 = unlimited)",
    default: 60_000,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "redisPrefix",
    env: "LATCHKEY_REDIS_PREFIX",
    flag: "--redis-prefix",
    description: "prefix of Latchkey's Redis keys, for deployments that share a Redis",
    default: "latchkey:",
    parse: text,
  }),
  define({
    key: "rateLimit",
    env: "LATCHKEY_RATE_LIMIT",
    flag: "--rate-limit",
    description: "requests per minute per route and caller (key, session or IP; 0 = unlimited)",
    default: 600,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "sensitiveRateLimit",
    env: "LATCHKEY_SENSITIVE_RATE_LIMIT",
    flag: "--sensitive-rate-limit",
    description: "sign-ups, logins and key creations per minute per caller (0 = unlimited)",
    default: 10,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "failedAuthLimit",
    env: "LATCHKEY_FAILED_AUTH_LIMIT",
    flag: "--failed-auth-limit",
    description:
      "failed authentications (keys, sessions) per minute per IP; beyond it, credentials from that IP that this node has not verified get 429 without a look-up, verified ones still work (0 = unlimited; also the failed logins per minute per IP)",
    default: 20,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "throttledLookupLimit",
    env: "LATCHKEY_THROTTLED_LOOKUP_LIMIT",
    flag: "--throttled-lookup-limit",
    description:
      "database look-ups a minute still made for a throttled IP's credentials that are not cached and not seen failing, so valid keys not yet cached get in; only failed look-ups use it up (0 = none)",
    default: 20,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "loginFailureLimit",
    env: "LATCHKEY_LOGIN_FAILURE_LIMIT",
    flag: "--login-failure-limit",
    description:
      "failed logins per account per 15 minutes, from any address, before that account's logins get 429; its sessions and keys keep working (0 = unlimited)",
    default: 10,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "deniedUseLimit",
    env: "LATCHKEY_DENIED_USE_LIMIT",
    flag: "--denied-use-limit",
    description:
      "refused uses per minute per known key (outside its allow-list, expired, lacking the permission; REST and verify API) that are answered and audited, as one counted row per key, route, reason and minute; beyond it they get 429 / RATE_LIMITED and no audit row, while the key's allowed uses still work (0 = unlimited)",
    default: 60,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "trustProxy",
    env: "LATCHKEY_TRUST_PROXY",
    flag: "--trust-proxy",
    description:
      "take the client IP from X-Forwarded-For when the peer is one of these proxies: 'false' (default), 'true', a hop count, or IPs/CIDRs separated by commas",
    default: false,
    parse: parseTrustProxy,
  }),
  define({
    key: "webhookPollSeconds",
    env: "LATCHKEY_WEBHOOK_POLL_SECONDS",
    flag: "--webhook-poll-seconds",
    description:
      "seconds between this node's webhook passes: new key events fanned out, due deliveries sent (0 = this node sends none)",
    default: 5,
    parse: integer(0, 3600),
  }),
  define({
    key: "webhookRetrySeconds",
    env: "LATCHKEY_WEBHOOK_RETRY_SECONDS",
    flag: "--webhook-retry-seconds",
    description:
      "waits before each retry of a failed webhook delivery, comma-separated; after the last the delivery is 'failed'",
    default: [10, 60, 300, 1800, 7200, 21_600, 43_200, 86_400],
    parse: secondsList(7 * 86_400),
  }),
  define({
    key: "webhookTimeoutSeconds",
    env: "LATCHKEY_WEBHOOK_TIMEOUT_SECONDS",
    flag: "--webhook-timeout-seconds",
    description: "seconds a webhook receiver has to answer one delivery attempt",
    default: 10,
    parse: integer(1, 120),
  }),
  define({
    key: "webhookAllowPrivate",
    env: "LATCHKEY_WEBHOOK_ALLOW_PRIVATE",
    flag: "--webhook-allow-private",
    description:
      "'true' lets webhooks go to loopback, private and link-local addresses (default 'false': refused, against SSRF)",
    default: false,
    parse: boolean,
  }),
  define({
    key: "webhookRetentionDays",
    env: "LATCHKEY_WEBHOOK_RETENTION_DAYS",
    flag: "--webhook-retention-days",
    description:
      "days delivered and failed webhook deliveries stay in the delivery log (0 = forever)",
    default: 30,
    parse: integer(0, 3650),
  }),
  define({
    key: "accountKeyRateLimit",
    env: "LATCHKEY_ACCOUNT_KEY_RATE_LIMIT",
    flag: "--account-key-rate-limit",
    description:
      "API keys and sessions (logins) created per minute per account, by all its keys and logins together (0 = unlimited)",
    default: 20,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "accountMaxKeys",
    env: "LATCHKEY_ACCOUNT_MAX_KEYS",
    flag: "--account-max-keys",
    description:
      "live (not deleted, not expired) API keys an account may have; creating one more answers 409 api_key_limit_reached (0 = no cap)",
    default: 1000,
    parse: integer(0, 100_000_000),
  }),
  define({
    key: "accountMaxSessions",
    env: "LATCHKEY_ACCOUNT_MAX_SESSIONS",
    flag: "--account-max-sessions",
    description:
      "live sessions an account may have; a login beyond it answers 409 session_limit_reached (0 = no cap)",
    default: 100,
    parse: integer(0, 100_000_000),
  }),
] as const;

export type ConfigSource = Readonly<Record<string, string | undefined>>;

/**
 * Settings each valid alone that do not work together: refused at start-up, naming the
 * variable, rather than failing later. `given` holds the variables that were set.
 */
export interface CombinationRule {
  /** The variable the message names: the one to change. */
  variable: string;
  /** The rule in words, for docs/configuration.md. */
  rule: string;
  /** The problem with this configuration, or undefined when it is fine. */
  check(config: Config, given: ReadonlySet<string>): string | undefined;
}

/** A setting that only one storage or rate-limit mode reads, set without that mode. */
function onlyWith(variable: string, needs: string, mode: string, key: keyof Config) {
  return {
    variable,
    rule: `\`${variable}\` is refused without \`${needs}\` (${mode} only; it would be ignored)`,
    check: (config: Config, given: ReadonlySet<string>) =>
      given.has(variable) && config[key] === undefined
        ? `only used with ${needs} (${mode}); without it this setting would be silently ignored. Set ${needs} or unset ${variable}`
        : undefined,
  };
}

export const combinationRules: readonly CombinationRule[] = [
  {
    variable: "LATCHKEY_PEPPER",
    rule: "`LATCHKEY_PEPPER` is required with `LATCHKEY_DATABASE_URL`",
    check: (config) =>
      config.databaseUrl !== undefined && config.pepper === undefined
        ? "required with LATCHKEY_DATABASE_URL: every node must hash keys with the same pepper (e.g. v1:$(openssl rand -hex 32))"
        : undefined,
  },
  // A node meant for a cluster that silently ran on its own SQLite file would neither share
  // keys nor hear revocations: a typo in the URL's variable must not start such a node.
  onlyWith("LATCHKEY_DATABASE_SCHEMA", "LATCHKEY_DATABASE_URL", "PostgreSQL mode", "databaseUrl"),
  onlyWith("LATCHKEY_NODE_LEASE_MS", "LATCHKEY_DATABASE_URL", "PostgreSQL mode", "databaseUrl"),
  onlyWith("LATCHKEY_REDIS_PREFIX", "LATCHKEY_REDIS_URL", "shared rate limits", "redisUrl"),
  onlyWith("LATCHKEY_METRICS_HOST", "LATCHKEY_METRICS_PORT", "metrics", "metricsPort"),
  {
    variable: "LATCHKEY_METRICS_PORT",
    rule: "`LATCHKEY_METRICS_PORT` must differ from `LATCHKEY_PORT` (metrics are never served on the API port)",
    check: (config) =>
      config.metricsPort !== undefined &&
      config.metricsPort !== 0 &&
      config.metricsPort === config.port
        ? `is the API port (${config.port}): metrics have a listener of their own, so that they are never reachable where the API is. Choose another port`
        : undefined,
  },
];

function operatorRoutesOf(file: string | undefined): readonly RouteEntry[] {
  if (file === undefined) return [];
  try {
    const routes = loadOperatorRoutes(file);
    // Names the Vast preset already gives another category are refused here; the server's
    // own names when the catalogue is assembled (catalogue/serverCatalogue.ts).
    new RouteCatalogue([...platformRoutes, ...routes]);
    return routes;
  } catch (err) {
    throw new ConfigError("LATCHKEY_CATALOGUE_FILE", (err as Error).message);
  }
}

/**
 * Reads every setting from `env` (and `overrides`, keyed by environment name, which win).
 * Throws a ConfigError naming the variable on the first bad value or combination.
 */
export function parseConfig(env: ConfigSource, overrides: ConfigSource = {}): Readonly<Config> {
  const config: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const setting of settings) {
    const raw = overrides[setting.env] ?? env[setting.env];
    if (raw === undefined || raw === "") {
      config[setting.key] = setting.default;
      continue;
    }
    given.add(setting.env);
    try {
      config[setting.key] = setting.parse(raw);
    } catch (err) {
      throw new ConfigError(setting.env, (err as Error).message);
    }
  }
  config.operatorRoutes = operatorRoutesOf(config.catalogueFile as string | undefined);
  const parsed = config as unknown as Config;
  for (const rule of combinationRules) {
    const problem = rule.check(parsed, given);
    if (problem !== undefined) throw new ConfigError(rule.variable, problem);
  }
  return Object.freeze(parsed);
}
