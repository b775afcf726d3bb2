import { PolicyError } from "langchain-warden";
import { fakeClock } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { memoryLimitStore } from "../../src/throttle/memory-store.js";
import { concurrency, rate, tokens } from "./support/checks.js";
import { describeStoreContract, leaseOf } from "./support/store-contract.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2030, 0, 1); // a whole second

describeStoreContract("memoryLimitStore", () => memoryLimitStore());

describe("memoryLimitStore: sliding windows", () => {
  it("lets no burst through twice across a second boundary", async () => {
    const clock = fakeClock(T0 + 900);
    const store = memoryLimitStore({ clock });
    const check = rate("user:ann", 5, 1_000);
    for (let i = 0; i < 5; i++) expect((await store.admit([check])).admitted).toBe(true);
    clock.set(T0 + 1_000); // a new second, but the last 1000 ms already hold 5 calls
    const refused = await store.admit([check]);
    expect(refused.admitted === false && refused.retryAfterMs).toBe(900);
    clock.set(T0 + 1_899);
    expect((await store.admit([check])).admitted === false).toBe(true);
    clock.set(T0 + 1_900);
    for (let i = 0; i < 5; i++) expect((await store.admit([check])).admitted).toBe(true);
    expect((await store.admit([check])).admitted).toBe(false);
  });

  it("names the entry whose expiry makes room as retryAfterMs", async () => {
    const clock = fakeClock(T0);
    const store = memoryLimitStore({ clock });
    const check = rate("user:ann", 3, 1_000);
    for (const at of [0, 200, 700]) {
      clock.set(T0 + at);
      expect((await store.admit([check])).admitted).toBe(true);
    }
    clock.set(T0 + 800);
    const refused = await store.admit([check]);
    expect(refused.admitted === false && refused.retryAfterMs).toBe(200); // the call at 0 leaves at 1000
    clock.set(T0 + 1_000);
    expect((await store.admit([check])).admitted).toBe(true);
    const next = await store.admit([check]);
    expect(next.admitted === false && next.retryAfterMs).toBe(200); // the call at 200 leaves at 1200
  });

  it("is exact: never more than the limit in any window, and never a refusal when the window has room", async () => {
    const clock = fakeClock(T0);
    const store = memoryLimitStore({ clock });
    const limit = 7;
    const windowMs = 1_000;
    const check = rate("user:exact", limit, windowMs);
    const admitted: number[] = [];
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let refusals = 0;
    for (let i = 0; i < 3_000; i++) {
      clock.advance(Math.floor(random() * 120));
      const now = clock.now();
      const inWindow = admitted.filter((t) => t > now - windowMs).length;
      const answer = await store.admit([check]);
      expect(answer.admitted).toBe(inWindow < limit);
      if (answer.admitted) admitted.push(now);
      else {
        refusals++;
        // Room appears exactly when the oldest call still counted leaves.
        const counted = admitted.filter((t) => t > now - windowMs);
        expect(answer.retryAfterMs).toBe(counted[counted.length - limit]! + windowMs - now);
      }
    }
    expect(refusals).toBeGreaterThan(100);
    for (const t of admitted) expect(admitted.filter((u) => u > t - windowMs && u <= t).length).toBeLessThanOrEqual(limit);
  });
});

