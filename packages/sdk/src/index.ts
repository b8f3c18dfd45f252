export { backoffMs, parseRetryAfter } from "./backoff.js";
export { type CallOptions, Latchkey, type LatchkeyOptions, type RequestInfo } from "./latchkey.js";
export {
  type ClientErrorCode,
  LatchkeyError,
  type LatchkeyErrorCode,
  type LatchkeyErrorInit,
} from "./latchkeyError.js";
export * from "./limits.gen.js";
export { redactBody, redactSecret } from "./redact.js";
export {
  type CredentialSource,
  DEFAULT_URL,
  type Env,
  keyFilePath,
  type ResolvedCredentials,
  resolveCredentials,
} from "./resolveCredentials.js";
export * from "./types.js";
export { type UsageBucket, type UsageBucketOptions, usageBuckets } from "./usageBuckets.js";
export {
  Verifier,
  type VerifierOptions,
  type VerifierState,
} from "./verifier/verifier.js";
export {
  type VerifyWebhookSignatureInput,
  verifyWebhookSignature,
} from "./verifyWebhookSignature.js";

/** The SDK's version. */
export const SDK_VERSION = "0.1.0";
