/**
 * API key stores shared by several instances: Redis and PostgreSQL (real
 * services on 127.0.0.1). A key created and stored once works on every
 * warden; revoked through one, it is refused by all from their next request;
 * a store that stops answering refuses keys.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import {
  type ApiKeyStore,
  createApiKey,
  createWarden,
  InvalidTokenError,
  memoryApiKeyStore,
  memorySink,
  PolicyError,
  redisApiKeyStore,
  type Warden,
  type WritableApiKeyStore,
} from "langchain-warden";
import { postgresApiKeyStore } from "langchain-warden/postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { POSTGRES_URL, REDIS, serviceAvailable } from "../support/services.js";
import { type TcpProxy, tcpProxy } from "../throttle/support/tcp-proxy.js";

const redisUp = await serviceAvailable("redis");
const postgresUp = await serviceAvailable("postgres");

const wardenOn = (store: ApiKeyStore, lookupTimeoutMs = 1_000): Warden =>
  createWarden({ audit: { sink: memorySink() }, identity: { apiKeys: { store, lookupTimeoutMs } }, policy: { tools: {} } });

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: unknown) => (error instanceof InvalidTokenError ? error.reason : String(error)),
  );

/** What every writable store does: put, get, revoke, seen by every instance (warden) at once. */
async function sharedStoreBehaviour(first: WritableApiKeyStore, second: WritableApiKeyStore): Promise<void> {
  const { key, record } = createApiKey({ sub: "billing-service", tenant: "acme", scopes: ["orders:read"], roles: ["ops"], expiresAt: Date.now() + 3_600_000 });
  await first.put(record);
  expect(await second.get(record.id)).toEqual(record);
  expect(await second.get("0000000000000000")).toBeUndefined();
  const a = wardenOn(first);
  const b = wardenOn(second);
  expect(await a.authenticate(key)).toMatchObject({ sub: "billing-service", kind: "service", tenant: "acme", scopes: ["orders:read"], roles: ["ops"] });
  expect(await b.authenticate(key)).toMatchObject({ sub: "billing-service" });
  // Revoked through one instance's store: refused by both from the next request.
  expect(await second.revoke(record.id, 1_700_000_000_000)).toBe(true);
  expect(await reasonOf(a.authenticate(key))).toBe("revoked");
  expect(await reasonOf(b.authenticate(key))).toBe("revoked");
  // The first revocation's time is kept.
  await first.revoke(record.id);
  expect((await second.get(record.id))?.revokedAt).toBe(1_700_000_000_000);
  expect(await first.revoke("0000000000000000")).toBe(false);
  await expect(first.put({ ...record, hash: "plain" })).rejects.toBeInstanceOf(PolicyError);
}

describe("memoryApiKeyStore", () => {
  it("puts, gets and revokes within one process", async () => {
    const store = memoryApiKeyStore();
    await sharedStoreBehaviour(store, store);
  });

  it("hands out frozen records", async () => {
    const { record } = createApiKey({ sub: "svc", scopes: ["a"] });
    const stored = (await memoryApiKeyStore([record]).get(record.id))!;
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored.scopes)).toBe(true);
  });
});