describe("memoryLimitStore: token budgets", () => {
  it("says when enough reservations leave the window", async () => {
    const clock = fakeClock(T0);
    const store = memoryLimitStore({ clock });
    const budget = (cost: number) => tokens("user:ann:hour", 1000, HOUR, cost);
    for (const [at, cost] of [
      [0, 300],
      [10, 300],
      [20, 400],
    ] as const) {
      clock.set(T0 + at * MINUTE);
      expect((await store.admit([budget(cost)])).admitted).toBe(true);
    }
    clock.set(T0 + 30 * MINUTE);
    const small = await store.admit([budget(200)]);
    expect(small.admitted === false && small.retryAfterMs).toBe(30 * MINUTE); // the first 300 leave at 60 min
    const large = await store.admit([budget(500)]);
    expect(large.admitted === false && large.retryAfterMs).toBe(40 * MINUTE); // 300 + 300 leave at 70 min
    clock.set(T0 + 60 * MINUTE);
    expect((await store.admit([budget(200)])).admitted).toBe(true);
  });

  it("takes a settled amount out of the window, not the reservation", async () => {
    const clock = fakeClock(T0);
    const store = memoryLimitStore({ clock });
    const budget = (cost: number) => tokens("user:ann:hour", 1000, HOUR, cost);
    const lease = leaseOf(await store.admit([budget(100)]));
    await store.finish(lease, 900); // charged in full
    clock.advance(30 * MINUTE);
    expect((await store.admit([budget(100)])).admitted).toBe(true); // 1000
    expect((await store.admit([budget(1)])).admitted).toBe(false);
    clock.advance(30 * MINUTE); // the 900 leave
    expect((await store.admit([budget(900)])).admitted).toBe(true);
    await store.finish(lease, 0); // its entry has left the window: settling it changes nothing
    expect((await store.admit([budget(1)])).admitted).toBe(false);
  });
});

describe("memoryLimitStore: concurrency leases", () => {
  it("expires an unfinished lease after leaseTtlMs", async () => {
    const clock = fakeClock(T0);
    const store = memoryLimitStore({ clock, leaseTtlMs: 1_000 });
    const slot = concurrency("user:ann:conc", 1);
    const crashed = leaseOf(await store.admit([slot]));
    clock.advance(950);
    const refused = await store.admit([slot]);
    expect(refused.admitted === false && refused.retryAfterMs).toBe(50); // sooner than the 100 ms hint
    clock.advance(50);
    const next = leaseOf(await store.admit([slot]));
    // Finishing the expired lease late does not free the slot its successor holds.
    await store.finish(crashed);
    expect((await store.admit([slot])).admitted).toBe(false);
    await store.finish(next);
    expect((await store.admit([slot])).admitted).toBe(true);
  });

  it("defaults to a 10 minute lease", async () => {
    const clock = fakeClock(T0);
    const store = memoryLimitStore({ clock });
    const slot = concurrency("user:ann:conc", 1);
    leaseOf(await store.admit([slot]));
    clock.advance(10 * MINUTE - 1);
    expect((await store.admit([slot])).admitted).toBe(false);
    clock.advance(1);
    expect((await store.admit([slot])).admitted).toBe(true);
  });

  it("refuses a bad leaseTtlMs", () => {
    expect(() => memoryLimitStore({ leaseTtlMs: 0 })).toThrow(PolicyError);
    expect(() => memoryLimitStore({ leaseTtlMs: 1.5 })).toThrow(PolicyError);
  });
});

describe("memoryLimitStore: bounded memory", () => {
  it("drops the counters of 100,000 users once their windows pass, and keeps those still counting", async () => {
    const clock = fakeClock(T0);
    const store = memoryLimitStore({ clock, leaseTtlMs: 2 * HOUR });
    const daily = rate("user:steady:day", 1, 86_400_000);
    expect((await store.admit([daily])).admitted).toBe(true);
    const slot = concurrency("user:steady:conc", 1);
    leaseOf(await store.admit([slot]));
    for (let i = 0; i < 100_000; i++) {
      const user = `user:${i}`;
      const lease = leaseOf(await store.admit([rate(`${user}:min`, 10, MINUTE), tokens(`${user}:hour`, 5000, HOUR, 10), concurrency(`${user}:conc`, 2)]));
      await store.finish(lease, 5);
      if (i % 1000 === 0) clock.advance(1);
    }
    const peak = store.size();
    // Every rate and budget is still in its window: none may be dropped (a finished lease's concurrency counter may).
    expect(peak).toBeGreaterThanOrEqual(200_002);
    clock.advance(HOUR); // every window of the 100,000 users has passed
    const probe = rate("user:probe:min", 1_000_000, MINUTE);
    let calls = 0;
    for (; calls < 5_000 && store.size() > 10; calls++) await store.admit([probe]);
    expect(store.size()).toBeLessThanOrEqual(10);
    // Counters still counting were kept.
    expect((await store.admit([daily])).admitted).toBe(false);
    expect((await store.admit([slot])).admitted).toBe(false);
  });
});
