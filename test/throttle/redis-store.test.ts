import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis, type RedisOptions } from "ioredis";
import { LimitsUnavailableError, PolicyError } from "langchain-warden";
import { afterAll, describe, expect, it } from "vitest";
import { createLimiter } from "../../src/throttle/limiter.js";
import { type RedisLimitsClient, redisLimitStore } from "../../src/throttle/redis-store.js";
import { REDIS, serviceAvailable } from "../support/services.js";
import { concurrency, rate, tokens } from "./support/checks.js";
import { describeStoreContract, leaseOf } from "./support/store-contract.js";
import { type TcpProxy, tcpProxy } from "./support/tcp-proxy.js";

const redisUp = await serviceAvailable("redis");
const PREFIX = `warden:test:limits:${randomUUID()}:`;
const HOUR = 3_600_000;

const clients: Redis[] = [];
const proxies: TcpProxy[] = [];
/** A client of its own (an instance), with errors kept off the console. */
function newClient(options: RedisOptions = {}): Redis {
  const client = new Redis({ host: REDIS.host, port: REDIS.port, maxRetriesPerRequest: 1, ...options });
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}
async function newProxy(): Promise<TcpProxy> {
  const proxy = await tcpProxy(REDIS);
  proxies.push(proxy);
  return proxy;
}
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe.skipIf(!redisUp)("redisLimitStore (Redis on 127.0.0.1:6379)", () => {
  const shared = redisUp ? newClient() : (undefined as unknown as Redis);

  afterAll(async () => {
    if (!redisUp) return;
    const keys = await shared.keys(`${PREFIX}*`);
    if (keys.length > 0) await shared.del(...keys);
    for (const proxy of proxies) await proxy.stop();
    for (const client of clients) client.disconnect();
  });

  describeStoreContract("redisLimitStore", () => redisLimitStore({ client: shared, prefix: PREFIX }));

  it("keeps the caller's key text out of Redis: hashed keys under the prefix and hash tag, each expiring", async () => {
    const store = redisLimitStore({ client: shared, prefix: `${PREFIX}layout:` });
    const subject = `alice@example.com}{x*${randomUUID()}`;
    const lease = leaseOf(await store.admit([rate(`${subject}:rate`, 5, 60_000), tokens(`${subject}:tok`, 100, HOUR, 10), concurrency(`${subject}:conc`, 2)]));
    const keys = (await shared.keys(`${PREFIX}layout:*`)).sort();
    expect(keys).toHaveLength(4); // rate, tokens and its total, concurrency
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${PREFIX.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}layout:\\{limits\\}:[rtc]:[0-9a-f]{64}(:total)?$`));
      expect(key).not.toContain("alice");
      const ttl = await shared.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(HOUR);
    }
    await store.finish(lease, 3);
    expect(await shared.get(keys.find((key) => key.endsWith(":total"))!)).toBe("3");
  });

  it("lets 4 instances hammering one limit together admit exactly the limit", async () => {
    const stores = [0, 1, 2, 3].map(() => redisLimitStore({ client: newClient(), prefix: PREFIX }));
    const perUser = rate(`user:hammer:${randomUUID()}`, 50, 60_000);
    const slots = concurrency(`global:hammer:${randomUUID()}`, 7, "global");
    const answers = await Promise.all(stores.flatMap((store) => Array.from({ length: 40 }, () => store.admit([perUser]))));
    expect(answers.filter((answer) => answer.admitted)).toHaveLength(50);
    const held = await Promise.all(stores.flatMap((store) => Array.from({ length: 10 }, () => store.admit([slots]))));
    expect(held.filter((answer) => answer.admitted)).toHaveLength(7);
  });

  it("shares token budgets between instances, reserved and settled", async () => {
    const [a, b, c] = [0, 1, 2].map(() => redisLimitStore({ client: newClient(), prefix: PREFIX }));
    const key = `tenant:acme:day:${randomUUID()}`;
    const reserved = leaseOf(await a!.admit([tokens(key, 1000, HOUR, 600)]));
    expect((await b!.admit([tokens(key, 1000, HOUR, 500)])).admitted).toBe(false);
    await a!.finish(reserved, 100);
    const second = leaseOf(await b!.admit([tokens(key, 1000, HOUR, 500)]));
    expect((await c!.admit([tokens(key, 1000, HOUR, 401)])).admitted).toBe(false);
    await b!.finish(second, 800); // more than reserved: charged in full
    const spent = await c!.admit([tokens(key, 1000, HOUR, 101)]); // 100 + 800 + 101
    expect(spent.admitted).toBe(false);
    if (!spent.admitted) expect(spent.retryAfterMs).toBeLessThanOrEqual(HOUR);
  });

  it("slides its window on Redis time: refuses with retryAfterMs, then admits when it has passed", async () => {
    const [a, b] = [0, 1].map(() => redisLimitStore({ client: newClient(), prefix: PREFIX }));
    const check = rate(`user:slide:${randomUUID()}`, 3, 400);
    for (const store of [a!, b!, a!]) expect((await store.admit([check])).admitted).toBe(true);
    const refused = await b!.admit([check]);
    expect(refused.admitted).toBe(false);
    if (refused.admitted) return;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(400);
    await sleep(refused.retryAfterMs + 20);
    expect((await b!.admit([check])).admitted).toBe(true);
  });

  it("expires a lease an instance never finished", async () => {
    const crashed = redisLimitStore({ client: newClient(), prefix: PREFIX, leaseTtlMs: 300 });
    const other = redisLimitStore({ client: newClient(), prefix: PREFIX, leaseTtlMs: 300 });
    const slot = concurrency(`user:lease:${randomUUID()}`, 1);
    leaseOf(await crashed.admit([slot]));
    const refused = await other.admit([slot]);
    expect(refused.admitted).toBe(false);
    if (!refused.admitted) expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
    await sleep(350);
    expect((await other.admit([slot])).admitted).toBe(true);
  });

  it("loads its script again after Redis forgets it (NOSCRIPT)", async () => {
    const store = redisLimitStore({ client: shared, prefix: PREFIX });
    const check = rate(`user:noscript:${randomUUID()}`, 2, 60_000);
    expect((await store.admit([check])).admitted).toBe(true);
    await shared.script("FLUSH");
    expect((await store.admit([check])).admitted).toBe(true);
    expect((await store.admit([check])).admitted).toBe(false);
  });

  it("refuses within timeoutMs when a live server stops answering, and takes back the admission once it answers", async () => {
    const proxy = await newProxy();
    const client = newClient({ port: proxy.port });
    await client.ping();
    const store = redisLimitStore({ client, prefix: PREFIX, timeoutMs: 150 });
    const subject = `user:frozen:${randomUUID()}`;
    const slot = concurrency(subject, 1);
    proxy.freeze();
    const error = await Promise.race([rejection(store.admit([slot])), sleep(5_000, "hung")]);
    expect(error).toBeInstanceOf(LimitsUnavailableError);
    expect((error as LimitsUnavailableError).code).toBe("WARDEN_LIMITS_UNAVAILABLE");
    expect((error as Error).message).toContain("150 ms");
    expect((error as Error).message).not.toContain(subject);
    proxy.thaw();
    // The admission ran late, and its undoing behind it: the slot is free.
    await client.ping();
    expect((await store.admit([slot])).admitted).toBe(true);
  });

  it("recovers by itself once Redis answers again (same client, nothing recreated)", async () => {
    const proxy = await newProxy();
    const client = newClient({ port: proxy.port, retryStrategy: () => 20, maxRetriesPerRequest: 0 });
    await client.ping();
    const store = redisLimitStore({ client, prefix: PREFIX, timeoutMs: 200 });
    const check = rate(`user:recover:${randomUUID()}`, 100, 60_000);
    expect((await store.admit([check])).admitted).toBe(true);
    await proxy.stop();
    expect(await rejection(store.admit([check]))).toBeInstanceOf(LimitsUnavailableError);
    expect(await rejection(store.admit([check]))).toBeInstanceOf(LimitsUnavailableError);
    await proxy.start();
    let admitted = false;
    for (let attempt = 0; attempt < 100 && !admitted; attempt++) {
      admitted = await store.admit([check]).then(
        (answer) => answer.admitted,
        async () => (await sleep(50), false),
      );
    }
    expect(admitted).toBe(true);
  });

  it("fails closed, or open when asked, against a Redis that cannot be reached", async () => {
    const down = newClient({ port: 1, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const store = redisLimitStore({ client: down, prefix: PREFIX });
    const checks = [rate(`user:down:${randomUUID()}`, 1, 60_000)];
    expect(await rejection(store.admit(checks))).toBeInstanceOf(LimitsUnavailableError);
    const closed = createLimiter({ store });
    const refused = await rejection(closed.acquire(checks));
    expect(refused).toBeInstanceOf(LimitsUnavailableError);
    expect((refused as LimitsUnavailableError).code).toBe("WARDEN_LIMITS_UNAVAILABLE");
    const open = createLimiter({ store, failMode: "open" });
    for (let i = 0; i < 3; i++) {
      const acquired = await open.acquire(checks);
      expect(acquired.status).toBe("unthrottled");
      if (acquired.status === "unthrottled") expect(acquired.error).toBeInstanceOf(LimitsUnavailableError);
      await open.finish(acquired, 10); // a no-op
    }
    // Waiting does not turn an unavailable store into a wait.
    expect(await rejection(closed.acquire(checks, { waitMs: 1_000 }))).toBeInstanceOf(LimitsUnavailableError);
    expect((await open.acquire(checks, { waitMs: 1_000 })).status).toBe("unthrottled");
  });

  it("lets a waiter through once the shared window has room", async () => {
    const limiter = createLimiter({ store: redisLimitStore({ client: shared, prefix: PREFIX }) });
    const checks = [rate(`user:wait:${randomUUID()}`, 2, 300)];
    for (let i = 0; i < 2; i++) await limiter.acquire(checks);
    const waited = await limiter.acquire(checks, { waitMs: 2_000 });
    expect(waited.status).toBe("admitted");
    if (waited.status === "admitted") expect(waited.waitedMs).toBeGreaterThan(0);
  });

  it("takes only a client with evalsha and eval, and sane options", () => {
    expect(() => redisLimitStore({ client: {} as RedisLimitsClient })).toThrow(PolicyError);
    expect(() => redisLimitStore({ client: shared, prefix: "a{b}:" })).toThrow(PolicyError);
    expect(() => redisLimitStore({ client: shared, hashTag: "" })).toThrow(PolicyError);
    expect(() => redisLimitStore({ client: shared, timeoutMs: 0 })).toThrow(PolicyError);
    expect(() => redisLimitStore({ client: shared, leaseTtlMs: -1 })).toThrow(PolicyError);
  });

  it("turns an error Redis answers into LimitsUnavailableError", async () => {
    const broken: RedisLimitsClient = {
      evalsha: async () => {
        throw new Error("WRONGTYPE Operation against a key holding the wrong kind of value");
      },
      eval: async () => [1],
    };
    const error = await rejection(redisLimitStore({ client: broken }).admit([rate("user:x", 1, 1000)]));
    expect(error).toBeInstanceOf(LimitsUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
