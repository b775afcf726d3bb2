import { sign } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignJWT } from "jose";
import { createTestIdentity, fakeClock } from "langchain-warden/testing";
import { afterEach, describe, expect, it } from "vitest";
import { AUDIENCE, b64url, claims, expectRefused, harness, ISSUER, segments, sendJson, signCompact, startServer, type TestServer, testKey } from "./helpers.js";

const rsa = testKey("RS256", "rsa-1");
const attacker = testKey("ES256", "attacker-1");

function setup() {
  const clock = fakeClock();
  const idp = createTestIdentity({ clock });
  return { idp, ...harness(idp.identity, clock) };
}

describe('alg "none"', () => {
  const variants = ["none", "None", "NONE", "nOnE"].flatMap((alg) => [
    { alg, signature: "" },
    { alg, signature: b64url("forged-signature-bytes") },
  ]);

  it.each(variants)('refuses alg "$alg" with signature "$signature"', async ({ alg, signature }) => {
    const h = setup();
    const [header, payload] = segments(signCompact({ alg, typ: "JWT" }, claims(h.clock, { scope: "admin" }), ""));
    await expectRefused(h, `${header}.${payload}.${signature}`, "algorithm");
  });

  it('refuses alg "none" even when the header names the trusted kid', async () => {
    const h = setup();
    const token = signCompact({ alg: "none", kid: h.idp.kid }, claims(h.clock), "");
    await expectRefused(h, token, "algorithm");
  });
});

describe("tampered signatures and payloads", () => {
  it("refuses a token whose signature was stripped", async () => {
    const h = setup();
    const [header, payload] = segments(await h.idp.issue({ scope: "orders:read" }));
    await expectRefused(h, `${header}.${payload}.`, "signature");
  });

  it("refuses a payload altered to escalate scopes, kept with the original signature", async () => {
    const h = setup();
    const token = await h.idp.issue({ sub: "alice", scope: "orders:read" });
    const [header, payload, signature] = segments(token);
    const original = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const escalated = b64url({ ...original, scope: "orders:read orders:refund admin" });
    await expectRefused(h, `${header}.${escalated}.${signature}`, "signature");
    const impersonated = b64url({ ...original, sub: "root" });
    await expectRefused(h, `${header}.${impersonated}.${signature}`, "signature");
    expect((await h.warden.authenticate(token)).scopes).toEqual(["orders:read"]);
  });

  it("refuses an ES256 signature of all zeros (r = s = 0, CVE-2022-21449)", async () => {
    const h = setup();
    const [header, payload] = segments(await h.idp.issue({ scope: "admin" }));
    await expectRefused(h, `${header}.${payload}.${b64url(new Uint8Array(64))}`, "signature");
  });

  it("refuses a DER-encoded ECDSA signature in place of IEEE P1363", async () => {
    const h = setup();
    const token = await h.idp.issue({ scope: "orders:read" });
    const [header, payload] = segments(token);
    const der = sign("sha256", Buffer.from(`${header}.${payload}`, "ascii"), { key: h.idp.privateKey, dsaEncoding: "der" });
    expect(der.length).toBeGreaterThan(64);
    await expectRefused(h, `${header}.${payload}.${der.toString("base64url")}`, "signature");
    expect((await h.warden.authenticate(token)).sub).toBe("test-user");
  });

  it("refuses a token signed by a key that is not in the key set", async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: h.idp.kid }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, token, "signature");
  });
});

