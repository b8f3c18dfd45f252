import { generateKey, type PepperRing, type SecretChange } from "@latchkey/core";

/** A fresh secret and what is stored of it: its hash, and the parts shown to people. */
export interface IssuedSecret {
  secret: string;
  stored: SecretChange;
}

/** Characters of the random part shown after the prefix, to tell keys apart at a glance. */
const VISIBLE_CHARS = 4;

export function issueSecret(peppers: PepperRing, keyPrefix: string): IssuedSecret {
  const secret = generateKey(keyPrefix);
  return {
    secret,
    stored: {
      keyHash: peppers.hash(secret),
      hashVersion: peppers.current.version,
      prefix: secret.slice(0, keyPrefix.length + 1 + VISIBLE_CHARS),
      last4: secret.slice(-4),
    },
  };
}
