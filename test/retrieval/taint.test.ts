import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { PolicyError, TaintUnavailableError, WardenError } from "../../src/errors.js";
import { MAX_TAINT_SOURCES, memoryTaintStore, redisTaintStore, type TaintStore } from "../../src/retrieval/taint.js";
import { REDIS, serviceAvailable } from "../support/services.js";

const kb = { kind: "retriever", name: "kb" } as const;
const web = { kind: "tool", name: "fetch_url" } as const;

/** What every store does the same way. */
function sharedBehaviour(name: string, make: () => TaintStore) {
  describe(name, () => {
    it("says nothing of a clean thread, and lists each source of a tainted one once", async () => {
      const store = make();
      const thread = `thread-${randomUUID()}`;
      expect(await store.get(thread)).toBeUndefined();
      await store.mark(thread, kb);
      await store.mark(thread, web);
      await store.mark(thread, kb);
      const taint = await store.get(thread);
      expect(taint?.incomplete).toBeUndefined();
      expect([...(taint?.sources ?? [])].sort((a, b) => a.name.localeCompare(b.name))).toEqual([web, kb]);
      expect(await store.get(`${thread}-other`)).toBeUndefined();
    });

    it("keeps a name holding ':' whole", async () => {
      const store = make();
      const thread = `thread-${randomUUID()}`;
      await store.mark(thread, { kind: "tool", name: "mcp:github:create_issue" });
      expect((await store.get(thread))?.sources).toEqual([{ kind: "tool", name: "mcp:github:create_issue" }]);
    });

    it("stays tainted beyond the source cap, marked incomplete", async () => {
      const store = make();
      const thread = `thread-${randomUUID()}`;
      for (let i = 0; i <= MAX_TAINT_SOURCES; i++) await store.mark(thread, { kind: "tool", name: `t${i}` });
      const taint = await store.get(thread);
      expect(taint?.sources).toHaveLength(MAX_TAINT_SOURCES);
      expect(taint?.incomplete).toBe(true);
    });

    it("refuses a missing thread id or a malformed source", async () => {
      const store = make();
      await expect(store.mark("", kb)).rejects.toBeInstanceOf(WardenError);
      await expect(store.get(undefined as never)).rejects.toBeInstanceOf(WardenError);
      await expect(store.mark("t", { kind: "model", name: "x" } as never)).rejects.toBeInstanceOf(WardenError);
      await expect(store.mark("t", { kind: "tool", name: "" })).rejects.toBeInstanceOf(WardenError);
    });
  });
}

sharedBehaviour("memoryTaintStore", () => memoryTaintStore());

describe("memoryTaintStore bounds", () => {
  it("keeps the sources of the most recently used threads, and still reports a pushed-out thread as tainted", async () => {
    const store = memoryTaintStore({ maxThreads: 3 });
    for (const thread of ["a", "b", "c"]) await store.mark(thread, kb);
    // Reading "a" makes it recent: "b" is the oldest now.
    expect((await store.get("a"))?.sources).toEqual([kb]);
    await store.mark("d", web);
    await store.mark("e", web);
    expect(await store.get("b")).toEqual({ sources: [], incomplete: true });
    expect(await store.get("c")).toEqual({ sources: [], incomplete: true });
    expect((await store.get("a"))?.sources).toEqual([kb]);
    expect((await store.get("e"))?.sources).toEqual([web]);
    expect(await store.get("never-seen")).toBeUndefined();
    // A pushed-out thread tainted again keeps saying some sources are unknown.
    await store.mark("b", web);
    expect(await store.get("b")).toEqual({ sources: [web], incomplete: true });
  });

  it("does not call a clean thread tainted after many threads are pushed out", async () => {
    const store = memoryTaintStore({ maxThreads: 10 });
    for (let i = 0; i < 2_000; i++) await store.mark(`old-${i}`, kb);
    let falsePositives = 0;
    for (let i = 0; i < 2_000; i++) if ((await store.get(`clean-${i}`)) !== undefined) falsePositives += 1;
    expect(falsePositives).toBe(0);
    for (let i = 0; i < 2_000; i++) expect(await store.get(`old-${i}`)).toBeDefined();
  });

  it.each([0, -1, 1.5])("refuses maxThreads %j", (maxThreads) => {
    expect(() => memoryTaintStore({ maxThreads })).toThrow(PolicyError);
  });
});

