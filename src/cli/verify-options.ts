/**
 * The verification options of the `audit` commands: the log, the public
 * key(s) of `--key`, the expected heads of `--head` and `--heads`, `--table`,
 * `--chain` and `--strict`; and the verification they ask for.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { JWK } from "jose";
import { type AuditVerification, type ExpectedHead, type VerifyAuditOptions, verifyAuditLog } from "../audit/verify.js";
import { type AuditSource, openAuditSource } from "./audit-source.js";
import { UsageError } from "./usage-error.js";

/** The `parseArgs` options every command that verifies a log takes. */
export const VERIFY_ARGS = {
  key: { type: "string" },
  head: { type: "string", multiple: true },
  heads: { type: "string" },
  table: { type: "string" },
  chain: { type: "string" },
  strict: { type: "boolean" },
} as const;

/** The values of {@link VERIFY_ARGS}, as parsed. */
export interface VerifyArgs {
  key?: string | undefined;
  head?: string[] | undefined;
  heads?: string | undefined;
  table?: string | undefined;
  chain?: string | undefined;
  strict?: boolean | undefined;
}

/**
 * Reads the one log the positionals name and verifies it as the arguments
 * say.
 *
 * @param keyRequired - the message when `--key` is missing
 * @throws UsageError for anything but one log, no key, a key or heads that cannot be read, a log that cannot be read
 */
export async function verifyFromArgs(positionals: readonly string[], values: VerifyArgs, keyRequired: string): Promise<{ log: AuditSource; verification: AuditVerification }> {
  const source = positionals[0];
  if (!source || positionals.length > 1) throw new UsageError("give exactly one log: a JSONL file or a postgres:// URL");
  if (!values.key) throw new UsageError(keyRequired);
  const expectHead = expectedHeads(values.head ?? [], values.heads, values.chain);
  const options: VerifyAuditOptions = {
    ...readKeys(values.key),
    ...(expectHead !== undefined ? { expectHead } : {}),
    ...(values.strict ? { strict: true } : {}),
  };
  const log = await openAuditSource(source, { table: values.table, chain: values.chain });
  try {
    return { log, verification: await verifyAuditLog(log.input, options) };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : "verification could not run");
  }
}

/** The public key or keys of `--key`: one JWK, or a JWKS (`{ keys: [...] }`). Only public members are kept. */
function readKeys(path: string): Pick<VerifyAuditOptions, "publicKey" | "jwks"> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new UsageError(`cannot read a JSON key from ${path}`, "WARDEN_CLI_KEY");
  }
  const value = parsed as { keys?: JWK[]; d?: string };
  if (Array.isArray(value.keys)) {
    // Without a key nothing can be verified: bad usage, not a tampered log.
    if (value.keys.length === 0) throw new UsageError(`${path} holds no key`, "WARDEN_CLI_KEY");
    return { jwks: { keys: value.keys.map(publicPart) } };
  }
  return { publicKey: publicPart(value as JWK) };
}
/** Only the public members of a key are ever used, even if a private key file is passed. */
function publicPart(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.kid ? { kid: jwk.kid } : {}) };
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** A `--head`: a bare hash, or `CHAIN:SEQ:HASH` (the chain may itself hold colons). */
function parseHead(text: string): ExpectedHead {
  if (HEX_HASH.test(text)) return { hash: text };
  const match = /^(.+):([1-9]\d*):([0-9a-f]{64})$/.exec(text);
  if (!match) throw new UsageError("--head must be a 64-character hex hash or CHAIN:SEQ:HASH");
  return { chain: match[1]!, seq: Number(match[2]), hash: match[3]! };
}

/**
 * The heads of a `--heads` file: a JSON list of heads, a record of heads by
 * chain, or JSON Lines of heads (e.g. the events `onCheckpoint` published).
 */
function readHeads(path: string): NonNullable<VerifyAuditOptions["expectHead"]> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`cannot read heads from ${path}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) || (typeof parsed === "object" && parsed !== null && typeof (parsed as { hash?: unknown }).hash !== "string")) {
      return parsed as NonNullable<VerifyAuditOptions["expectHead"]>;
    }
  } catch {
    // Not one JSON document: JSON Lines.
  }
  try {
    const heads = text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as ExpectedHead);
    if (heads.length === 0) throw new UsageError(`${path} holds no head`);
    return heads;
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError(`${path} is neither JSON nor JSON Lines of heads`);
  }
}

/**
 * The expected heads of `--head` and `--heads`: one bare `--head` hash keeps
 * its single-head meaning; anything else is a head per chain. With `--chain`,
 * only that chain's heads (and those naming no chain) apply.
 */
function expectedHeads(heads: readonly string[], headsFile: string | undefined, chain: string | undefined): VerifyAuditOptions["expectHead"] {
  if (heads.length === 0 && headsFile === undefined) return undefined;
  if (heads.length === 1 && headsFile === undefined && HEX_HASH.test(heads[0]!)) return heads[0];
  const fromFile = headsFile === undefined ? [] : readHeads(headsFile);
  const listed: (ExpectedHead | string)[] = Array.isArray(fromFile)
    ? [...fromFile]
    : Object.entries(fromFile).map(([name, head]) => (typeof head === "string" ? { chain: name, hash: head } : { ...head, chain: name }));
  listed.push(...heads.map(parseHead));
  return chain === undefined ? listed : listed.filter((head) => typeof head === "string" || head.chain === undefined || head.chain === chain);
}
