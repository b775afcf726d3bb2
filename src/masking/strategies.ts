/**
 * The replacement text of each strategy, except `tokenize` (see the token
 * vault) and `block` (which replaces nothing: the call fails).
 *
 * @module
 */

import type { MaskStyle } from "./catalog.js";
import { label } from "./pseudonym.js";

/** Every strategy name. */
export const STRATEGIES = ["redact", "mask", "hash", "tokenize", "block"] as const;

/** `redact`: the type in brackets, `[CREDIT_CARD]`. */
export const redacted = (type: string): string => `[${label(type)}]`;

/** Fixed mask of values that show nothing, so the length of a secret is not given away either. */
const HIDDEN = "********";

/**
 * `mask`: a partial view.
 *
 * - `last4`: the last four digits (letters too for IBANs) after one star per
 *   hidden character, separators dropped: `************4242`.
 * - `email`: first character of the local part and the domain: `a***@example.com`.
 * - `hidden`: `********`, whatever the value.
 */
export function masked(value: string, style: MaskStyle): string {
  if (style === "email") {
    const at = value.lastIndexOf("@");
    return at > 0 ? `${value[0]}***${value.slice(at)}` : HIDDEN;
  }
  if (style === "last4") {
    const compact = value.replace(/[^0-9A-Za-z]/g, "");
    if (compact.length <= 4) return "*".repeat(compact.length);
    return "*".repeat(compact.length - 4) + compact.slice(-4);
  }
  return HIDDEN;
}
