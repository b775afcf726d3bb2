import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { type IdentityOptions, isPrincipal } from "langchain-warden";
import { createTestIdentity, fakeClock } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { AUDIENCE, claims, expectRefused, harness, ISSUER, signCompact, type TestKey, testKey } from "./helpers.js";

const keys: Record<"RS256" | "PS256" | "EdDSA", TestKey> = {
  RS256: testKey("RS256", "rsa-1"),
  PS256: testKey("PS256", "rsa-pss-1"),
  EdDSA: testKey("EdDSA", "ed-1"),
};

/** Keys with the same kids as `keys`, unknown to any warden. */
const impostors: Record<"RS256" | "PS256" | "EdDSA", TestKey> = {
  RS256: testKey("RS256", "rsa-1"),
  PS256: testKey("PS256", "rsa-pss-1"),
  EdDSA: testKey("EdDSA", "ed-1"),
};

const sources: Array<{ name: string; identity: (key: TestKey) => IdentityOptions }> = [
  { name: "a local jwks", identity: (key) => ({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.jwk] } }) },
  { name: "publicKey as a JWK", identity: (key) => ({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.jwk }) },
  { name: "publicKey as an SPKI PEM", identity: (key) => ({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.pem }) },
];

const cases = (["RS256", "PS256", "EdDSA"] as const).flatMap((alg) => sources.map((source) => ({ alg, source: source.name, identity: source.identity })));

describe("asymmetric tokens", () => {
  it.each(cases)("verifies $alg via $source", async ({ alg, identity }) => {
    const key = keys[alg];
    const h = harness(identity(key));
    const token = await new SignJWT(claims(h.clock, { scope: "orders:read" })).setProtectedHeader({ alg, kid: key.kid, typ: "JWT" }).sign(key.privateKey);
    const principal = await h.warden.authenticate(token);
    expect(isPrincipal(principal)).toBe(true);
    expect(principal.sub).toBe("alice");
    expect(principal.scopes).toEqual(["orders:read"]);
    expect(h.sink.ofType("token.rejected")).toEqual([]);
  });

  it.each(cases)("refuses $alg via $source when signed by another key", async ({ alg, identity }) => {
    const h = harness(identity(keys[alg]));
    const other = impostors[alg];
    await expectRefused(h, signCompact({ alg, kid: other.kid }, claims(h.clock), other.privateKey), "signature");
  });

  it("verifies an Ed25519-named token via a local jwks", async () => {
    const key = keys.EdDSA;
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.jwk] } });
    const principal = await h.warden.authenticate(signCompact({ alg: "Ed25519", kid: key.kid }, claims(h.clock), key.privateKey));
    expect(principal.sub).toBe("alice");
  });

  it("pins a kid-less publicKey: any kid selects it, and the signature still decides", async () => {
    const key = keys.RS256;
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.pem });
    for (const kid of [undefined, "rotated-kid", "../../../../dev/null"]) {
      const header = kid === undefined ? { alg: "RS256" } : { alg: "RS256", kid };
      expect((await h.warden.authenticate(signCompact(header, claims(h.clock), key.privateKey))).sub).toBe("alice");
      await expectRefused(h, signCompact(header, claims(h.clock), impostors.RS256.privateKey), "signature");
    }
    await expectRefused(h, signCompact({ alg: "ES256", kid: "rotated-kid" }, claims(h.clock), testKey("ES256", "x").privateKey), "key");
  });

  it("refuses a token naming another kid than a publicKey JWK's own", async () => {
    const key = keys.RS256;
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, publicKey: key.jwk });
    await expectRefused(h, signCompact({ alg: "RS256", kid: "other" }, claims(h.clock), key.privateKey), "key");
  });

  it("picks the key named by kid out of several", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [keys.RS256.jwk, keys.PS256.jwk, keys.EdDSA.jwk] } });
    for (const alg of ["RS256", "PS256", "EdDSA"] as const) {
      const principal = await h.warden.authenticate(signCompact({ alg, kid: keys[alg].kid }, claims(h.clock, { sub: alg }), keys[alg].privateKey));
      expect(principal.sub).toBe(alg);
    }
  });

  it("accepts any of several configured issuers and audiences", async () => {
    const key = keys.RS256;
    const h = harness({ issuer: ["https://a.test/", ISSUER], audience: ["api-a", AUDIENCE], jwks: { keys: [key.jwk] } });
    const token = signCompact({ alg: "RS256", kid: key.kid }, claims(h.clock, { aud: ["other", AUDIENCE] }), key.privateKey);
    expect((await h.warden.authenticate(token)).sub).toBe("alice");
  });
});

