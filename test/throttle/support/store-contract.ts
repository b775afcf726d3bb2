import { randomUUID } from "node:crypto";
import { PolicyError } from "langchain-warden";
import { describe, expect, it } from "vitest";
import type { Admission, Lease, LimitStore } from "../../../src/throttle/limit-store.js";
import { concurrency, rate, tokens } from "./checks.js";

const HOUR = 3_600_000;

/** The lease of an admission that must have been admitted. */
export function leaseOf(admission: Admission): Lease {
  if (!admission.admitted) throw new Error(`expected an admission, got a refusal by ${admission.check.key}`);
  return admission.lease;
}

/** Semantics every limits store keeps, whatever the clock (windows here are long enough not to move during a test). */
export function describeStoreContract(name: string, makeStore: () => LimitStore): void {
  describe(`${name}: the store contract`, () => {
    const key = (label: string) => `${label}:${randomUUID()}`;

    it("admits up to the limit, then refuses with the check that had no room and when it will have", async () => {
      const store = makeStore();
      const check = rate(key("user:ann"), 3, HOUR);
      for (let i = 0; i < 3; i++) expect((await store.admit([check])).admitted).toBe(true);
      const refused = await store.admit([check]);
      expect(refused.admitted).toBe(false);
      if (refused.admitted) return;
      expect(refused.check).toBe(check);
      expect(refused.retryAfterMs).toBeGreaterThan(HOUR - 60_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(HOUR);
    });

    it("is all-or-nothing: a call refused by the global limit takes nothing from the user's", async () => {
      const store = makeStore();
      const user = rate(key("user:ann"), 3, HOUR, "user");
      const global = rate(key("global"), 1, HOUR, "global");
      expect((await store.admit([user, global])).admitted).toBe(true);
      for (let i = 0; i < 5; i++) {
        const refused = await store.admit([user, global]);
        expect(refused.admitted === false && refused.check).toBe(global);
      }
      // The user check still holds one call, not six: two more fit, the third does not.
      expect((await store.admit([user])).admitted).toBe(true);
      expect((await store.admit([user])).admitted).toBe(true);
      const third = await store.admit([user]);
      expect(third.admitted === false && third.check).toBe(user);
    });

    it("reports the first check without room, in the order given", async () => {
      const store = makeStore();
      const a = rate(key("a"), 1, HOUR);
      const b = rate(key("b"), 1, HOUR);
      expect((await store.admit([a, b])).admitted).toBe(true);
      const refused = await store.admit([b, a]);
      expect(refused.admitted === false && refused.check).toBe(b);
    });

    it("reserves tokens, then settles them down to the real usage", async () => {
      const store = makeStore();
      const k = key("budget");
      const budget = (cost: number) => tokens(k, 1000, HOUR, cost);
      const first = leaseOf(await store.admit([budget(600)]));
      const over = await store.admit([budget(500)]);
      expect(over.admitted).toBe(false);
      if (!over.admitted) {
        expect(over.check.kind).toBe("tokens");
        expect(over.retryAfterMs).toBeGreaterThan(0);
        expect(over.retryAfterMs).toBeLessThanOrEqual(HOUR);
      }
      await store.finish(first, 100);
      expect((await store.admit([budget(500)])).admitted).toBe(true); // 100 + 500
      expect((await store.admit([budget(400)])).admitted).toBe(true); // 1000
      expect((await store.admit([budget(1)])).admitted).toBe(false);
    });

    it("charges usage over the reservation in full", async () => {
      const store = makeStore();
      const k = key("budget");
      const first = leaseOf(await store.admit([tokens(k, 1000, HOUR, 100)]));
      await store.finish(first, 950);
      expect((await store.admit([tokens(k, 1000, HOUR, 60)])).admitted).toBe(false);
      expect((await store.admit([tokens(k, 1000, HOUR, 50)])).admitted).toBe(true);
    });

    it("keeps a reservation as charged when finished without usage, and finishes a lease once", async () => {
      const store = makeStore();
      const k = key("budget");
      const kept = leaseOf(await store.admit([tokens(k, 1000, HOUR, 700)]));
      await store.finish(kept);
      await store.finish(kept, 0); // already finished: changes nothing
      expect((await store.admit([tokens(k, 1000, HOUR, 301)])).admitted).toBe(false);
      const settled = leaseOf(await store.admit([tokens(k, 1000, HOUR, 300)]));
      await store.finish(settled, 0);
      await store.finish(settled, 500); // already settled: changes nothing
      expect((await store.admit([tokens(k, 1000, HOUR, 300)])).admitted).toBe(true);
      expect((await store.admit([tokens(k, 1000, HOUR, 1)])).admitted).toBe(false);
    });

    it("refuses a reservation over the limit with retryAfterMs Infinity, and a spent budget even for a zero estimate", async () => {
      const store = makeStore();
      const k = key("budget");
      const huge = await store.admit([tokens(k, 1000, HOUR, 1001)]);
      expect(huge.admitted === false && huge.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
      expect((await store.admit([tokens(k, 1000, HOUR, 1000)])).admitted).toBe(true);
      const zero = await store.admit([tokens(k, 1000, HOUR, 0)]);
      expect(zero.admitted).toBe(false);
      if (!zero.admitted) expect(zero.retryAfterMs).toBeLessThanOrEqual(HOUR);
    });

    it("counts live leases for concurrency and frees a slot at finish", async () => {
      const store = makeStore();
      const slots = concurrency(key("conc"), 2);
      const a = leaseOf(await store.admit([slots]));
      leaseOf(await store.admit([slots]));
      const third = await store.admit([slots]);
      expect(third.admitted).toBe(false);
      if (!third.admitted) {
        expect(third.retryAfterMs).toBeGreaterThan(0);
        expect(third.retryAfterMs).toBeLessThanOrEqual(100);
      }
      await store.finish(a);
      await store.finish(a);
      expect((await store.admit([slots])).admitted).toBe(true);
      expect((await store.admit([slots])).admitted).toBe(false);
    });

    it("admits a call with no checks", async () => {
      const store = makeStore();
      const admission = await store.admit([]);
      expect(admission.admitted).toBe(true);
      await store.finish(leaseOf(admission), 10);
    });

    it("keeps counters apart whatever their key text holds, and per kind", async () => {
      const store = makeStore();
      const base = randomUUID();
      const keys = [`${base}{a}`, `${base}{a}*`, `${base}\n{a}`, `${base}:é:🙂`, `${base} a`, `${base}:a`];
      for (const k of keys) expect((await store.admit([rate(k, 1, HOUR)])).admitted).toBe(true);
      for (const k of keys) expect((await store.admit([rate(k, 1, HOUR)])).admitted).toBe(false);
      // The same key text as a concurrency counter is another counter.
      expect((await store.admit([concurrency(keys[0]!, 1)])).admitted).toBe(true);
    });

    it("refuses checks it cannot count, naming the check", async () => {
      const store = makeStore();
      const k = key("bad");
      const bad = [
        [rate(k, 0, HOUR)],
        [rate(k, 1.5, HOUR)],
        [{ ...rate(k, 1, HOUR), windowMs: undefined }],
        [{ ...rate(k, 1, HOUR), cost: 2 }],
        [tokens(k, 10, HOUR, -1)],
        [tokens(k, 10, HOUR, 0.5)],
        [{ ...rate(k, 1, HOUR), kind: "bogus" as "rate" }],
        [{ ...rate(k, 1, HOUR), key: "" }],
        [rate(k, 5, HOUR), rate(k, 5, HOUR)],
      ];
      for (const checks of bad) await expect(store.admit(checks)).rejects.toThrow(PolicyError);
      const lease = leaseOf(await store.admit([tokens(k, 10, HOUR, 1)]));
      await expect(store.finish(lease, -1)).rejects.toThrow(PolicyError);
      await expect(store.finish(lease, Number.NaN)).rejects.toThrow(PolicyError);
    });
  });
}
