import { createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { tool } from "@langchain/core/tools";
import {
  type AuditEvent,
  AuditLog,
  createWarden,
  DIGEST_KEY_INFO,
  deriveDigestKey,
  digestFor,
  generateAuditKeys,
  guardTool,
  PolicyError,
  verifyAuditLog,
  WardenAuditHandler,
  type WardenAuditOptions,
} from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { canonicalJson } from "../../src/canonical-json.js";

const idp = createTestIdentity();
const keys = generateAuditKeys();
const SSN = "078-05-1120";

/** A warden whose `lookup_customer` tool takes an SSN; returns the events of one call with `ssn`. */
async function callWithSsn(audit: WardenAuditOptions, ssn = SSN): Promise<{ events: AuditEvent[]; digest: (value: unknown) => string }> {
  const sink = memorySink();
  const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup_customer: { scopes: [] } } }, audit: { ...audit, sink }, masking: false });
  const lookup = tool(async ({ ssn: given }) => `customer with ssn ${given}`, {
    name: "lookup_customer",
    description: "Finds a customer by SSN",
    schema: z.object({ ssn: z.string() }),
  });
  const principal = await warden.authenticate(await idp.issue({ sub: "agent-user" }));
  await warden.tool(lookup).invoke({ ssn }, warden.config(principal));
  await warden.close();
  return { events: [...sink.events], digest: (value) => warden.audit.digest(value) };
}

/** Every digest string an event holds, wherever in `data` it is. */
function digestsIn(events: readonly AuditEvent[]): string[] {
  return events.flatMap((event) => Object.values(event.data ?? {}).filter((v): v is string => typeof v === "string" && /digest|^sha256:|^hmac-sha256:/i.test(v)));
}

/** 1,000 SSNs an attacker who knows the area and group numbers tries (078-05-1000 … 078-05-1999), the real one among them. */
const candidates = Array.from({ length: 1000 }, (_, i) => `078-05-${String(1000 + i).padStart(4, "0")}`);