describe("algorithm confusion", () => {
  it("refuses HS256 signed with the RSA public key's PEM bytes against that RSA public key", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, publicKey: rsa.pem });
    const token = signCompact({ alg: "HS256", typ: "JWT" }, claims(h.clock, { scope: "admin" }), Buffer.from(rsa.pem, "utf8"));
    await expectRefused(h, token, "algorithm");
  });

  it("refuses HS256 signed with the RSA public JWK's bytes against that RSA public JWK", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, publicKey: rsa.jwk });
    for (const bytes of [JSON.stringify(rsa.jwk), String(rsa.jwk.n)]) {
      const token = signCompact({ alg: "HS256", kid: rsa.kid }, claims(h.clock, { scope: "admin" }), Buffer.from(bytes, "utf8"));
      await expectRefused(h, token, "algorithm");
    }
  });

  it("refuses HS256 signed with the PEM bytes against a JWKS holding that RSA key", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [rsa.jwk] } });
    const token = signCompact({ alg: "HS256", kid: rsa.kid }, claims(h.clock), Buffer.from(rsa.pem, "utf8"));
    await expectRefused(h, token, "algorithm");
  });

  it("refuses HMAC with an empty key against a key set", async () => {
    const h = setup();
    const token = signCompact({ alg: "HS256", kid: h.idp.kid }, claims(h.clock), new Uint8Array(0));
    await expectRefused(h, token, "algorithm");
  });

  it("refuses HMAC with an empty key against a configured secret", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, secret: "s".repeat(32) });
    const token = signCompact({ alg: "HS256" }, claims(h.clock), new Uint8Array(0));
    await expectRefused(h, token, "signature");
  });

  it("refuses an algorithm outside the configured allow-list, even with a valid signature", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [rsa.jwk] }, algorithms: ["ES256"] });
    const token = signCompact({ alg: "RS256", kid: rsa.kid }, claims(h.clock), rsa.privateKey);
    await expectRefused(h, token, "algorithm");
    const unpinned = harness({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [rsa.jwk] } }, h.clock);
    expect((await unpinned.warden.authenticate(token)).sub).toBe("alice");
  });

  it("refuses an asymmetric token against a warden configured with a secret", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, secret: "s".repeat(32), algorithms: ["HS256"] });
    const token = signCompact({ alg: "RS256" }, claims(h.clock), rsa.privateKey);
    await expectRefused(h, token, "algorithm");
  });
});

describe("key-carrying headers are ignored", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const attackerJwks = (_req: IncomingMessage, res: ServerResponse) => sendJson(res, { keys: [{ ...attacker.jwk, alg: "ES256" }] });

  it("ignores an embedded jwk header carrying the attacker's key", async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", jwk: attacker.jwk }, claims(h.clock, { scope: "admin" }), attacker.privateKey);
    await expectRefused(h, token, "signature");
  });

  it("ignores an embedded jwk header carrying the attacker's key and kid", async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: attacker.kid, jwk: attacker.jwk }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, token, "key");
  });

  it("never fetches a jku header, and refuses the token", async () => {
    server = await startServer(attackerJwks);
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: attacker.kid, jku: `${server.url}/jwks.json` }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, token, "key");
    const trustedKid = signCompact({ alg: "ES256", kid: h.idp.kid, jku: `${server.url}/jwks.json` }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, trustedKid, "signature");
    expect(server.requests).toEqual([]);
  });

  it("never fetches an x5u header, and refuses the token", async () => {
    server = await startServer(attackerJwks);
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: attacker.kid, x5u: `${server.url}/cert.pem` }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, token, "key");
    const trustedKid = signCompact({ alg: "ES256", kid: h.idp.kid, x5u: `${server.url}/cert.pem` }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, trustedKid, "signature");
    expect(server.requests).toEqual([]);
  });

  it("ignores an x5c header carrying the attacker's key", async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", x5c: [attacker.pem.replace(/-----[^-]+-----|\s/g, "")] }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, token, "signature");
  });
});

describe("hostile kid values against a local key set", () => {
  it.each(["../../../../dev/null", "/etc/passwd", "' OR '1'='1", "\u0000", "a".repeat(2048)])('refuses kid "%s"', async (kid) => {
    const h = setup();
    const token = signCompact({ alg: "ES256", kid }, claims(h.clock, { scope: "admin" }), attacker.privateKey);
    await expectRefused(h, token, "key");
  });

  it("refuses a non-string kid", async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: { $ne: null } }, claims(h.clock), attacker.privateKey);
    await expectRefused(h, token, "key");
  });
});

