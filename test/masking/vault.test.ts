import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { createMasker, memoryVault, redisVault, type Vault } from "../../src/masking/index.js";
import { REDIS, serviceAvailable } from "../support/services.js";

const TEXT = "Customer ana@example.com, card 4242 4242 4242 4242, phone +1 415 555 2671";

describe("tokenize with the memory vault", () => {
  it("leaves the tokens of text masked before untouched, so they still restore", async () => {
    const masker = createMasker({ strategy: "tokenize" });
    const once = masker.mask(TEXT, { tenant: "acme" }).text;
    const twice = masker.mask(`earlier: ${once}`, { tenant: "acme" });
    expect(twice.text).toBe(`earlier: ${once}`);
    expect(twice.findings).toEqual([]);
    expect(await masker.unmask(twice.text, { tenant: "acme" })).toBe(`earlier: ${TEXT}`);
    // Also chunk by chunk: a stream never cuts into a placeholder.
    const stream = masker.stream({ tenant: "acme" });
    const streamed = [...`earlier: ${once}`].map((c) => stream.push(c)).join("") + stream.end();
    expect(streamed).toBe(`earlier: ${once}`);
  });

  it("does not let a look-alike placeholder hide a value in its type name", () => {
    const masker = createMasker({ strategy: "tokenize" });
    const { text } = masker.mask("<AKIAJ3XTQ2MVWRZ5K6BD_TOKEN:abcdefghijklmnop>", { tenant: "acme" });
    expect(text).not.toContain("AKIAJ3XTQ2MVWRZ5K6BD");
  });

  it("restores the tokens of the tenant that made them", async () => {
    const masker = createMasker({ strategy: "tokenize" });
    const { text } = masker.mask(TEXT, { tenant: "acme" });
    expect(text).not.toContain("ana@example.com");
    expect(await masker.unmask(text, { tenant: "acme" })).toBe(TEXT);
    expect(await masker.unmask(`Model says: ${text}!`, { tenant: "acme" })).toBe(`Model says: ${TEXT}!`);
  });

  it("never restores a token for another tenant, or for no tenant", async () => {
    const masker = createMasker({ strategy: "tokenize" });
    const acme = masker.mask(TEXT, { tenant: "acme" }).text;
    const globex = masker.mask(TEXT, { tenant: "globex" }).text;
    expect(globex).not.toBe(acme);
    expect(await masker.unmask(acme, { tenant: "globex" })).toBe(acme);
    expect(await masker.unmask(acme)).toBe(acme);
    expect(await masker.unmask(globex, { tenant: "globex" })).toBe(TEXT);
  });

  it("refuses a record moved under another tenant's key", async () => {
    const records = new Map<string, string>();
    const spy: Vault = { shared: false, set: (k, r) => void records.set(k, r), get: (keys) => keys.map((k) => records.get(k)) };
    const masker = createMasker({ strategy: "tokenize", vault: spy });
    const acme = masker.mask("ana@example.com", { tenant: "acme" }).text;
    const globex = masker.mask("bob@example.com", { tenant: "globex" }).text;
    const [acmeKey, globexKey] = [...records.keys()];
    const acmeId = acmeKey?.split(":")[1] as string;
    records.set(`${globexKey?.split(":")[0]}:${acmeId}`, records.get(acmeKey as string) as string);
    expect(await masker.unmask(acme, { tenant: "globex" })).toBe(acme);
    expect(await masker.unmask(globex, { tenant: "globex" })).toBe("bob@example.com");
    for (const record of records.values()) expect(record).not.toMatch(/example\.com/);
    for (const key of records.keys()) expect(key).not.toMatch(/acme|globex|example/);
  });

  it("leaves unknown, altered and foreign tokens as they are", async () => {
    const masker = createMasker({ strategy: "tokenize" });
    const { text } = masker.mask("ana@example.com");
    const altered = text.replace(/[a-z2-7](?=>)/, (c) => (c === "a" ? "b" : "a"));
    expect(await masker.unmask(altered)).toBe(altered);
    expect(await masker.unmask(text.replace("EMAIL", "PHONE"))).toBe(text.replace("EMAIL", "PHONE"));
    const other = createMasker({ strategy: "tokenize" });
    expect(await other.unmask(text)).toBe(text);
  });

  it("restores tokens inside structured values", async () => {
    const masker = createMasker({ strategy: "tokenize" });
    const { value } = masker.maskDeep({ to: "ana@example.com", cc: ["bob@example.com"], n: 1 }, { tenant: "t1" });
    expect(JSON.stringify(value)).not.toContain("example.com");
    expect(await masker.unmaskDeep(value, { tenant: "t1" })).toEqual({ to: "ana@example.com", cc: ["bob@example.com"], n: 1 });
    expect(await masker.unmaskDeep(value, { tenant: "t2" })).toEqual(value);
  });

  it("shares tokens between maskers with the same vault and vault key", async () => {
    const vault = memoryVault();
    const a = createMasker({ strategy: "tokenize", vault, vaultKey: "shared-vault-key-0123456789" });
    const b = createMasker({ strategy: "tokenize", vault, vaultKey: "shared-vault-key-0123456789" });
    const c = createMasker({ strategy: "tokenize", vault, vaultKey: "another-vault-key-012345678" });
    const { text } = a.mask(TEXT, { tenant: "acme" });
    expect(b.mask(TEXT, { tenant: "acme" }).text).toBe(text);
    expect(await b.unmask(text, { tenant: "acme" })).toBe(TEXT);
    expect(await c.unmask(text, { tenant: "acme" })).toBe(text);
  });

  it("keeps the vault key bytes it was given, even when the caller changes them later", async () => {
    const vault = memoryVault();
    const bytes = new Uint8Array(Buffer.from("byte-vault-key-0123456789abcdef"));
    const a = createMasker({ strategy: "tokenize", vault, vaultKey: bytes });
    bytes.fill(0);
    const b = createMasker({ strategy: "tokenize", vault, vaultKey: Buffer.from("byte-vault-key-0123456789abcdef") });
    const { text } = a.mask(TEXT, { tenant: "acme" });
    expect(await b.unmask(text, { tenant: "acme" })).toBe(TEXT);
  });

  it("expires records after the vault's lifetime and evicts the oldest beyond its size", async () => {
    let now = 1_000;
    const masker = createMasker({ strategy: "tokenize", vault: memoryVault({ ttlSeconds: 60, now: () => now }) });
    const { text } = masker.mask("ana@example.com");
    now += 59_000;
    expect(await masker.unmask(text)).toBe("ana@example.com");
    now += 2_000;
    expect(await masker.unmask(text)).toBe(text);
    const small = createMasker({ strategy: "tokenize", vault: memoryVault({ maxEntries: 1 }) });
    const first = small.mask("ana@example.com").text;
    const second = small.mask("bob@example.com").text;
    expect(await small.unmask(`${first} ${second}`)).toBe(`${first} bob@example.com`);
  });

  it("requires a vault key with a shared vault, and reports failed writes on flush", async () => {
    const failing: Vault = { shared: true, set: () => Promise.reject(new Error("down")), get: async (keys) => keys.map(() => undefined) };
    expect(() => createMasker({ strategy: "tokenize", vault: failing })).toThrow(PolicyError);
    const masker = createMasker({ strategy: "tokenize", vault: failing, vaultKey: "shared-vault-key-0123456789" });
    const { text } = masker.mask("ana@example.com");
    await expect(masker.flush()).rejects.toThrow("down");
    await expect(masker.flush()).resolves.toBeUndefined();
    expect(text).toMatch(/^<EMAIL_TOKEN:[a-z2-7]{16}>$/);
  });
});