describe.skipIf(!redisUp)("redisApiKeyStore (Redis on 127.0.0.1:6379)", () => {
  const prefix = `warden:test:apikeys:${randomUUID()}:`;
  const clients: Redis[] = [];
  const proxies: TcpProxy[] = [];
  const client = (port = REDIS.port) => {
    const c = new Redis({ host: REDIS.host, port, maxRetriesPerRequest: 1 });
    c.on("error", () => undefined);
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    const cleaner = client();
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    for (const c of clients) c.disconnect();
    for (const p of proxies) await p.stop();
  });

  it("shares records between instances; a revocation applies to every instance at once", async () => {
    await sharedStoreBehaviour(redisApiKeyStore({ client: client(), prefix }), redisApiKeyStore({ client: client(), prefix }));
  });

  it("stores each record as JSON at <prefix><id>, never the key", async () => {
    const redis = client();
    const { key, record } = createApiKey({ sub: "svc" });
    await redisApiKeyStore({ client: redis, prefix }).put(record);
    const raw = (await redis.get(`${prefix}${record.id}`))!;
    expect(JSON.parse(raw)).toEqual(record);
    expect(raw).not.toContain(key.slice(-40));
  });

  it("takes a record written by other means (a revocation written into the JSON) from the next request", async () => {
    const redis = client();
    const { key, record } = createApiKey({ sub: "svc" });
    await redis.set(`${prefix}${record.id}`, JSON.stringify(record));
    const warden = wardenOn(redisApiKeyStore({ client: redis, prefix }));
    expect((await warden.authenticate(key)).sub).toBe("svc");
    await redis.set(`${prefix}${record.id}`, JSON.stringify({ ...record, revokedAt: Date.now() }));
    expect(await reasonOf(warden.authenticate(key))).toBe("revoked");
    // A value that is not a record refuses the key; it is never read as one.
    const other = createApiKey({ sub: "svc" });
    await redis.set(`${prefix}${other.record.id}`, "{not json");
    expect(await reasonOf(warden.authenticate(other.key))).toBe("key-store-unavailable");
  });

  it("refuses keys (key-store-unavailable) while Redis does not answer, and takes them again once it does", async () => {
    const proxy = await tcpProxy(REDIS);
    proxies.push(proxy);
    const redis = client(proxy.port);
    const { key, record } = createApiKey({ sub: "svc" });
    const store = redisApiKeyStore({ client: redis, prefix });
    await store.put(record);
    const warden = wardenOn(store, 200);
    expect((await warden.authenticate(key)).sub).toBe("svc");
    proxy.freeze();
    expect(await reasonOf(warden.authenticate(key))).toBe("key-store-unavailable");
    proxy.thaw();
    expect((await warden.authenticate(key)).sub).toBe("svc");
  });
});

describe.skipIf(!postgresUp)("postgresApiKeyStore (PostgreSQL on 127.0.0.1:5432)", () => {
  const table = `warden_api_keys_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  const stores: { close(): Promise<void> }[] = [];
  const store = () => {
    const s = postgresApiKeyStore({ connectionString: POSTGRES_URL, table });
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });

  it("shares records between instances (each with its own pool); a revocation applies to every instance at once", async () => {
    await sharedStoreBehaviour(store(), store());
  });

  it("keeps one row per key with the digest and no key, and takes a revocation written in SQL", async () => {
    const s = store();
    const { key, record } = createApiKey({ sub: "svc", tenant: "acme", scopes: ["a:b"] });
    await s.put(record);
    const { rows } = await pool.query(`SELECT * FROM "${table}" WHERE id = $1`, [record.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: record.id, hash: record.hash, sub: "svc", tenant: "acme", scopes: ["a:b"], revoked_at: null });
    expect(JSON.stringify(rows[0])).not.toContain(key.slice(-40));
    const warden = wardenOn(s);
    expect((await warden.authenticate(key)).tenant).toBe("acme");
    await pool.query(`UPDATE "${table}" SET revoked_at = now() WHERE id = $1`, [record.id]);
    expect(await reasonOf(warden.authenticate(key))).toBe("revoked");
  });

  it("refuses keys (key-store-unavailable) when the database cannot be reached", async () => {
    const s = postgresApiKeyStore({ connectionString: "postgres://postgres@127.0.0.1:1/test", table });
    stores.push(s);
    const { key } = createApiKey({ sub: "svc" });
    expect(await reasonOf(wardenOn(s).authenticate(key))).toBe("key-store-unavailable");
  });

  it("refuses a table name that is not an identifier", () => {
    expect(() => postgresApiKeyStore({ connectionString: POSTGRES_URL, table: 'x"; DROP TABLE y; --' })).toThrow(/invalid API key table name/);
  });
});