describe("critical and unencoded-payload headers", () => {
  it("refuses an unknown crit header, even with a valid signature", async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: h.idp.kid, crit: ["urn:example:must-understand"], "urn:example:must-understand": true }, claims(h.clock), h.idp.privateKey);
    await expectRefused(h, token, "malformed");
  });

  it('refuses b64: false with crit ["b64"], even with a valid signature', async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: h.idp.kid, b64: false, crit: ["b64"] }, b64url(claims(h.clock)), h.idp.privateKey);
    await expectRefused(h, token, "malformed");
  });

  it("refuses b64: false with a raw JSON payload", async () => {
    const h = setup();
    const token = signCompact({ alg: "ES256", kid: h.idp.kid, b64: false, crit: ["b64"] }, JSON.stringify(claims(h.clock)), h.idp.privateKey);
    await expectRefused(h, token, "malformed");
  });
});

describe("time claims", () => {
  it("refuses an expired token", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({}, { expiresIn: -1 }), "expired", "exp");
  });

  it("refuses a token that expires exactly now", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({}, { expiresIn: 0 }), "expired", "exp");
  });

  it("refuses a token whose nbf is in the future", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({}, { notBefore: "5m" }), "not-yet-valid", "nbf");
  });

  it("refuses a token whose iat is in the future", async () => {
    const h = setup();
    const now = Math.floor(h.clock.now() / 1000);
    await expectRefused(h, await h.idp.issue({ iat: now + 600 }), "not-yet-valid", "iat");
  });

  it("refuses a token whose iat is in the future when maxTokenAge is set", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness({ ...idp.identity, maxTokenAge: "10m" }, clock);
    const now = Math.floor(clock.now() / 1000);
    await expectRefused(h, await idp.issue({ iat: now + 600 }), "not-yet-valid", "iat");
  });

  it("refuses a token older than maxTokenAge", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness({ ...idp.identity, maxTokenAge: "10m" }, clock);
    const token = await idp.issue({}, { expiresIn: "1d" });
    expect((await h.warden.authenticate(token)).sub).toBe("test-user");
    clock.advance(11 * 60_000);
    await expectRefused(h, token, "expired", "iat");
  });

  it("refuses a token without iat when maxTokenAge is set", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness({ ...idp.identity, maxTokenAge: 600 }, clock);
    await expectRefused(h, await idp.issue({ iat: undefined }), "claim", "iat");
  });

  it("refuses a non-numeric exp", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ exp: "9999999999" as unknown as number }), "claim", "exp");
  });

  it("refuses a token without exp", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ exp: undefined }), "claim", "exp");
  });

  it("refuses a non-numeric nbf and iat", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ nbf: "0" as unknown as number }), "claim", "nbf");
    await expectRefused(h, await h.idp.issue({ iat: "0" as unknown as number }), "claim", "iat");
  });
});

describe("issuer, audience, subject and required claims", () => {
  it("refuses a wrong issuer", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ iss: "https://evil.example/" }), "claim", "iss");
  });

  it("refuses a missing issuer", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ iss: undefined }), "claim", "iss");
  });

  it("refuses a wrong audience", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ aud: "another-api" }), "claim", "aud");
    await expectRefused(h, await h.idp.issue({ aud: ["another-api", "third-api"] }), "claim", "aud");
  });

  it("refuses a token missing a configured required claim", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness({ ...idp.identity, requiredClaims: ["tenant"] }, clock);
    await expectRefused(h, await idp.issue({ scope: "orders:read" }), "claim", "tenant");
    expect((await h.warden.authenticate(await idp.issue({ tenant: "acme" }))).tenant).toBe("acme");
  });

  it("refuses a token without sub", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ sub: undefined }), "claim", "sub");
  });

  it("refuses an empty or non-string sub", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ sub: "" }), "claim", "sub");
    await expectRefused(h, await h.idp.issue({ sub: 42 as unknown as string }), "claim", "sub");
  });

  it("refuses a wrong typ header when typ is configured", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness({ ...idp.identity, typ: "at+jwt" }, clock);
    await expectRefused(h, await idp.issue({}, { header: { typ: "JWT" } }), "claim", "typ");
    await expectRefused(h, await idp.issue(), "claim", "typ");
    expect((await h.warden.authenticate(await idp.issue({}, { header: { typ: "at+jwt" } }))).sub).toBe("test-user");
    expect((await h.warden.authenticate(await idp.issue({}, { header: { typ: "application/at+jwt" } }))).sub).toBe("test-user");
  });
});

