/**
 * Reversible tokens for the `tokenize` strategy.
 *
 * A token, `<EMAIL_TOKEN:k3v9q2m7x4c8w1zb>`, names a value without carrying
 * it. The first 11 characters of its id are a keyed digest of the tenant, the
 * type and the value, so the same value gets the same token within a tenant
 * (a model can still tell values apart) and a different one in another
 * tenant. The last 5 are a keyed check of the type and those 11: any masker
 * holding the same key (every instance sharing a vault) can tell a token it
 * issued from a look-alike without a lookup (see {@link TokenVault.issued}),
 * so a forged placeholder cannot pass for one. The value is sealed
 * with AES-256-GCM under a key derived from `vaultKey`, with the tenant, the
 * type and the id as associated data, and stored under a key that includes a
 * digest of the tenant. Restoring a token therefore needs the right tenant
 * twice over: the record is not found under another tenant's key, and a
 * record moved there would fail authentication.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { label } from "./pseudonym.js";
import type { Vault } from "./vault.js";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const ID_LENGTH = 16;
/** Characters of an id that name the value; the rest are the check. */
const DIGEST_LENGTH = 11;

/** What stands between the type label and the id in a token: `<EMAIL_TOKEN:k3v9q2m7x4c8w1zb>`. */
export const TOKEN_MARKER = "_TOKEN:";

/** The character of {@link TOKEN_MARKER} that ordinary text holds least often, and its place in the marker. */
const MARKER_KEY = "K";
const MARKER_KEY_AT = TOKEN_MARKER.indexOf(MARKER_KEY);

/**
 * Whether `text` holds {@link TOKEN_MARKER} at or after `from`. A search for
 * one rare character, each hit checked in place, is several times faster on
 * long texts than V8's search for the whole marker.
 */
export function hasTokenMarker(text: string, from: number): boolean {
  for (let at = text.indexOf(MARKER_KEY, from + MARKER_KEY_AT); at !== -1; at = text.indexOf(MARKER_KEY, at + 1)) {
    if (text.startsWith(TOKEN_MARKER, at - MARKER_KEY_AT)) return true;
  }
  return false;
}

/** Matches a token the vault makes; group 1 is the type label, group 2 the id. Not global: no shared state. */
export const TOKEN_PATTERN = new RegExp(`<([A-Z][A-Z0-9_]*)${TOKEN_MARKER}([a-z2-7]{${ID_LENGTH}})>`);

/** Length of a token whose type label is `labelLength` characters long. */
export const tokenLength = (labelLength: number): number => labelLength + TOKEN_MARKER.length + ID_LENGTH + 2;

/** A global pattern of the tokens of these type labels only; group 1 is the type label, group 2 the id. */
export const tokensOf = (labels: readonly string[]): RegExp => new RegExp(`<(${labels.join("|")})${TOKEN_MARKER}([a-z2-7]{${ID_LENGTH}})>`, "g");

/** A token at one position; the type label is bounded, so a long run of capitals costs little. */
const TOKEN_AT = new RegExp(`<[A-Z][A-Z0-9_]{0,63}${TOKEN_MARKER}[a-z2-7]{${ID_LENGTH}}>`, "y");

/**
 * End of the token-shaped text starting at `at` (a `<`), or -1. Detectors
 * whose values stop at `<` read over one, so text shaped like a token cannot
 * cut a secret short; the engine then leaves only the tokens the vault issued.
 */
export function tokenShapeEnd(text: string, at: number): number {
  TOKEN_AT.lastIndex = at;
  return TOKEN_AT.test(text) ? TOKEN_AT.lastIndex : -1;
}

/**
 * `value` without the token-shaped text in it: the characters a placeholder
 * adds are not the value's, so a detector judging the value (random enough?
 * a placeholder?) looks past them.
 */
export function withoutTokenShapes(value: string): string {
  if (value.indexOf("<") === -1) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const end = value.charCodeAt(i) === 60 ? tokenShapeEnd(value, i) : -1;
    if (end === -1) out += value[i];
    else i = end - 1;
  }
  return out;
}

/** A fresh global copy of {@link TOKEN_PATTERN} for one search. */
const allTokens = (): RegExp => new RegExp(TOKEN_PATTERN.source, "g");

/** First `length` base32 characters of `bytes` (lower case, no padding). */
function base32(bytes: Uint8Array, length: number): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= length) break;
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** The two keys derived from the key material: one seals values, the other names tokens. */
interface VaultKeys {
  readonly seal: Buffer;
  readonly id: Buffer;
}