describe("HMAC tokens", () => {
  it("accepts HS256 with an explicit secret of 32+ bytes given as a string", async () => {
    const secret = "a-shared-secret-of-at-least-32-bytes!";
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, secret });
    const token = await new SignJWT(claims(h.clock)).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));
    expect((await h.warden.authenticate(token)).sub).toBe("alice");
  });

  it("accepts HS256 with an explicit secret given as bytes", async () => {
    const secret = new Uint8Array(randomBytes(32));
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, secret, algorithms: ["HS256"] });
    expect((await h.warden.authenticate(signCompact({ alg: "HS256" }, claims(h.clock), secret))).sub).toBe("alice");
  });

  it("refuses HS256 signed with another secret", async () => {
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, secret: new Uint8Array(randomBytes(32)) });
    await expectRefused(h, signCompact({ alg: "HS256" }, claims(h.clock), randomBytes(32)), "signature");
  });

  it("refuses HS384 and HS512 unless they are listed in algorithms", async () => {
    const secret = new Uint8Array(randomBytes(64));
    const h = harness({ issuer: ISSUER, audience: AUDIENCE, secret });
    await expectRefused(h, signCompact({ alg: "HS512" }, claims(h.clock), secret), "algorithm");
    const wide = harness({ issuer: ISSUER, audience: AUDIENCE, secret, algorithms: ["HS256", "HS512"] }, h.clock);
    expect((await wide.warden.authenticate(signCompact({ alg: "HS512" }, claims(h.clock), secret))).sub).toBe("alice");
  });

  it("refuses HS256 when no secret is configured", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness(idp.identity, clock);
    await expectRefused(h, signCompact({ alg: "HS256", kid: idp.kid }, claims(clock), randomBytes(32)), "algorithm");
  });
});

describe("clock", () => {
  it("clockTolerance lets a just-expired token through, and no further", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness({ ...idp.identity, clockTolerance: "30s" }, clock);
    const token = await idp.issue({}, { expiresIn: 60 });
    clock.advance(75_000);
    expect((await h.warden.authenticate(token)).sub).toBe("test-user");
    clock.advance(20_000);
    await expectRefused(h, token, "expired", "exp");
  });

  it("clockTolerance also covers a slightly early nbf and iat", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness({ ...idp.identity, clockTolerance: 30 }, clock);
    const now = Math.floor(clock.now() / 1000);
    expect((await h.warden.authenticate(await idp.issue({ nbf: now + 20, iat: now + 20 }))).sub).toBe("test-user");
    await expectRefused(h, await idp.issue({ iat: now + 45 }), "not-yet-valid", "iat");
  });

  it("fakeClock drives expiry", async () => {
    const clock = fakeClock(Date.UTC(2030, 0, 1));
    const idp = createTestIdentity({ clock });
    const h = harness(idp.identity, clock);
    const token = await idp.issue({}, { expiresIn: "5m" });
    const principal = await h.warden.authenticate(token);
    expect(principal.expiresAt).toBe(Date.UTC(2030, 0, 1) + 5 * 60_000);
    clock.advance(5 * 60_000 - 1_000);
    expect((await h.warden.authenticate(token)).sub).toBe("test-user");
    clock.advance(1_000);
    await expectRefused(h, token, "expired", "exp");
    clock.set(Date.UTC(2029, 11, 31));
    await expectRefused(h, token, "not-yet-valid", "iat");
  });

  it("fakeClock drives nbf", async () => {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    const h = harness(idp.identity, clock);
    const token = await idp.issue({}, { notBefore: 60 });
    await expectRefused(h, token, "not-yet-valid", "nbf");
    clock.advance(60_000);
    expect((await h.warden.authenticate(token)).sub).toBe("test-user");
  });
});