describe("keyed audit digests", () => {
  it("a logged SSN argument cannot be found by hashing candidate SSNs with SHA-256; with the key it is matched", async () => {
    const { events } = await callWithSsn({ signingKey: keys.privateKey });
    const allowed = events.find((e) => e.type === "access.allowed")!;
    const argsDigest = allowed.data?.argsDigest as string;
    expect(JSON.stringify(events)).not.toContain(SSN);
    expect(candidates).toContain(SSN);

    // The brute force an unkeyed digest allowed: SHA-256 over the canonical arguments of each candidate.
    const logged = new Set(digestsIn(events));
    const plain = candidates.filter((ssn) => logged.has(`sha256:${createHash("sha256").update(canonicalJson({ ssn })).digest("hex")}`));
    expect(plain).toEqual([]);
    // Nor does any bare hex in the log match a candidate's hash.
    const text = JSON.stringify(events);
    expect(candidates.filter((ssn) => text.includes(createHash("sha256").update(canonicalJson({ ssn })).digest("hex")))).toEqual([]);

    // Whoever holds the key (here the private signing key the digest key is derived from) matches it.
    expect(candidates.filter((ssn) => digestFor({ ssn }, keys.privateKey) === argsDigest)).toEqual([SSN]);
    expect(candidates.filter((ssn) => digestFor({ ssn }, deriveDigestKey(keys.privateKey)) === argsDigest)).toEqual([SSN]);
  });

  it("the digest key derived from the signing key is HKDF-SHA256 over its d, no salt, the documented info", () => {
    expect(DIGEST_KEY_INFO).toBe("langchain-warden audit digests v1");
    const expected = new Uint8Array(hkdfSync("sha256", Buffer.from(keys.privateKey.d!, "base64url"), new Uint8Array(0), DIGEST_KEY_INFO, 32));
    expect(deriveDigestKey(keys.privateKey)).toEqual(expected);
    const value = { ssn: SSN };
    const hex = createHmac("sha256", expected).update(canonicalJson(value)).digest("hex");
    expect(digestFor(value, keys.privateKey)).toMatch(new RegExp(`^hmac-sha256:[A-Za-z0-9_-]{8}:${hex}$`));
  });

  it("two wardens with the same signing key record the same digests; another key, or an explicit digest key, differs", async () => {
    const one = await callWithSsn({ signingKey: keys.privateKey });
    const two = await callWithSsn({ signingKey: keys.privateKey });
    const other = await callWithSsn({ signingKey: generateAuditKeys().privateKey });
    const secret = randomBytes(32);
    const explicit = await callWithSsn({ signingKey: keys.privateKey, digestKey: secret });
    const explicitAgain = await callWithSsn({ digestKey: secret });
    const argsOf = (events: AuditEvent[]) => events.find((e) => e.type === "access.allowed")?.data?.argsDigest;

    expect(argsOf(one.events)).toBe(argsOf(two.events));
    expect(argsOf(other.events)).not.toBe(argsOf(one.events));
    // An explicit digest key wins over the derived one, and needs no signing key.
    expect(argsOf(explicit.events)).not.toBe(argsOf(one.events));
    expect(argsOf(explicit.events)).toBe(argsOf(explicitAgain.events));
    expect(argsOf(explicit.events)).toBe(digestFor({ ssn: SSN }, secret));
    // Outputs too.
    const outputOf = (events: AuditEvent[]) => events.find((e) => e.type === "tool.end")?.data?.outputDigest;
    expect(outputOf(one.events)).toBe(outputOf(two.events));
    expect(outputOf(one.events)).toBe(digestFor(`customer with ssn ${SSN}`, keys.privateKey));
    expect(outputOf(other.events)).not.toBe(outputOf(one.events));
  });

  it("each digest names its key by a short id that does not reveal it; without any key, each instance has its own", async () => {
    const a = await callWithSsn({});
    const b = await callWithSsn({});
    const [digestA, digestB] = [a, b].map(({ events }) => events.find((e) => e.type === "access.allowed")?.data?.argsDigest as string);
    expect(digestA).not.toBe(digestB);
    const idOf = (digest: string) => digest.split(":")[1];
    expect(idOf(digestA!)).not.toBe(idOf(digestB!));
    const log = new AuditLog({ sink: memorySink(), clock: fakeClock(), signingKey: keys.privateKey });
    expect(log.digest({ ssn: SSN })).toBe(`hmac-sha256:${log.digestKeyId}:${log.digest({ ssn: SSN }).split(":")[2]}`);
    expect(idOf(digestFor(1, keys.privateKey))).toBe(log.digestKeyId);
    const keyBytes = Buffer.from(deriveDigestKey(keys.privateKey));
    for (const form of [keyBytes.toString("hex"), keyBytes.toString("base64url"), keyBytes.toString("base64")]) expect(form).not.toContain(log.digestKeyId);
  });

  it("rejected tokens and unguarded tools' inputs are digested with the key too", async () => {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, policy: { tools: {} }, audit: { sink, signingKey: keys.privateKey } });
    await expect(warden.authenticate("not-a-token")).rejects.toThrow();
    expect(sink.ofType("token.rejected")[0]?.data?.tokenDigest).toBe(digestFor("not-a-token", keys.privateKey));

    const logSink = memorySink();
    const handler = new WardenAuditHandler(new AuditLog({ sink: logSink, clock: fakeClock(), signingKey: keys.privateKey }));
    await handler.handleToolStart({ lc: 1, type: "not_implemented", id: ["plain_tool"] }, SSN, "run-1");
    await handler.handleToolEnd({ content: SSN }, "run-1");
    expect(logSink.events.map((e) => e.data)).toEqual([{ inputDigest: digestFor(SSN, keys.privateKey) }, { outputDigest: digestFor(SSN, keys.privateKey) }]);
  });

  it("a log with keyed digests verifies, and so does an older one with unkeyed sha256: digests", async () => {
    const keyed = await callWithSsn({ signingKey: keys.privateKey });
    expect(await verifyAuditLog(keyed.events, { publicKey: keys.publicKey, strict: true })).toMatchObject({ ok: true, problems: [] });
    const sink = memorySink();
    const log = new AuditLog({ sink, clock: fakeClock(), signingKey: keys.privateKey });
    await log.record({ type: "access.allowed", outcome: "success", actor: { sub: "a" }, target: { kind: "tool", name: "t" }, data: { argsDigest: `sha256:${"ab".repeat(32)}` } });
    await log.close();
    expect(await verifyAuditLog(sink.events, { publicKey: keys.publicKey, strict: true })).toMatchObject({ ok: true, problems: [] });
  });

  it("a digest key shorter than 32 bytes is refused, naming audit.digestKey", () => {
    const create = (digestKey: string | Uint8Array) => createWarden({ identity: idp.identity, policy: { tools: {} }, audit: { sink: memorySink(), digestKey } });
    for (const short of ["short", randomBytes(31)]) {
      expect(() => create(short)).toThrow(PolicyError);
      expect(() => create(short)).toThrow(/audit\.digestKey/);
      expect(() => new AuditLog({ sink: memorySink(), clock: fakeClock(), digestKey: short })).toThrow(/at least 32 bytes/);
      expect(() => digestFor(1, short)).toThrow(/at least 32 bytes/);
    }
    expect(() => create("x".repeat(32))).not.toThrow();
    expect(() => digestFor(1, keys.publicKey)).toThrow(/private JWK/);
  });
});

describe("digest keys of standalone guards", () => {
  const lookup = tool(async ({ ssn }) => `customer ${ssn}`, { name: "lookup_customer", description: "Finds a customer", schema: z.object({ ssn: z.string() }) });
  const policy = { tools: { lookup_customer: { scopes: [] } } };

  it("keys a standalone guard's log with audit.digestKey", async () => {
    const sink = memorySink();
    const key = randomBytes(32);
    const guarded = guardTool(lookup, { policy, audit: { sink, digestKey: key }, masking: false });
    const warden = createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy });
    const principal = await warden.authenticate(await idp.issue({ sub: "agent-user" }));
    await guarded.invoke({ ssn: SSN }, warden.config(principal));
    expect(sink.ofType("access.allowed")[0]?.data?.argsDigest).toBe(digestFor({ ssn: SSN }, key));
  });

  it("refuses a digest key shorter than 32 bytes with a PolicyError naming audit.digestKey", () => {
    const refused = (() => {
      try {
        guardTool(lookup, { policy, audit: { sink: memorySink(), digestKey: "too short" } });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(PolicyError);
    expect((refused as PolicyError).path).toBe("audit.digestKey");
    expect((refused as Error).message).not.toContain("too short");
  });
});