const redisUp = await serviceAvailable("redis");

describe.skipIf(!redisUp)("redisTaintStore (Redis on 127.0.0.1:6379)", () => {
  const prefix = `warden:test:taint:${randomUUID()}:`;
  const a = redisUp ? new Redis({ host: REDIS.host, port: REDIS.port, maxRetriesPerRequest: 1 }) : (undefined as never);
  const b = redisUp ? new Redis({ host: REDIS.host, port: REDIS.port, maxRetriesPerRequest: 1 }) : (undefined as never);

  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length > 0) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  sharedBehaviour("shared behaviour", () => redisTaintStore({ client: a, prefix }));

  it("lets another instance resuming the thread see the taint", async () => {
    const here = redisTaintStore({ client: a, prefix });
    const there = redisTaintStore({ client: b, prefix });
    expect(here.shared).toBe(true);
    const thread = `thread-${randomUUID()}`;
    await here.mark(thread, kb);
    expect(await there.get(thread)).toEqual({ sources: [kb] });
    await there.mark(thread, web);
    expect((await here.get(thread))?.sources).toHaveLength(2);
  });

  it("sets and renews the lifetime when ttlMs is given; none otherwise", async () => {
    const thread = `thread-${randomUUID()}`;
    await redisTaintStore({ client: a, prefix, ttlMs: 60_000 }).mark(thread, kb);
    const ttl = await a.pttl(prefix + thread);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const forever = `thread-${randomUUID()}`;
    await redisTaintStore({ client: a, prefix }).mark(forever, kb);
    expect(await a.pttl(prefix + forever)).toBe(-1);
  });

  it("reports a member it cannot read as an incomplete taint, never as clean", async () => {
    const thread = `thread-${randomUUID()}`;
    await a.sadd(prefix + thread, "garbage");
    expect(await redisTaintStore({ client: a, prefix }).get(thread)).toEqual({ sources: [], incomplete: true });
  });

  it("rejects with a coded error when Redis is closed", async () => {
    const closed = new Redis({ host: REDIS.host, port: REDIS.port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const store = redisTaintStore({ client: closed, prefix });
    const failure = await store.get("t").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaintUnavailableError);
    expect(failure).toMatchObject({ code: "WARDEN_TAINT_UNAVAILABLE" });
    expect(String((failure as Error).message)).not.toContain(prefix);
    await expect(store.mark("t", kb)).rejects.toMatchObject({ code: "WARDEN_TAINT_UNAVAILABLE" });
    closed.disconnect();
  });

  it("refuses bad lifetimes and timeouts", () => {
    expect(() => redisTaintStore({ client: a, ttlMs: 0 })).toThrow(PolicyError);
    expect(() => redisTaintStore({ client: a, timeoutMs: 0 })).toThrow(PolicyError);
  });
});

describe("redisTaintStore against a server that never answers", () => {
  let server: Server;
  const sockets = new Set<Socket>();
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("gives up after timeoutMs with a coded error", async () => {
    // Accepts connections and never writes a byte back.
    server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const silent = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 0, enableReadyCheck: false });
    try {
      const store = redisTaintStore({ client: silent, timeoutMs: 100 });
      await expect(store.get("t")).rejects.toMatchObject({ code: "WARDEN_TAINT_UNAVAILABLE" });
      await expect(store.mark("t", kb)).rejects.toBeInstanceOf(TaintUnavailableError);
    } finally {
      silent.disconnect();
    }
  });
});
