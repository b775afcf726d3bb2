import { setTimeout as sleep } from "node:timers/promises";
import { createWarden, type IdentityOptions, InvalidTokenError, PolicyError } from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";

const policy = { tools: {} };

function setup(tokenCache?: IdentityOptions["tokenCache"], extra: Partial<IdentityOptions> = {}) {
  const clock = fakeClock(Date.UTC(2026, 0, 1));
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  const warden = createWarden({
    identity: { ...idp.identity, ...extra, ...(tokenCache !== undefined ? { tokenCache } : {}) },
    policy,
    clock,
    audit: { sink },
  });
  return { clock, idp, warden, sink };
}

async function refusal(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return error as InvalidTokenError;
}

describe("verified-token cache", () => {
  it("reuses the principal of a token presented again, with or without the Bearer prefix", async () => {
    const { idp, warden } = setup();
    const token = await idp.issue({ sub: "mgr" });
    const first = await warden.authenticate(token);
    expect(await warden.authenticate(token)).toBe(first);
    expect(await warden.authenticate(`Bearer ${token}`)).toBe(first);
  });

  it("never serves a tampered token from the cache: the signature is checked and the refusal recorded", async () => {
    const { idp, warden, sink } = setup();
    const token = await idp.issue({ sub: "mgr" });
    await warden.authenticate(token);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), sub: "root" })).toString("base64url")}.${signature}`;
    expect((await refusal(warden.authenticate(forged))).reason).toBe("signature");
    expect(sink.ofType("token.rejected").at(-1)?.reason).toMatch(/signature/i);
  });

  it("stops reusing a token at its expiry: the refusal is the same as without the cache", async () => {
    const { clock, idp, warden } = setup({ ttlMs: 600_000 });
    const token = await idp.issue({ sub: "mgr" }, { expiresIn: "2m" });
    const first = await warden.authenticate(token);
    clock.advance(119_000);
    expect(await warden.authenticate(token)).toBe(first);
    clock.advance(1_000);
    expect((await refusal(warden.authenticate(token))).reason).toBe("expired");
  });

  it("honours the clock tolerance at expiry", async () => {
    const { clock, idp, warden } = setup({ ttlMs: 600_000 }, { clockTolerance: 30 });
    const token = await idp.issue({ sub: "mgr" }, { expiresIn: "1m" });
    const first = await warden.authenticate(token);
    clock.advance(80_000);
    expect(await warden.authenticate(token)).toBe(first);
    clock.advance(10_000);
    expect((await refusal(warden.authenticate(token))).reason).toBe("expired");
  });

  it("stops reusing a token once it is older than maxTokenAge", async () => {
    const { clock, idp, warden } = setup({ ttlMs: 600_000 }, { maxTokenAge: "30s" });
    const token = await idp.issue({ sub: "mgr" }, { expiresIn: "1h" });
    await warden.authenticate(token);
    clock.advance(32_000);
    const error = await refusal(warden.authenticate(token));
    expect(error.reason).toBe("expired");
    expect(error.claim).toBe("iat");
  });

  it("verifies again when the clock is set back before the verification", async () => {
    const { clock, idp, warden } = setup();
    const token = await idp.issue({ sub: "mgr" }, { notBefore: "10s" });
    clock.advance(10_000);
    await warden.authenticate(token);
    clock.set(clock.now() - 60_000);
    expect((await refusal(warden.authenticate(token))).reason).toBe("not-yet-valid");
  });

  it("verifies again once an entry is ttlMs old in real time, even when the warden's clock stands still", async () => {
    const { idp, warden } = setup({ ttlMs: 40 });
    const token = await idp.issue({ sub: "a" });
    const first = await warden.authenticate(token);
    expect(await warden.authenticate(token)).toBe(first);
    await sleep(60);
    const second = await warden.authenticate(token);
    expect(second).not.toBe(first);
    expect(second.sub).toBe("a");
  });

  it("keeps at most maxEntries tokens", async () => {
    const { idp, warden } = setup({ maxEntries: 1 });
    const a = await idp.issue({ sub: "a" });
    const b = await idp.issue({ sub: "b" });
    const first = await warden.authenticate(a);
    expect(await warden.authenticate(a)).toBe(first);
    await warden.authenticate(b);
    expect(await warden.authenticate(a)).not.toBe(first);
  });

  it("is off with tokenCache: false", async () => {
    const { idp, warden } = setup(false);
    const token = await idp.issue({ sub: "mgr" });
    expect(await warden.authenticate(token)).not.toBe(await warden.authenticate(token));
  });

  it("refuses invalid limits with a PolicyError naming the option", () => {
    const idp = createTestIdentity();
    for (const tokenCache of [{ ttlMs: 0 }, { maxEntries: -1 }, { size: 3 }, true]) {
      let caught: unknown;
      try {
        createWarden({ identity: { ...idp.identity, tokenCache } as IdentityOptions, policy });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PolicyError);
      expect((caught as PolicyError).path.startsWith("identity.tokenCache")).toBe(true);
    }
  });
});
