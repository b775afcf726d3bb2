/**
 * Shared shapes of the masking engine: finding types, strategies, findings and
 * the results of a masking call.
 *
 * @module
 */

/** Personal data types recognised out of the box. */
export type PiiType = "email" | "phone" | "credit_card" | "ssn" | "iban" | "aba_routing" | "ipv4" | "ipv6" | "mac_address";

/** Credentials and keys recognised out of the box. */
export type SecretType =
  | "url_credentials"
  | "jwt"
  | "private_key"
  | "aws_access_key"
  | "aws_secret_key"
  | "github_token"
  | "gitlab_token"
  | "slack_token"
  | "slack_webhook"
  | "stripe_key"
  | "openai_key"
  | "anthropic_key"
  | "google_api_key"
  | "npm_token"
  | "sendgrid_key"
  | "twilio_key"
  | "huggingface_token"
  | "warden_api_key"
  | "generic_secret";

/** Every built-in finding type. */
export type BuiltinType = PiiType | SecretType;

/**
 * Names accepted by `detectors` and `rules`: a built-in type, or a group:
 * `"ip"` (IPv4 and IPv6), `"pii"` (every personal data type) or `"secrets"`
 * (every credential type).
 */
export type DetectorName = BuiltinType | "ip" | "pii" | "secrets";

/**
 * What happens to a value once found.
 *
 * - `redact`: replaced by its type, `[EMAIL]`.
 * - `mask`: partially hidden, `************4242`, `a***@example.com`.
 * - `hash`: a keyed pseudonym, `<EMAIL:1f2e3d4c>`, equal for equal values.
 * - `tokenize`: a reversible token, `<EMAIL_TOKEN:…>`, kept encrypted in a vault.
 * - `block`: the whole call fails with `MaskingBlockedError`.
 */
export type Strategy = "redact" | "mask" | "hash" | "tokenize" | "block";

/** A match reported by a detector: its type and offsets, never its value. */
export interface Span {
  /** Finding type (`email`, `credit_card`, a custom type, …). */
  readonly type: string;
  /** Offset of the first character in the scanned text. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

/** A value found and handled by a masker. Carries no part of the value. */
export interface Finding extends Span {
  /** How the value was handled; `reveal` when the caller asked to see that type. */
  readonly strategy: Strategy | "reveal";
}

/** A finding inside a structured value: `path` names the string it was in. */
export interface DeepFinding extends Finding {
  /** Keys and indexes from the root to the string, e.g. `["messages", 2, "content"]`. */
  readonly path: readonly (string | number)[];
}

/** Result of masking a string. */
export interface MaskResult {
  /** The text with every finding replaced. */
  readonly text: string;
  /** What was found, in order of position in the input. */
  readonly findings: readonly Finding[];
}

/** Result of masking a structured value. */
export interface DeepMaskResult<T> {
  /** A copy of the input with every string masked; the input is left untouched. */
  readonly value: T;
  /** What was found, with the path of each string. */
  readonly findings: readonly DeepFinding[];
}

/** Per-call options of `mask`, `maskDeep` and `stream`. */
export interface MaskCallOptions {
  /** Types to leave as they are for this call (the caller may see them). */
  readonly reveal?: readonly string[];
  /** Tenant that tokens created by the `tokenize` strategy belong to. */
  readonly tenant?: string;
}

/** Options of `unmask` and `unmaskDeep`. */
export interface UnmaskOptions {
  /** Only tokens created for this tenant are restored. */
  readonly tenant?: string;
}
