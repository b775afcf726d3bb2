/**
 * The built-in finding types: which detector reports each, how overlaps
 * between types are settled, how the `mask` strategy shows each, and the
 * group names accepted by `detectors` and `rules`.
 *
 * @module
 */
import type { CountryCode } from "libphonenumber-js/max";
import type { Detector } from "./detector.js";
import { abaRoutingFormat } from "./detectors/aba-routing.js";
import { awsDetector } from "./detectors/aws.js";
import { creditCardFormat } from "./detectors/credit-card.js";
import { emailDetector } from "./detectors/email.js";
import { genericSecretDetector } from "./detectors/generic-secret.js";
import { ibanDetector } from "./detectors/iban.js";
import { ipv4Format } from "./detectors/ipv4.js";
import { ipv6Detector } from "./detectors/ipv6.js";
import { jwtDetector } from "./detectors/jwt.js";
import { macAddressDetector } from "./detectors/mac-address.js";
import { type NumericFormat, numericDetector } from "./detectors/numeric.js";
import { phoneScanner } from "./detectors/phone.js";
import { privateKeyDetector } from "./detectors/private-key.js";
import { ssnFormat } from "./detectors/ssn.js";
import { urlCredentialsDetector } from "./detectors/url-credentials.js";
import { vendorTokenDetector } from "./detectors/vendor-tokens.js";
import { wardenApiKeyDetector } from "./detectors/warden-api-key.js";
import type { BuiltinType, PiiType, SecretType } from "./types.js";

/** How the `mask` strategy shows a value of a type. */
export type MaskStyle = "last4" | "email" | "hidden";

/** What the engine knows about a type. */
export interface TypeInfo {
  /** Wins overlaps against types of lower priority. */
  readonly priority: number;
  /** Partial display used by the `mask` strategy. */
  readonly maskStyle: MaskStyle;
}

/** Personal data types, in documentation order. */
export const PII_TYPES: readonly PiiType[] = ["email", "phone", "credit_card", "ssn", "iban", "aba_routing", "ipv4", "ipv6", "mac_address"];

/** Credential types, in documentation order. */
export const SECRET_TYPES: readonly SecretType[] = [
  "private_key",
  "jwt",
  "url_credentials",
  "aws_access_key",
  "aws_secret_key",
  "github_token",
  "gitlab_token",
  "slack_token",
  "slack_webhook",
  "stripe_key",
  "openai_key",
  "anthropic_key",
  "google_api_key",
  "npm_token",
  "sendgrid_key",
  "twilio_key",
  "huggingface_token",
  "warden_api_key",
  "generic_secret",
];

/** Every built-in type. */
export const BUILTIN_TYPES: readonly BuiltinType[] = [...PII_TYPES, ...SECRET_TYPES];

/** Priority of custom types: above personal data, below recognised credentials. */
export const CUSTOM_PRIORITY = 60;

const secret = (priority: number): TypeInfo => ({ priority, maskStyle: "hidden" });

/** Per-type facts. A PEM block beats anything inside it; specific formats beat generic ones. */
export const TYPE_INFO: Readonly<Record<BuiltinType, TypeInfo>> = {
  private_key: secret(100),
  jwt: secret(90),
  slack_webhook: secret(85),
  url_credentials: secret(80),
  aws_access_key: secret(80),
  aws_secret_key: secret(78),
  github_token: secret(80),
  gitlab_token: secret(80),
  slack_token: secret(80),
  stripe_key: secret(80),
  openai_key: secret(80),
  anthropic_key: secret(81),
  google_api_key: secret(80),
  npm_token: secret(80),
  sendgrid_key: secret(80),
  twilio_key: secret(79),
  huggingface_token: secret(80),
  warden_api_key: secret(80),
  generic_secret: secret(50),
  email: { priority: 40, maskStyle: "email" },
  credit_card: { priority: 38, maskStyle: "last4" },
  iban: { priority: 37, maskStyle: "last4" },
  ssn: { priority: 36, maskStyle: "last4" },
  aba_routing: { priority: 35, maskStyle: "last4" },
  ipv6: { priority: 30, maskStyle: "hidden" },
  ipv4: { priority: 28, maskStyle: "hidden" },
  mac_address: { priority: 27, maskStyle: "hidden" },
  phone: { priority: 20, maskStyle: "last4" },
};

/** Group names and the types they stand for. */
export const GROUPS: Readonly<Record<"ip" | "pii" | "secrets", readonly BuiltinType[]>> = {
  ip: ["ipv4", "ipv6"],
  pii: PII_TYPES,
  secrets: SECRET_TYPES,
};

/** The built-in types a detector or rule name stands for, or undefined for an unknown name. */
export function expandName(name: string): readonly BuiltinType[] | undefined {
  // Own keys only: `constructor` or `toString` name no group.
  if (Object.hasOwn(GROUPS, name)) return GROUPS[name as keyof typeof GROUPS];
  return (BUILTIN_TYPES as readonly string[]).includes(name) ? [name as BuiltinType] : undefined;
}

/** The vendor token detector; it keeps no state between scans, so every masker shares it. */
const vendorTokens = vendorTokenDetector();

/**
 * Creates the built-in detectors needed for `types`. The numeric formats
 * (cards, SSNs, routing numbers, IPv4, phones) share one pass; the phone
 * scanner reads national numbers of `phoneRegions`.
 */
export function builtinDetectors(types: ReadonlySet<string>, phoneRegions: readonly CountryCode[]): readonly Detector[] {
  const formats = [creditCardFormat, ssnFormat, abaRoutingFormat, ipv4Format].filter((f: NumericFormat) => types.has(f.type));
  const phone = types.has("phone") ? phoneScanner(phoneRegions) : undefined;
  const detectors: Detector[] = [
    privateKeyDetector,
    jwtDetector,
    urlCredentialsDetector,
    awsDetector,
    vendorTokens,
    wardenApiKeyDetector,
    genericSecretDetector,
    emailDetector,
    ibanDetector,
    ipv6Detector,
    macAddressDetector,
  ];
  if (formats.length > 0 || phone !== undefined) detectors.push(numericDetector(formats, phone));
  return detectors;
}