describe("claim mapping", () => {
  function setup(identity: Partial<IdentityOptions> = {}) {
    const clock = fakeClock();
    const idp = createTestIdentity({ clock });
    return { idp, ...harness({ ...idp.identity, ...identity } as IdentityOptions, clock) };
  }

  it("reads space-separated scopes from scope", async () => {
    const { warden, idp } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "  orders:read\torders:refund  kb:read " }));
    expect(principal.scopes).toEqual(["orders:read", "orders:refund", "kb:read"]);
  });

  it("reads scopes from scp and permissions arrays, merged without duplicates", async () => {
    const { warden, idp } = setup();
    expect((await warden.authenticate(await idp.issue({ scp: ["a:read", "b:read"] }))).scopes).toEqual(["a:read", "b:read"]);
    expect((await warden.authenticate(await idp.issue({ permissions: ["c:write"] }))).scopes).toEqual(["c:write"]);
    const merged = await warden.authenticate(await idp.issue({ scope: "a:read", scp: ["a:read", "b:read"], permissions: ["c:write"] }));
    expect(merged.scopes).toEqual(["a:read", "b:read", "c:write"]);
  });

  it("reads tenant and roles by default", async () => {
    const { warden, idp } = setup();
    const principal = await warden.authenticate(await idp.issue({ tenant: "acme", roles: ["support", "support", "admin"] }));
    expect(principal.tenant).toBe("acme");
    expect(principal.roles).toEqual(["support", "admin"]);
    const bare = await warden.authenticate(await idp.issue());
    expect(bare.tenant).toBeUndefined();
    expect(bare.scopes).toEqual([]);
    expect(bare.roles).toEqual([]);
  });

  it("honours a custom mapping of scopes, tenant and roles", async () => {
    const { warden, idp } = setup({ claims: { scopes: "perms", tenant: "org_id", roles: "groups" } });
    const principal = await warden.authenticate(
      await idp.issue({ perms: ["orders:read"], org_id: "acme", groups: "support billing", scope: "admin", tenant: "evil", roles: ["root"] }),
    );
    expect(principal.scopes).toEqual(["orders:read"]);
    expect(principal.tenant).toBe("acme");
    expect(principal.roles).toEqual(["support", "billing"]);
  });

  it("honours a custom list of scope claims", async () => {
    const { warden, idp } = setup({ claims: { scopes: ["perms", "extra"] } });
    const principal = await warden.authenticate(await idp.issue({ perms: "a:read", extra: ["b:read"], scope: "admin" }));
    expect(principal.scopes).toEqual(["a:read", "b:read"]);
  });

  it.each([{ scope: 42 }, { scope: { admin: true } }, { scope: true }, { scp: ["a:read", 1] }, { permissions: [["nested"]] }])(
    "refuses a scope claim of the wrong type: %j",
    async (claim) => {
      const h = setup();
      const claimName = Object.keys(claim)[0];
      await expectRefused(h, await h.idp.issue(claim), "claim", claimName);
    },
  );

  it("refuses a tenant or roles claim of the wrong type", async () => {
    const h = setup();
    await expectRefused(h, await h.idp.issue({ tenant: 7 }), "claim", "tenant");
    await expectRefused(h, await h.idp.issue({ tenant: "" }), "claim", "tenant");
    await expectRefused(h, await h.idp.issue({ tenant: ["acme"] }), "claim", "tenant");
    await expectRefused(h, await h.idp.issue({ roles: { admin: true } }), "claim", "roles");
  });

  it("refuses a custom-mapped claim of the wrong type", async () => {
    const h = setup({ claims: { scopes: "perms", tenant: "org_id" } });
    await expectRefused(h, await h.idp.issue({ perms: 1 }), "claim", "perms");
    await expectRefused(h, await h.idp.issue({ org_id: 1 }), "claim", "org_id");
  });

  it("mints an immutable principal whose claims cannot be changed", async () => {
    const { warden, idp } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "a:read", nested: { deep: ["x"] } }));
    expect(Object.isFrozen(principal)).toBe(true);
    expect(Object.isFrozen(principal.claims)).toBe(true);
    expect(Object.isFrozen((principal.claims.nested as { deep: string[] }).deep)).toBe(true);
    expect(() => (principal.scopes as string[]).push("admin")).toThrow();
    expect(principal.expiresAt).toBe(((principal.claims.exp as number) ?? 0) * 1000);
  });
});
