/**
 * Keyed pseudonyms for the `hash` strategy: `<EMAIL:1f2e3d4c>`, the first 32
 * bits of HMAC-SHA256 over the type and the value. Equal values get equal
 * pseudonyms under one key, so a model can still tell two customers apart
 * and follow one through a conversation; without the key a pseudonym cannot
 * be linked back to a value, even by guessing likely values.
 *
 * @module
 */
import { createHmac } from "node:crypto";

/** Turns a value into its pseudonym under one key. */
export type Pseudonymizer = (type: string, value: string) => string;

/** Placeholder label of a type: `credit_card` → `CREDIT_CARD`. */
export const label = (type: string): string => type.toUpperCase();

/** Creates a pseudonymizer keyed with `key` (at least 16 bytes or characters is advised). */
export function createPseudonymizer(key: string | Uint8Array): Pseudonymizer {
  const secret = typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
  return (type, value) => {
    const digest = createHmac("sha256", secret).update(type).update("\u0000").update(value).digest("hex");
    return `<${label(type)}:${digest.slice(0, 8)}>`;
  };
}
