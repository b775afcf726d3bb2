import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import type { JWK } from "jose";
import { createWarden, type IdentityOptions, InvalidTokenError, type InvalidTokenReason, type Warden } from "langchain-warden";
import { type FakeClock, fakeClock, type MemorySink, memorySink } from "langchain-warden/testing";
import { expect } from "vitest";

export const ISSUER = "https://idp.test/";
export const AUDIENCE = "warden-test";

/** A warden with an in-memory audit sink and a fake clock. */
export interface Harness {
  warden: Warden;
  sink: MemorySink;
  clock: FakeClock;
}

/** Builds a warden around `identity` with no tool rules, a memory sink and a fake clock. */
export function harness(identity: IdentityOptions, clock: FakeClock = fakeClock()): Harness {
  const sink = memorySink();
  const warden = createWarden({ identity, policy: { tools: {} }, audit: { sink }, clock });
  return { warden, sink, clock };
}

/** base64url of a string, bytes, or the JSON of an object. */
export function b64url(value: string | Uint8Array | object): string {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("base64url");
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64url");
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/** Standard claims for `clock`'s now: issuer, audience, subject, one hour of validity. */
export function claims(clock: { now(): number }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(clock.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: "alice", iat: now, exp: now + 3600, ...extra };
}

const HASHES: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

/** The raw signature of `input` for `alg` (empty for anything unsigned such as `none`). */
export function rawSignature(alg: string, input: string, key: KeyObject | Uint8Array | string): Buffer {
  const data = Buffer.from(input, "ascii");
  const hash = HASHES[alg.slice(2)];
  if (alg.startsWith("HS") && hash)
    return createHmac(hash, key as Uint8Array)
      .update(data)
      .digest();
  if (alg.startsWith("RS") && hash) return sign(hash, data, key as KeyObject);
  if (alg.startsWith("PS") && hash) {
    return sign(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  }
  if (alg.startsWith("ES") && hash) return sign(hash, data, { key: key as KeyObject, dsaEncoding: "ieee-p1363" });
  if (alg === "EdDSA" || alg === "Ed25519") return sign(null, data, key as KeyObject);
  return Buffer.alloc(0);
}

/**
 * Builds a compact JWS by hand with node:crypto, bypassing every check a JWT
 * library would make, so hostile headers and payloads can be produced.
 * A string payload is used verbatim as the payload segment.
 */
export function signCompact(header: Record<string, unknown>, payload: Record<string, unknown> | string, key: KeyObject | Uint8Array | string): string {
  const input = `${b64url(header)}.${typeof payload === "string" ? payload : b64url(payload)}`;
  return `${input}.${rawSignature(typeof header.alg === "string" ? header.alg : "", input, key).toString("base64url")}`;
}

/** Splits a compact token into its three segments. */
export function segments(token: string): [string, string, string] {
  const [h = "", p = "", s = ""] = token.split(".");
  return [h, p, s];
}

/** A key pair with its public JWK (carrying `kid`) and SPKI PEM. */
export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
  pem: string;
  kid: string;
}

/** Generates a key pair for `alg` with `kid`. */
export function testKey(alg: "RS256" | "PS256" | "ES256" | "EdDSA", kid: string): TestKey {
  const pair =
    alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : alg === "EdDSA" ? generateKeyPairSync("ed25519") : generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...(pair.publicKey.export({ format: "jwk" }) as JWK), kid, use: "sig" };
  return { ...pair, jwk, pem: pair.publicKey.export({ format: "pem", type: "spki" }).toString(), kid };
}

/** The pieces of a token long enough that finding them in a text would be a leak. */
function leakable(token: unknown): string[] {
  if (typeof token !== "string") return [];
  return [token, ...token.split(".")].filter((piece) => piece.length >= 12);
}

/**
 * Asserts that `token` is refused with `reason` (and `claim`, when given), that
 * exactly one `token.rejected` event records it, and that neither the error
 * nor the audit log contains the token or any of its segments.
 */
export async function expectRefused(h: Harness, token: unknown, reason: InvalidTokenReason, claim?: string): Promise<InvalidTokenError> {
  const before = h.sink.ofType("token.rejected").length;
  const outcome = await h.warden.authenticate(token as string).then(
    (principal) => ({ ok: true as const, principal }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  expect(outcome.ok, "the token was accepted").toBe(false);
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(InvalidTokenError);
  const refusal = error as InvalidTokenError;
  expect(refusal.code).toBe("WARDEN_INVALID_TOKEN");
  expect(refusal.reason).toBe(reason);
  if (claim !== undefined) expect(refusal.claim).toBe(claim);

  const rejected = h.sink.ofType("token.rejected");
  expect(rejected).toHaveLength(before + 1);
  const event = rejected.at(-1);
  expect(event?.outcome).toBe("denied");
  expect(event?.reason).toBe(reason);
  expect(event?.actor).toEqual({ sub: "anonymous" });
  expect(event?.target).toEqual({ kind: "identity", name: "authenticate" });
  // Oversized tokens are refused unparsed and not digested.
  if (typeof token === "string" && token.length <= 16 * 1024) expect(event?.data?.tokenDigest).toBe(h.warden.audit.digest(token));
  else expect(event?.data?.tokenDigest).toBeNull();
  if (claim !== undefined) expect(event?.data?.claim).toBe(claim);

  const texts = [refusal.message, String(refusal), JSON.stringify(refusal), inspect(refusal, { depth: 8 }), JSON.stringify(h.sink.events)];
  for (const piece of leakable(token)) for (const text of texts) expect(text.includes(piece), "the token leaked").toBe(false);
  return refusal;
}

/** A local HTTP server on 127.0.0.1 that counts the requests it receives. */
export interface TestServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (random port) answering with `handler`. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with `body` as JSON. */
export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}
