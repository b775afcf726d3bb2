import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuditEvent, AuditLog, createWarden, isWardenApiKey, jsonlSink, memorySink } from "langchain-warden";
import { postgresSink } from "langchain-warden/postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { POSTGRES_URL, serviceAvailable } from "../support/services.js";

const dir = mkdtempSync(join(tmpdir(), "warden-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

async function writeLog(path: string, privateKeyPath: string, events = 30): Promise<AuditLog> {
  const signingKey = JSON.parse(readFileSync(privateKeyPath, "utf8"));
  const log = new AuditLog({ sink: jsonlSink(path), clock: { now: () => Date.now() }, signingKey, signEvery: 10, signIntervalMs: 0 });
  for (let i = 0; i < events; i++) {
    await log.record({ type: "access.allowed", outcome: "success", actor: { sub: `user-${i}` }, target: { kind: "tool", name: "lookup" } });
  }
  await log.close();
  return log;
}

describe("warden keys generate", () => {
  it("writes an Ed25519 pair, the private key with mode 0600, and refuses to overwrite", async () => {
    const first = await run("keys", "generate", "--out", dir);
    expect(first.code).toBe(0);
    const privateKey = JSON.parse(readFileSync(join(dir, "audit.private.jwk"), "utf8"));
    const publicKey = JSON.parse(readFileSync(join(dir, "audit.public.jwk"), "utf8"));
    expect(privateKey).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(typeof privateKey.d).toBe("string");
    expect(publicKey.d).toBeUndefined();
    expect(publicKey.kid).toBe(privateKey.kid);
    expect(statSync(join(dir, "audit.private.jwk")).mode & 0o777).toBe(0o600);
    const again = await run("keys", "generate", "--out", dir);
    expect(again.code).toBe(2);
    expect(again.err).toContain("--force");
  });

  it("with --force, replaces a pair without the new private key ever taking an old file's wider mode", async () => {
    writeFileSync(join(dir, "old.private.jwk"), "{}\n", { mode: 0o644 });
    chmodSync(join(dir, "old.private.jwk"), 0o644);
    const result = await run("keys", "generate", "--out", dir, "--name", "old", "--force");
    expect(result.code).toBe(0);
    expect(statSync(join(dir, "old.private.jwk")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, "old.private.jwk"), "utf8"))).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(readdirSync(dir).filter((file) => file.endsWith(".tmp"))).toEqual([]);
  });
});

