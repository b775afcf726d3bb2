import { type AuditEvent, AuditLog, type AuditVerification, generateAuditKeys, verifyAuditLog } from "langchain-warden";
import { fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";

const keys = generateAuditKeys();
const verifyKey = { publicKey: keys.publicKey };

interface PublishedLog {
  /** The events as written, in the order of the shared sink. */
  events: AuditEvent[];
  /** Every signed event, as `onCheckpoint` published it. */
  published: AuditEvent[];
  chains: string[];
}

/**
 * Two instances appending to one sink (a1, b1, a2, b2, …), each on its own
 * chain, signing every 4th event; both are closed, so each ends in a final
 * checkpoint. Each signed event is published as `onCheckpoint` hands it over.
 */
async function twoInstances(count = 10): Promise<PublishedLog> {
  const clock = fakeClock(Date.UTC(2025, 0, 1));
  const sink = memorySink();
  const published: AuditEvent[] = [];
  const logs = ["instance-a", "instance-b"].map(
    (chain) => new AuditLog({ sink, clock, chain, signingKey: keys.privateKey, signEvery: 4, signIntervalMs: 0, onCheckpoint: (event) => published.push(event) }),
  );
  for (let i = 0; i < count; i++) {
    for (const log of logs) {
      clock.advance(1_000);
      await log.record({ type: "access.allowed", outcome: "success", actor: { sub: `user-${i}` }, target: { kind: "tool", name: "lookup" } });
    }
  }
  for (const log of logs) await log.close();
  return { events: structuredClone([...sink.events]), published: structuredClone(published), chains: logs.map((log) => log.chain) };
}

/** The newest published head of each chain, as a verifier would be given them. */
function latestHeads(published: readonly AuditEvent[]): Array<{ chain: string; seq: number; hash: string }> {
  const latest = new Map<string, AuditEvent>();
  for (const event of published) if ((latest.get(event.chain)?.seq ?? 0) < event.seq) latest.set(event.chain, event);
  return [...latest.values()].map(({ chain, seq, hash }) => ({ chain, seq, hash }));
}

const named = (result: AuditVerification) => result.problems.map((p) => [p.kind, p.chain, p.seq]);

describe("verifyAuditLog with a published head per chain", () => {
  it("a two-chain log verifies against the heads of both chains, given as a list, a record or the published events themselves", async () => {
    const { events, published, chains } = await twoInstances();
    const heads = latestHeads(published);
    expect(heads.map((head) => head.chain)).toEqual(chains);
    for (const expectHead of [heads, Object.fromEntries(heads.map(({ chain, ...head }) => [chain, head])), published, heads.map((head) => head.hash)]) {
      const result = await verifyAuditLog(events, { ...verifyKey, strict: true, expectHead });
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
    }
    const result = await verifyAuditLog(events, { ...verifyKey, expectHead: heads });
    expect(result.heads).toEqual(heads);
    // `head` stays the newest event of the last chain read.
    expect(result.head).toBe(result.heads.at(-1)?.hash);
  });

  it("a whole chain removed from the log → missing-chain, where one head (or none) lets it pass", async () => {
    const { events, published, chains } = await twoInstances();
    const heads = latestHeads(published);
    const withoutB = events.filter((event) => event.chain !== chains[1]);
    // The attack: the remaining chain is whole and signed, so a single head or none says nothing.
    expect((await verifyAuditLog(withoutB, { ...verifyKey, strict: true })).ok).toBe(true);
    expect((await verifyAuditLog(withoutB, { ...verifyKey, strict: true, expectHead: heads[0] })).ok).toBe(true);

    const result = await verifyAuditLog(withoutB, { ...verifyKey, expectHead: heads });
    expect(result.ok).toBe(false);
    expect(named(result)).toEqual([["missing-chain", chains[1], heads[1]!.seq]]);
  });

  it("every published head of a removed chain is reported once, as missing-chain", async () => {
    const { events, published, chains } = await twoInstances();
    const withoutA = events.filter((event) => event.chain !== chains[0]);
    const result = await verifyAuditLog(withoutA, { ...verifyKey, expectHead: published });
    expect(named(result).map(([kind, chain]) => [kind, chain])).toEqual([["missing-chain", chains[0]]]);
  });

  it("one of two chains truncated before its published head → truncated at the head's seq, naming where the chain now ends", async () => {
    const { events, published, chains } = await twoInstances();
    const heads = latestHeads(published);
    // Cut chain a back to its last signature but one: the rest of the log is intact.
    const cut = published.filter((event) => event.chain === chains[0]).at(-2)!.seq;
    const truncated = events.filter((event) => event.chain !== chains[0] || event.seq <= cut);
    expect((await verifyAuditLog(truncated, { ...verifyKey, strict: true })).ok).toBe(true);

    const result = await verifyAuditLog(truncated, { ...verifyKey, expectHead: heads });
    expect(named(result)).toEqual([["truncated", chains[0], heads[0]!.seq]]);
    expect(result.problems[0]?.message).toContain(`ends at seq ${cut}`);
  });

  it("a chain spliced in from another log signed by the same key → foreign-chain, where it otherwise verifies", async () => {
    const ours = await twoInstances();
    // Another log (another deployment, or an older file) signed with the same key: its chain is whole and closed.
    const clock = fakeClock(Date.UTC(2025, 0, 2));
    const sink = memorySink();
    const other = new AuditLog({ sink, clock, signingKey: keys.privateKey, signEvery: 4, signIntervalMs: 0 });
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000);
      await other.record({ type: "access.allowed", outcome: "success", actor: { sub: "mallory" }, target: { kind: "tool", name: "lookup" } });
    }
    await other.close();
    const log = [...ours.events, ...sink.events];
    expect((await verifyAuditLog(log, { ...verifyKey, strict: true })).ok).toBe(true);

    const result = await verifyAuditLog(log, { ...verifyKey, expectHead: latestHeads(ours.published) });
    expect(result.ok).toBe(false);
    expect(named(result)).toEqual([["foreign-chain", other.chain, undefined]]);
    expect(result.heads.map((head) => head.chain)).toEqual([...ours.chains, other.chain]);
  });

  it("heads without a chain name the chain that holds them; a head found in no chain → truncated", async () => {
    const { events, published, chains } = await twoInstances();
    const heads = latestHeads(published);
    const onlyA = await verifyAuditLog(events, { ...verifyKey, expectHead: [heads[0]!.hash] });
    expect(named(onlyA)).toEqual([["foreign-chain", chains[1], undefined]]);
    const unknown = await verifyAuditLog(events, { ...verifyKey, expectHead: [...heads, "f".repeat(64)] });
    expect(named(unknown)).toEqual([["truncated", undefined, undefined]]);
  });

  it("a single head keeps its meaning: only that head must be in the log", async () => {
    const { events, published } = await twoInstances();
    const [a] = latestHeads(published);
    for (const expectHead of [a!, a!.hash]) {
      expect(await verifyAuditLog(events, { ...verifyKey, expectHead })).toMatchObject({ ok: true, problems: [] });
    }
    const rewritten = await verifyAuditLog(events, { ...verifyKey, expectHead: { ...a!, hash: "0".repeat(64) } });
    expect(named(rewritten)).toEqual([["truncated", a!.chain, a!.seq]]);
  });

  it("a malformed head is refused, not silently matched against nothing", async () => {
    const { events } = await twoInstances(2);
    await expect(verifyAuditLog(events, { ...verifyKey, expectHead: [{ hash: "nothex" }] })).rejects.toThrow(/64-character hex/);
    await expect(verifyAuditLog(events, { ...verifyKey, expectHead: [{ hash: "a".repeat(64), seq: 0 }] })).rejects.toThrow(/seq/);
    await expect(verifyAuditLog(events, { ...verifyKey, expectHead: { x: 1 } as never })).rejects.toThrow(/hex hash/);
  });
});

describe("closing a chain publishes its last head", () => {
  it("close() returns only once onCheckpoint has the final checkpoint, even when the sink makes it durable later", async () => {
    const { AuditLog, generateAuditKeys: keysOf } = await import("langchain-warden");
    const stored: unknown[] = [];
    // A sink whose fsync completes a while after the write and after close() (as a shared file's can).
    const slowDurable: import("langchain-warden").AuditSink = {
      write: (event) => void stored.push(event),
      durable: () => new Promise<void>((resolve) => setTimeout(resolve, 30)),
      close: async () => undefined,
    };
    const published: number[] = [];
    const log = new AuditLog({
      sink: slowDurable,
      clock: { now: () => Date.now() },
      signingKey: keysOf().privateKey,
      signEvery: 100,
      signIntervalMs: 0,
      onCheckpoint: (e) => published.push(e.seq),
    });
    await log.record({ type: "access.allowed", outcome: "success", actor: { sub: "ann" }, target: { kind: "tool", name: "t" } });
    await log.close();
    expect(published.at(-1)).toBe(stored.length);
  });
});