const available = await serviceAvailable("redis");

describe.skipIf(!available)("tokenize with the Redis vault", () => {
  const prefix = `warden-test:vault:${process.pid}:${Date.now()}:`;
  let client: Redis;
  let other: Redis;

  beforeAll(() => {
    client = new Redis({ ...REDIS, lazyConnect: false, maxRetriesPerRequest: 1 });
    other = new Redis({ ...REDIS, lazyConnect: false, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
    await other.quit();
  });

  it("restores tokens made by another instance, per tenant, and stores only sealed records", async () => {
    const vaultKey = "redis-vault-key-0123456789abcdef";
    const writer = createMasker({ strategy: "tokenize", vault: redisVault({ client, keyPrefix: prefix, ttlSeconds: 120 }), vaultKey });
    const reader = createMasker({ strategy: "tokenize", vault: redisVault({ client: other, keyPrefix: prefix, ttlSeconds: 120 }), vaultKey });
    const { text } = writer.mask(TEXT, { tenant: "acme" });
    await writer.flush();
    expect(await reader.unmask(text, { tenant: "acme" })).toBe(TEXT);
    expect(await reader.unmask(text, { tenant: "globex" })).toBe(text);
    const keys = await client.keys(`${prefix}*`);
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      expect(key).not.toMatch(/acme|example/);
      expect(await client.get(key)).not.toMatch(/example\.com|4242/);
      const ttl = await client.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(120);
    }
  });

  it("does not restore with another vault key", async () => {
    const writer = createMasker({ strategy: "tokenize", vault: redisVault({ client, keyPrefix: prefix }), vaultKey: "redis-vault-key-0123456789abcdef" });
    const stranger = createMasker({ strategy: "tokenize", vault: redisVault({ client, keyPrefix: prefix }), vaultKey: "a-different-key-0123456789abcdef" });
    const { text } = writer.mask("bob@example.com", { tenant: "acme" });
    await writer.flush();
    expect(await stranger.unmask(text, { tenant: "acme" })).toBe(text);
  });

  it("validates its options", () => {
    expect(() => redisVault({ client, ttlSeconds: 0 })).toThrow(PolicyError);
  });
});