describe("warden keys api create", () => {
  it("prints a new key once and the record to store, which a warden then takes", async () => {
    const result = await run(
      "keys",
      "api",
      "create",
      "--sub",
      "billing-service",
      "--tenant",
      "acme",
      "--scope",
      "orders:read orders:refund",
      "--scope",
      "kb:read",
      "--role",
      "ops",
      "--expires",
      "30d",
    );
    expect(result.code).toBe(0);
    const keys = result.out.match(/wdn_live_[A-Za-z0-9]{16}_[A-Za-z0-9]{49}/g) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(isWardenApiKey(key)).toBe(true);
    expect(result.out).toContain("shown once");
    const record = JSON.parse(result.out.slice(result.out.indexOf("{")));
    expect(record).toMatchObject({ sub: "billing-service", tenant: "acme", scopes: ["orders:read", "orders:refund", "kb:read"], roles: ["ops"] });
    expect(record.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.expiresAt - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(record.expiresAt - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    expect(JSON.stringify(record)).not.toContain(key.slice(-43));
    const warden = createWarden({ audit: { sink: memorySink() }, identity: { apiKeys: { records: [record] } }, policy: { tools: {} } });
    expect(await warden.authenticate(key)).toMatchObject({ sub: "billing-service", kind: "service", tenant: "acme" });
  });

  it("prints { key, record } with --json, an environment label with --env, and an expiry at an ISO date", async () => {
    const result = await run("keys", "api", "create", "--sub", "etl", "--env", "test", "--expires", "2999-01-01T00:00:00Z", "--json");
    expect(result.code).toBe(0);
    const { key, record } = JSON.parse(result.out);
    expect(key.startsWith("wdn_test_")).toBe(true);
    expect(record).toMatchObject({ sub: "etl", scopes: [], roles: [], expiresAt: Date.parse("2999-01-01T00:00:00Z") });
    expect(record.tenant).toBeUndefined();
  });

  it("makes a new key on every run", async () => {
    const first = JSON.parse((await run("keys", "api", "create", "--sub", "s", "--json")).out);
    const second = JSON.parse((await run("keys", "api", "create", "--sub", "s", "--json")).out);
    expect(first.key).not.toBe(second.key);
    expect(first.record.id).not.toBe(second.record.id);
  });

  it("refuses bad usage with exit code 2, printing no key", async () => {
    for (const args of [
      [],
      ["--tenant", "acme"],
      ["--sub", "s", "--expires", "soon"],
      ["--sub", "s", "--expires", "2000-01-01"],
      ["--sub", "s", "--env", "Prod"],
      ["--sub", "s", "--scope", ""],
      ["--sub", "s", "--bogus"],
      ["--sub", "s", "extra"],
    ]) {
      const result = await run("keys", "api", "create", ...args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.out).not.toMatch(/wdn_/);
    }
    const unknown = await run("keys", "api", "list");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command: keys api list");
  });
});

describe("warden audit verify", () => {
  it("exits 0 for an untampered log and 1 for a tampered one, naming the problem", async () => {
    await run("keys", "generate", "--out", dir, "--name", "v");
    const path = join(dir, "v.jsonl");
    const log = await writeLog(path, join(dir, "v.private.jwk"));
    const ok = await run("audit", "verify", path, "--key", join(dir, "v.public.jwk"), "--head", log.latest.hash);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK: 31 event\(s\) in 1 chain\(s\)/);

    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    const event = JSON.parse(lines[4]!) as AuditEvent;
    event.actor.sub = "someone-else";
    lines[4] = JSON.stringify(event);
    writeFileSync(path, `${lines.join("\n")}\n`);
    const bad = await run("audit", "verify", path, "--key", join(dir, "v.public.jwk"));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^TAMPERED/);
    expect(bad.out).toMatch(/hash\s+line 5, seq 5/);
  });

  it("detects a truncated tail against --head", async () => {
    await run("keys", "generate", "--out", dir, "--name", "t");
    const path = join(dir, "t.jsonl");
    const log = await writeLog(path, join(dir, "t.private.jwk"));
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    writeFileSync(path, `${lines.slice(0, -3).join("\n")}\n`);
    const result = await run("audit", "verify", path, "--key", join(dir, "t.public.jwk"), "--head", log.latest.hash);
    expect(result.code).toBe(1);
    expect(result.out).toContain("truncated");
  });

  describe("a head per chain (--head repeated, --heads FILE)", () => {
    /** Two instances appending to one file, each on its own chain; their published heads, as onCheckpoint got them. */
    async function twoChainFile(name: string): Promise<{ path: string; key: string; heads: AuditEvent[]; chains: string[] }> {
      await run("keys", "generate", "--out", dir, "--name", name);
      const signingKey = JSON.parse(readFileSync(join(dir, `${name}.private.jwk`), "utf8"));
      const path = join(dir, `${name}.jsonl`);
      const heads: AuditEvent[] = [];
      const logs = ["a", "b"].map(
        (chain) =>
          new AuditLog({
            sink: jsonlSink(path),
            clock: { now: () => Date.now() },
            chain: `${name}:${chain}`,
            signingKey,
            signEvery: 5,
            signIntervalMs: 0,
            onCheckpoint: (e) => heads.push(e),
          }),
      );
      for (let i = 0; i < 12; i++) {
        for (const log of logs) await log.record({ type: "access.allowed", outcome: "success", actor: { sub: `user-${i}` }, target: { kind: "tool", name: "lookup" } });
      }
      for (const log of logs) await log.close();
      return { path, key: join(dir, `${name}.public.jwk`), heads, chains: logs.map((log) => log.chain) };
    }
    const headArgs = (heads: readonly AuditEvent[]) => heads.flatMap((e) => ["--head", `${e.chain}:${e.seq}:${e.hash}`]);
    const lastOf = (heads: readonly AuditEvent[], chain: string) => heads.filter((e) => e.chain === chain).at(-1)!;

    it("verifies a two-chain file against both chains' heads, repeated or from a file of published checkpoints", async () => {
      const { path, key, heads, chains } = await twoChainFile("mc");
      const latest = chains.map((chain) => lastOf(heads, chain));
      const ok = await run("audit", "verify", path, "--key", key, ...headArgs(latest));
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/^OK: 26 event\(s\) in 2 chain\(s\)/);
      const headsFile = join(dir, "mc.heads.jsonl");
      writeFileSync(headsFile, heads.map((e) => `${JSON.stringify(e)}\n`).join(""));
      expect((await run("audit", "verify", path, "--key", key, "--heads", headsFile)).code).toBe(0);
      const record = join(dir, "mc.heads.json");
      writeFileSync(record, JSON.stringify(Object.fromEntries(latest.map((e) => [e.chain, { seq: e.seq, hash: e.hash }]))));
      const json = await run("audit", "verify", path, "--key", key, "--heads", record, "--json");
      expect(JSON.parse(json.out)).toMatchObject({ ok: true, heads: latest.map(({ chain, seq, hash }) => ({ chain, seq, hash })) });
    });

    it("a chain removed from the file → missing-chain (exit 1); one --head alone would not see it", async () => {
      const { path, key, heads, chains } = await twoChainFile("mc-drop");
      const lines = readFileSync(path, "utf8").trimEnd().split("\n");
      writeFileSync(path, `${lines.filter((line) => (JSON.parse(line) as AuditEvent).chain !== chains[1]).join("\n")}\n`);
      const latest = chains.map((chain) => lastOf(heads, chain));
      expect((await run("audit", "verify", path, "--key", key, "--head", latest[0]!.hash)).code).toBe(0);
      const result = await run("audit", "verify", path, "--key", key, ...headArgs(latest));
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/missing-chain\s+seq \d+, chain mc-drop:/);
    });

    it("a chain no head names → foreign-chain (exit 1)", async () => {
      const { path, key, heads, chains } = await twoChainFile("mc-foreign");
      const result = await run("audit", "verify", path, "--key", key, ...headArgs([lastOf(heads, chains[0]!)]));
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/foreign-chain\s+chain mc-forei/);
    });

    it("a malformed --head or --heads file is bad usage", async () => {
      const { path, key } = await twoChainFile("mc-bad");
      expect((await run("audit", "verify", path, "--key", key, "--head", `a:0:${"f".repeat(64)}`)).code).toBe(2);
      expect((await run("audit", "verify", path, "--key", key, "--head", "f".repeat(64), "--head", "nothex")).code).toBe(2);
      writeFileSync(join(dir, "bad.heads"), "not json\n");
      expect((await run("audit", "verify", path, "--key", key, "--heads", join(dir, "bad.heads"))).code).toBe(2);
      writeFileSync(join(dir, "badhash.heads"), JSON.stringify([{ chain: "x", hash: "zz" }]));
      expect((await run("audit", "verify", path, "--key", key, "--heads", join(dir, "badhash.heads"))).code).toBe(2);
      expect((await run("audit", "verify", path, "--key", key, "--heads", join(dir, "none.heads"))).code).toBe(2);
    });
  });

  it("exits 2 on bad usage", async () => {
    expect((await run("audit", "verify", join(dir, "v.jsonl"))).code).toBe(2);
    expect((await run("audit", "verify", join(dir, "missing.jsonl"), "--key", join(dir, "v.public.jwk"))).code).toBe(2);
    expect((await run("audit", "verify", join(dir, "v.jsonl"), "--key", join(dir, "v.public.jwk"), "--head", "nothex")).code).toBe(2);
    expect((await run("audit", "verify", join(dir, "v.jsonl"), "--key", join(dir, "v.jsonl"))).code).toBe(2);
    writeFileSync(join(dir, "empty.jwks.json"), JSON.stringify({ keys: [] }));
    const noKey = await run("audit", "verify", join(dir, "v.jsonl"), "--key", join(dir, "empty.jwks.json"));
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain("no key");
    expect((await run("audit", "frobnicate")).code).toBe(2);
    expect((await run("audit", "verify", "--bogus")).code).toBe(2);
    expect((await run()).code).toBe(2);
    expect((await run("--help")).code).toBe(0);
  });

  it("prints machine-readable JSON with --json", async () => {
    const result = await run("audit", "verify", join(dir, "t.jsonl"), "--key", join(dir, "t.public.jwk"), "--json");
    expect(JSON.parse(result.out)).toMatchObject({ ok: true, count: 28 });
  });
});