/** Encrypts values into a vault and restores them per tenant. */
export class TokenVault {
  readonly #vault: Vault;
  readonly #secret: string | Uint8Array | undefined;
  #derived: VaultKeys | undefined;
  readonly #pending = new Set<Promise<void>>();
  #failure: unknown = undefined;

  /**
   * @param vault - where sealed records go
   * @param secret - key material; both the sealing key and the id key are derived from it
   *   (HKDF-SHA256). Without it, the vault uses 32 random bytes of its own.
   */
  constructor(vault: Vault, secret?: string | Uint8Array) {
    this.#vault = vault;
    this.#secret = secret instanceof Uint8Array ? Buffer.from(secret) : secret;
  }

  /** The derived keys, made on first use: a masker that never tokenizes never pays for them. */
  #keys(): VaultKeys {
    if (this.#derived === undefined) {
      const secret = this.#secret ?? randomBytes(32);
      const material = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
      const salt = Buffer.from("langchain-warden/masking/vault", "utf8");
      this.#derived = {
        seal: Buffer.from(hkdfSync("sha256", material, salt, "seal", 32)),
        id: Buffer.from(hkdfSync("sha256", material, salt, "id", 32)),
      };
    }
    return this.#derived;
  }

  #digest(...parts: string[]): Buffer {
    const hmac = createHmac("sha256", this.#keys().id);
    for (const part of parts) hmac.update(part).update("\u0000");
    return hmac.digest();
  }

  #storageKey(tenant: string, id: string): string {
    return `${base32(this.#digest("tenant", tenant), ID_LENGTH)}:${id}`;
  }

  /** The check characters of an id whose digest part is `digest`, for type label `tag`. */
  #check(tag: string, digest: string): string {
    return base32(this.#digest("issued", tag, digest), ID_LENGTH - DIGEST_LENGTH);
  }

  /**
   * Whether `id` is the id of a token of type label `tag` that a vault with
   * this key issued: its check characters match. Needs no lookup, so it holds
   * for tokens any instance sharing the key made.
   */
  issued(tag: string, id: string): boolean {
    if (id.length !== ID_LENGTH) return false;
    const expected = this.#check(tag, id.slice(0, DIGEST_LENGTH));
    let difference = 0;
    for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ id.charCodeAt(DIGEST_LENGTH + i);
    return difference === 0;
  }

  /** Returns the token of `value` for `tenant`, sealing the value into the vault. */
  tokenize(tenant: string, type: string, value: string): string {
    const tag = label(type);
    const digest = base32(this.#digest("token", tenant, tag, value), DIGEST_LENGTH);
    const id = digest + this.#check(tag, digest);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#keys().seal, iv);
    cipher.setAAD(Buffer.from(`${tenant}\u0000${tag}\u0000${id}`, "utf8"));
    const sealed = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    const record = Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
    const written = this.#vault.set(this.#storageKey(tenant, id), record);
    if (written instanceof Promise) {
      const tracked: Promise<void> = written.then(
        () => {
          this.#pending.delete(tracked);
        },
        (error: unknown) => {
          this.#pending.delete(tracked);
          this.#failure ??= error;
        },
      );
      this.#pending.add(tracked);
    }
    return `<${tag}${TOKEN_MARKER}${id}>`;
  }

  /** Resolves once every record sealed so far is stored; rejects if a write failed since the last call. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure !== undefined) throw failure;
  }

  /**
   * Restores, in each string of `texts`, the tokens `tenant` owns. Tokens of
   * other tenants, unknown or expired tokens and altered tokens stay as they are.
   */
  async restore(texts: readonly string[], tenant: string): Promise<string[]> {
    await this.flush();
    const tokens = new Map<string, { tag: string; id: string }>();
    for (const text of texts) {
      for (const m of text.matchAll(allTokens())) tokens.set(m[0], { tag: m[1] as string, id: m[2] as string });
    }
    if (tokens.size === 0) return [...texts];
    const entries = [...tokens];
    const records = await this.#vault.get(entries.map(([, t]) => this.#storageKey(tenant, t.id)));
    const values = new Map<string, string>();
    entries.forEach(([token, { tag, id }], i) => {
      const record = records[i];
      if (record === undefined) return;
      const value = this.#open(record, tenant, tag, id);
      if (value !== undefined) values.set(token, value);
    });
    if (values.size === 0) return [...texts];
    return texts.map((text) => text.replace(allTokens(), (token) => values.get(token) ?? token));
  }

  #open(record: string, tenant: string, tag: string, id: string): string | undefined {
    try {
      const bytes = Buffer.from(record, "base64url");
      if (bytes.length < 28) return undefined;
      const decipher = createDecipheriv("aes-256-gcm", this.#keys().seal, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${tenant}\u0000${tag}\u0000${id}`, "utf8"));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}