describe("malformed input", () => {
  it("refuses a token longer than 16 KB, even with a valid signature", async () => {
    const h = setup();
    const token = await h.idp.issue({ padding: "x".repeat(16 * 1024) });
    expect(token.length).toBeGreaterThan(16 * 1024);
    await expectRefused(h, token, "malformed");
  });

  it.each([
    "not a token",
    "a.b",
    "a.b.c.d",
    "...",
    "a.b.c",
    "eyJ.eyJ.",
    `${b64url("[1,2,3]")}.${b64url("{}")}.`,
    `${b64url('{"alg":"ES256"')}.${b64url("{}")}.AAAA`,
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.sig+with/plus=",
    "eyJhbGciOiJFUzI1NiJ9\n.eyJzdWIiOiJhIn0.c2ln",
    "\u0000\u0001\u0002",
    "😀.😀.😀",
    "<script>alert(1)</script>",
  ])("refuses garbage %j", async (garbage) => {
    const h = setup();
    await expectRefused(h, garbage, "malformed");
  });

  it.each([undefined, null, "", "   ", "Bearer", "Bearer   "])("refuses an absent token %j as missing", async (value) => {
    const h = setup();
    await expectRefused(h, value, "missing");
  });

  it.each([42, {}, ["a.b.c"]])("refuses a non-string token %j", async (value) => {
    const h = setup();
    await expectRefused(h, value, "malformed");
    expect(h.sink.ofType("token.rejected")[0]?.data?.tokenDigest).toBeNull();
  });

  it("refuses a header whose alg is not a string", async () => {
    const h = setup();
    await expectRefused(h, signCompact({ alg: ["ES256"], kid: h.idp.kid }, claims(h.clock), ""), "algorithm");
    await expectRefused(h, signCompact({ kid: h.idp.kid }, claims(h.clock), ""), "algorithm");
    await expectRefused(h, "e30.e30.e30", "algorithm");
  });

  it("refuses a payload that is not a JSON object, even with a valid signature", async () => {
    const h = setup();
    await expectRefused(h, signCompact({ alg: "ES256", kid: h.idp.kid }, b64url("[1,2]"), h.idp.privateKey), "malformed");
    await expectRefused(h, signCompact({ alg: "ES256", kid: h.idp.kid }, b64url("not json"), h.idp.privateKey), "malformed");
  });
});

describe("bearer prefix", () => {
  it('accepts a valid token with a "Bearer " prefix', async () => {
    const h = setup();
    const token = await h.idp.issue({ sub: "alice", scope: "orders:read" });
    const principal = await h.warden.authenticate(`Bearer ${token}`);
    expect(principal.sub).toBe("alice");
    expect(principal.scopes).toEqual(["orders:read"]);
    expect(h.sink.ofType("token.rejected")).toEqual([]);
  });

  it('still verifies the token after a "Bearer " prefix', async () => {
    const h = setup();
    const [header, payload] = segments(await h.idp.issue());
    await expectRefused(h, `Bearer ${header}.${payload}.`, "signature");
  });

  it("records one event per refusal, each with a distinct digest", async () => {
    const h = setup();
    const [header, payload] = segments(await h.idp.issue());
    await expectRefused(h, `${header}.${payload}.`, "signature");
    await expectRefused(h, signCompact({ alg: "none" }, claims(h.clock), ""), "algorithm");
    const digests = h.sink.ofType("token.rejected").map((event) => event.data?.tokenDigest);
    expect(new Set(digests).size).toBe(2);
  });
});

describe("tokens minted with jose against a pinned verifier", () => {
  it("refuses a jose-signed token with extra crit even when jose would accept it with crit options", async () => {
    const h = setup();
    const token = await new SignJWT(claims(h.clock))
      .setProtectedHeader({ alg: "ES256", kid: h.idp.kid, crit: ["exp-ext"], "exp-ext": 1 } as never)
      .sign(h.idp.privateKey, { crit: { "exp-ext": true } });
    await expectRefused(h, token, "malformed");
  });
});