describe("warden audit digest", () => {
  it("prints the digest a log with that key records, from the signing key or a digest key file", async () => {
    await run("keys", "generate", "--out", dir, "--name", "dg");
    const signingKey = JSON.parse(readFileSync(join(dir, "dg.private.jwk"), "utf8"));
    const signed = new AuditLog({ sink: jsonlSink(join(dir, "dg.jsonl")), clock: { now: () => Date.now() }, signingKey });
    const fromSigningKey = await run("audit", "digest", '{"ssn":"078-05-1120"}', "--signing-key", join(dir, "dg.private.jwk"));
    expect(fromSigningKey).toMatchObject({ code: 0, out: `${signed.digest({ ssn: "078-05-1120" })}\n` });
    expect((await run("audit", "digest", '{"ssn":"078-05-1121"}', "--signing-key", join(dir, "dg.private.jwk"))).out).not.toBe(fromSigningKey.out);
    await signed.close();

    const secret = "a digest key of at least thirty-two bytes";
    writeFileSync(join(dir, "digest.key"), `${secret}\n`, { mode: 0o600 });
    const keyed = new AuditLog({ sink: jsonlSink(join(dir, "dk.jsonl")), clock: { now: () => Date.now() }, digestKey: secret });
    expect((await run("audit", "digest", "--text", "078-05-1120", "--digest-key", join(dir, "digest.key"))).out).toBe(`${keyed.digest("078-05-1120")}\n`);
    expect((await run("audit", "digest", '"078-05-1120"', "--digest-key", join(dir, "digest.key"))).out).toBe(`${keyed.digest("078-05-1120")}\n`);
    await keyed.close();
  });

  it("exits 2 on bad usage, never echoing the key", async () => {
    writeFileSync(join(dir, "short.key"), "too-short-secret\n");
    const short = await run("audit", "digest", "1", "--digest-key", join(dir, "short.key"));
    expect(short.code).toBe(2);
    expect(short.err).toContain("at least 32 bytes");
    expect(short.err).not.toContain("too-short-secret");
    expect((await run("audit", "digest", "1")).code).toBe(2);
    expect((await run("audit", "digest", "not json", "--digest-key", join(dir, "digest.key"))).code).toBe(2);
    expect((await run("audit", "digest", "1", "--digest-key", join(dir, "digest.key"), "--signing-key", join(dir, "dg.private.jwk"))).code).toBe(2);
    expect((await run("audit", "digest", "1", "--signing-key", join(dir, "dg.public.jwk"))).code).toBe(2);
  });
});

const postgresUp = await serviceAvailable("postgres");

describe.skipIf(!postgresUp)("warden audit verify postgres:// (PostgreSQL on 127.0.0.1:5432)", () => {
  it("verifies a PostgreSQL audit table", async () => {
    await run("keys", "generate", "--out", dir, "--name", "pg");
    const signingKey = JSON.parse(readFileSync(join(dir, "pg.private.jwk"), "utf8"));
    const table = `warden_cli_${Date.now()}`;
    const log = new AuditLog({ sink: postgresSink({ connectionString: POSTGRES_URL, table }), clock: { now: () => Date.now() }, signingKey, signIntervalMs: 0 });
    for (let i = 0; i < 12; i++) await log.record({ type: "tool.start", outcome: "pending", actor: { sub: "u" }, target: { kind: "tool", name: "t" } });
    await log.close();
    try {
      const result = await run("audit", "verify", POSTGRES_URL, "--table", table, "--chain", log.chain, "--key", join(dir, "pg.public.jwk"));
      expect(result.out).toContain("OK: 13 event(s)");
      expect(result.code).toBe(0);
    } finally {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
      await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
    }
  });
});
