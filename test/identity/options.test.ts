import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { JWK } from "jose";
import { createWarden, type IdentityOptions, memorySink, PolicyError } from "langchain-warden";
import { describe, expect, it } from "vitest";
import { AUDIENCE, ISSUER, testKey } from "./helpers.js";

const ec = testKey("ES256", "ec-1");
const ecPrivateJwk = { ...(ec.privateKey.export({ format: "jwk" }) as JWK), kid: "ec-1" };
const secret = "0123456789abcdef0123456789abcdef";
const base = { issuer: ISSUER, audience: AUDIENCE };

/** Asserts that `identity` is refused with a PolicyError whose path starts with `path`; returns it. */
function refused(identity: unknown, path = "identity"): PolicyError {
  let caught: unknown;
  try {
    createWarden({ identity: identity as IdentityOptions, policy: { tools: {} } });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PolicyError);
  const error = caught as PolicyError;
  expect(error.code).toBe("WARDEN_POLICY");
  expect(error.path.startsWith("identity")).toBe(true);
  expect(error.path.startsWith(path)).toBe(true);
  return error;
}

describe("identity options", () => {
  it.each<[string, IdentityOptions]>([
    ["jwksUri", { ...base, jwksUri: "http://127.0.0.1:1/jwks" }],
    ["jwks", { ...base, jwks: { keys: [ec.jwk] } }],
    ["publicKey JWK", { ...base, publicKey: ec.jwk }],
    ["publicKey PEM", { ...base, publicKey: ec.pem }],
    ["publicKey KeyObject", { ...base, publicKey: ec.publicKey }],
    ["secret", { ...base, secret }],
    ["secret bytes with HS512", { ...base, secret: new Uint8Array(randomBytes(64)), algorithms: ["HS512"] }],
    [
      "every option",
      {
        ...base,
        jwks: { keys: [ec.jwk] },
        algorithms: ["ES256"],
        clockTolerance: "30s",
        maxTokenAge: 600,
        requiredClaims: ["tenant"],
        typ: "at+jwt",
        claims: { scopes: ["perms"], tenant: "org", roles: "groups" },
      },
    ],
  ])("accepts a single key source: %s", (_name, identity) => {
    expect(() => createWarden({ audit: { sink: memorySink() }, identity, policy: { tools: {} } })).not.toThrow();
  });

  it("refuses no key source", () => {
    refused({ ...base });
  });

  it.each<[string, Record<string, unknown>]>([
    ["jwks and publicKey", { jwks: { keys: [ec.jwk] }, publicKey: ec.jwk }],
    ["jwksUri and jwks", { jwksUri: "https://idp.test/jwks", jwks: { keys: [ec.jwk] } }],
    ["jwksUri and secret", { jwksUri: "https://idp.test/jwks", secret }],
    ["publicKey and secret", { publicKey: ec.pem, secret }],
  ])("refuses two key sources: %s", (_name, sources) => {
    refused({ ...base, ...sources });
  });

  it("refuses HS256 in algorithms without a secret", () => {
    refused({ ...base, jwks: { keys: [ec.jwk] }, algorithms: ["ES256", "HS256"] }, "identity.algorithms");
    refused({ ...base, jwksUri: "https://idp.test/jwks", algorithms: ["HS512"] }, "identity.algorithms");
    refused({ ...base, publicKey: ec.pem, algorithms: ["HS384"] }, "identity.algorithms");
  });

  it("refuses a secret shorter than 32 bytes, without echoing it", () => {
    const short = "s3cr3t-but-far-too-short";
    const error = refused({ ...base, secret: short }, "identity.secret");
    expect(error.message).not.toContain(short);
    refused({ ...base, secret: new Uint8Array(31) }, "identity.secret");
    refused({ ...base, secret: "x".repeat(31) }, "identity.secret");
  });

  it("counts secret length in bytes, not characters", () => {
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: { ...base, secret: "é".repeat(16) }, policy: { tools: {} } })).not.toThrow();
    refused({ ...base, secret: "é".repeat(15) }, "identity.secret");
  });

  it("refuses an empty secret", () => {
    refused({ ...base, secret: "" }, "identity.secret");
    refused({ ...base, secret: new Uint8Array(0) }, "identity.secret");
  });

  it("refuses an asymmetric algorithm with a secret", () => {
    refused({ ...base, secret, algorithms: ["RS256"] }, "identity.algorithms");
    refused({ ...base, secret, algorithms: ["HS256", "ES256"] }, "identity.algorithms");
  });

  it.each(["none", "None", "NONE", "nOnE"])('refuses "%s" in algorithms', (alg) => {
    refused({ ...base, jwks: { keys: [ec.jwk] }, algorithms: ["ES256", alg] }, "identity.algorithms");
    refused({ ...base, secret, algorithms: [alg] }, "identity.algorithms");
  });

  it("refuses unknown or empty algorithm lists", () => {
    refused({ ...base, jwks: { keys: [ec.jwk] }, algorithms: ["es256"] }, "identity.algorithms");
    refused({ ...base, jwks: { keys: [ec.jwk] }, algorithms: ["RSA-OAEP"] }, "identity.algorithms");
    refused({ ...base, jwks: { keys: [ec.jwk] }, algorithms: [] }, "identity.algorithms");
  });

  it("refuses a private JWK given as publicKey, without echoing it", () => {
    const error = refused({ ...base, publicKey: ecPrivateJwk });
    expect(error.message).not.toContain(String(ecPrivateJwk.d));
  });

  it("refuses a private JWK inside jwks, without echoing it", () => {
    const error = refused({ ...base, jwks: { keys: [ec.jwk, ecPrivateJwk] } });
    expect(error.message).not.toContain(String(ecPrivateJwk.d));
  });

  it("refuses a symmetric JWK given as publicKey or inside jwks", () => {
    const oct = { kty: "oct", k: Buffer.from(secret).toString("base64url") };
    refused({ ...base, publicKey: oct });
    refused({ ...base, jwks: { keys: [oct] } });
  });

  it("refuses a private KeyObject given as publicKey", () => {
    refused({ ...base, publicKey: ec.privateKey });
  });

  it("refuses a private key PEM given as publicKey, without echoing it", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    for (const pem of [privateKey.export({ format: "pem", type: "pkcs8" }).toString(), privateKey.export({ format: "pem", type: "sec1" }).toString()]) {
      const error = refused({ ...base, publicKey: pem });
      const body = pem.split("\n")[1] ?? "";
      expect(body.length).toBeGreaterThan(16);
      expect(error.message).not.toContain(body);
    }
  });

  it("refuses a publicKey that is not a key, without echoing it", () => {
    const junk = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PUBLIC KEY-----";
    const error = refused({ ...base, publicKey: junk });
    expect(error.message).not.toContain("bm90IGEga2V5IGF0IGFsbA");
    refused({ ...base, publicKey: "" });
    refused({ ...base, publicKey: 42 });
  });

  it("refuses a missing or empty issuer", () => {
    refused({ audience: AUDIENCE, jwks: { keys: [ec.jwk] } }, "identity.issuer");
    refused({ ...base, issuer: "", jwks: { keys: [ec.jwk] } }, "identity.issuer");
    refused({ ...base, issuer: [], jwks: { keys: [ec.jwk] } }, "identity.issuer");
  });

  it("refuses a missing or empty audience", () => {
    refused({ issuer: ISSUER, jwks: { keys: [ec.jwk] } }, "identity.audience");
    refused({ ...base, audience: "", jwks: { keys: [ec.jwk] } }, "identity.audience");
  });

  it("refuses unknown option keys", () => {
    refused({ ...base, jwks: { keys: [ec.jwk] }, allowNone: true });
    refused({ ...base, jwks: { keys: [ec.jwk] }, algorithm: "ES256" });
    refused({ ...base, jwks: { keys: [ec.jwk] }, claims: { scope: "perms" } }, "identity.claims");
    refused({ ...base, jwks: { keys: [ec.jwk], jku: "https://evil.example/" } }, "identity.jwks");
  });

  it("refuses malformed values", () => {
    refused({ ...base, jwksUri: "not a url" }, "identity.jwksUri");
    refused({ ...base, jwks: { keys: [] } }, "identity.jwks");
    refused({ ...base, jwks: { keys: [{ n: "x" }] } }, "identity.jwks");
    refused({ ...base, jwks: { keys: [ec.jwk] }, clockTolerance: "five minutes" }, "identity.clockTolerance");
    refused({ ...base, jwks: { keys: [ec.jwk] }, clockTolerance: -1 }, "identity.clockTolerance");
    refused({ ...base, jwks: { keys: [ec.jwk] }, maxTokenAge: "-5m" }, "identity.maxTokenAge");
    refused({ ...base, jwksUri: "https://idp.test/jwks", jwksTimeoutMs: 0 }, "identity.jwksTimeoutMs");
    refused({ ...base, jwksUri: "https://idp.test/jwks", jwksCooldownMs: -1 }, "identity.jwksCooldownMs");
    refused({ ...base, jwks: { keys: [ec.jwk] }, requiredClaims: [""] }, "identity.requiredClaims");
    refused({ ...base, jwks: { keys: [ec.jwk] }, typ: "" }, "identity.typ");
  });

  it.each([undefined, null, "https://idp.test/", 42, []])("refuses identity options that are not an object: %j", (identity) => {
    refused(identity);
  });
});
