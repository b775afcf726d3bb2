import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, generateAuditKeys } from "langchain-warden";
import { postgresSink } from "langchain-warden/postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { POSTGRES_URL, serviceAvailable } from "../support/services.js";
import { HOSTILE_TOOL, writeRealLog } from "./real-log.js";

const dir = mkdtempSync(join(tmpdir(), "warden-report-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logPath = join(dir, "audit.jsonl");
const keyPath = join(dir, "audit.public.jwk");
const keys = generateAuditKeys();

beforeAll(async () => {
  await writeRealLog(logPath, keys);
  writeFileSync(keyPath, JSON.stringify(keys.publicKey));
});

/** A copy of the log with one line changed by `edit`. */
function tamperedCopy(name: string, edit: (lines: string[]) => string[]): string {
  const lines = readFileSync(logPath, "utf8").split("\n").filter(Boolean);
  const path = join(dir, name);
  writeFileSync(path, `${edit(lines).join("\n")}\n`);
  return path;
}

describe("warden audit report <file>", () => {
  it("writes one self-contained page saying 'verified' for a good log, exit 0", async () => {
    const out = join(dir, "good.html");
    const result = await runCli("audit", "report", logPath, "--key", keyPath, "-o", out);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toBe(`Wrote ${out}: verified; 20 event(s) from ${logPath}\n`);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/<div class="badge ok" id="verification" role="status"><strong>verified<\/strong>/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    for (const id of ["timeline", "users", "denials", "approvals", "masking", "throttling", "targets", "integrity"]) expect(html).toContain(`id="${id}`);
    expect(html).toContain("granted by <b>carol</b>");
    expect(html).toContain("rejected by <b>dave</b>");
    expect(html).toContain("acme/alice");
    expect(html).toContain("<code>credit_card</code>");
    expect(html).toContain("ratelimit.exceeded tools.lookup");
    // Nothing is loaded from elsewhere, and nothing runs.
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|base|form|a)[\s>]|\shref=|url\(|@import/i);
  });

  it("shows markup from the log as text", async () => {
    const out = join(dir, "escaped.html");
    await runCli("audit", "report", logPath, "--key", keyPath, "-o", out);
    const html = readFileSync(out, "utf8");
    expect(html).not.toContain(HOSTILE_TOOL);
    expect(html).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt; is not allowed");
  });

  it("shows no digest, key or token from the log", async () => {
    const out = join(dir, "secrets.html");
    await runCli("audit", "report", logPath, "--key", keyPath, "-o", out);
    const html = readFileSync(out, "utf8");
    expect(readFileSync(logPath, "utf8")).toContain("hmac-sha256:");
    expect(html).not.toContain("hmac-sha256:");
    expect(html).not.toContain(keys.privateKey.d as string);
    expect(html).not.toContain(keys.publicKey.x as string);
  });

  it("names the modified event's seq for a tampered copy, and still writes the page, exit 1", async () => {
    const tampered = tamperedCopy("tampered.jsonl", (lines) => lines.map((line, i) => (i === 7 ? line.replace('"sub":"alice"', '"sub":"mallory"') : line)));
    const out = join(dir, "tampered.html");
    const result = await runCli("audit", "report", tampered, "--key", keyPath, "-o", out);
    expect(result.code).toBe(1);
    expect(result.out).toContain("NOT verified (hash at seq 8)");
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/<div class="badge bad" id="verification"[^>]*><strong>NOT verified<\/strong>/);
    expect(html).toContain("<li>hash at seq 8,");
    expect(html).toContain("mallory");
  });

  it("names a deleted event's gap", async () => {
    const cut = tamperedCopy("cut.jsonl", (lines) => lines.filter((_, i) => i !== 4));
    const out = join(dir, "cut.html");
    const result = await runCli("audit", "report", cut, "--key", keyPath, "-o", out);
    expect(result.code).toBe(1);
    expect(result.out).toContain("missing at seq 6");
    expect(readFileSync(out, "utf8")).toContain("<li>missing at seq 6,");
  });

  it("reads a line that is not JSON as a problem, and a torn last line as a crash, not tampering", async () => {
    const garbled = tamperedCopy("garbled.jsonl", (lines) => lines.map((line, i) => (i === 4 ? "{not json" : line)));
    const garbledResult = await runCli("audit", "report", garbled, "--key", keyPath, "-o", join(dir, "garbled.html"));
    expect(garbledResult.code).toBe(1);
    expect(garbledResult.out).toContain("NOT verified (parse");
    expect(readFileSync(join(dir, "garbled.html"), "utf8")).toContain("1 entry is not an event.");

    const torn = join(dir, "torn.jsonl");
    const text = readFileSync(logPath, "utf8");
    writeFileSync(torn, `${text}{"v":1,"id":"cut-sho`);
    const tornResult = await runCli("audit", "report", torn, "--key", keyPath, "-o", join(dir, "torn.html"));
    expect(tornResult.code).toBe(0);
    expect(readFileSync(join(dir, "torn.html"), "utf8")).toContain("1 torn last line (a crash mid-write)");
  });

  it("holds the log to a published head", async () => {
    const events = readFileSync(logPath, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { hash: string });
    const cut = tamperedCopy("truncated.jsonl", (lines) => lines.slice(0, 15));
    const result = await runCli("audit", "report", cut, "--key", keyPath, "--head", events.at(-1)!.hash, "-o", join(dir, "truncated.html"));
    expect(result.code).toBe(1);
    expect(result.out).toContain("NOT verified (truncated");
  });

  it("refuses bad usage with a clear message and exit 2, never a stack", async () => {
    const out = join(dir, "never.html");
    const notJson = join(dir, "not-a-key.jwk");
    writeFileSync(notJson, "not json");
    const cases: [string[], string][] = [
      [["audit", "report", "--key", keyPath, "-o", out], "give exactly one log"],
      [["audit", "report", logPath, logPath, "--key", keyPath, "-o", out], "give exactly one log"],
      [["audit", "report", logPath, "-o", out], "--key <public.jwk> is required"],
      [["audit", "report", logPath, "--key", keyPath], "-o FILE is required"],
      [["audit", "report", logPath, "--key", notJson, "-o", out], `cannot read a JSON key from ${notJson}`],
      [["audit", "report", join(dir, "absent.jsonl"), "--key", keyPath, "-o", out], "no such file"],
      [["audit", "report", logPath, "--key", keyPath, "-o", join(dir, "no-such-dir", "r.html")], "cannot write the report to"],
      [["audit", "report", logPath, "--key", keyPath, "-o", out, "--head", "nope"], "--head must be"],
      [["audit", "report", logPath, "--key", keyPath, "-o", out, "--colour"], "Unknown option"],
    ];
    for (const [argv, message] of cases) {
      const result = await runCli(...argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.err).toContain(message);
      expect(result.err).not.toMatch(/\n\s+at /);
    }
    // A key or source problem names itself alone; bad arguments come with the usage.
    expect((await runCli("audit", "report", logPath, "--key", notJson, "-o", out)).err).not.toContain("Usage:");
    expect((await runCli("audit", "report", logPath, "--key", keyPath)).err).toContain("warden audit report <file.jsonl | postgres://…>");
    expect(() => readFileSync(out)).toThrow();
  });

  it("reports an unreachable database without its credentials", async () => {
    const result = await runCli("audit", "report", "postgres://auditor:s3cret-pw@127.0.0.1:1/test", "--key", keyPath, "-o", join(dir, "none.html"));
    expect(result.code).toBe(2);
    expect(result.err).toContain("cannot read the audit log from 127.0.0.1:1/test (warden_audit): ECONNREFUSED");
    expect(result.err).not.toContain("s3cret-pw");
  });
});

const postgresUp = await serviceAvailable("postgres");

describe.skipIf(!postgresUp)("warden audit report postgres:// (PostgreSQL on 127.0.0.1:5432)", () => {
  it("reports on a PostgreSQL audit table, and a row changed behind the sink's back names its seq", async () => {
    const table = `warden_report_${Date.now()}`;
    const log = new AuditLog({ sink: postgresSink({ connectionString: POSTGRES_URL, table }), clock: { now: () => Date.now() }, signingKey: keys.privateKey, signIntervalMs: 0 });
    for (let i = 0; i < 6; i++) {
      await log.record({
        type: "access.denied",
        outcome: "denied",
        actor: { sub: `pg-user-${i % 2}` },
        target: { kind: "tool", name: HOSTILE_TOOL },
        reason: "missing scope db:write",
        data: { code: "missing-scope" },
      });
    }
    await log.record({
      type: "approval.requested",
      outcome: "pending",
      actor: { sub: "pg-user-0" },
      target: { kind: "approval", name: "drop" },
      data: { requestId: "pg-req", argsDigest: "x" },
    });
    await log.record({
      type: "approval.granted",
      outcome: "success",
      actor: { sub: "pg-approver" },
      target: { kind: "approval", name: "drop" },
      data: { requestId: "pg-req", argsDigest: "x" },
    });
    await log.close();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    try {
      const out = join(dir, "pg.html");
      const result = await runCli("audit", "report", POSTGRES_URL, "--table", table, "--chain", log.chain, "--key", keyPath, "-o", out);
      expect(result.err).toBe("");
      expect(result.out).toContain(`: verified; 9 event(s) from 127.0.0.1:5432/test (${table})`);
      expect(result.code).toBe(0);
      const html = readFileSync(out, "utf8");
      expect(html).toContain("<strong>verified</strong>");
      expect(html).toContain("missing scope db:write");
      expect(html).toContain("granted by <b>pg-approver</b>");
      expect(html).not.toContain(HOSTILE_TOOL);
      expect(html).not.toContain(POSTGRES_URL);

      // The table refuses UPDATE through its trigger; its owner can switch the trigger off, as an intruder with that role could.
      await pool.query(`ALTER TABLE "${table}" DISABLE TRIGGER USER`);
      await pool.query(`UPDATE "${table}" SET event = jsonb_set(event::jsonb, '{actor,sub}', '"someone-else"')::json WHERE chain = $1 AND seq = 3`, [log.chain]);
      const tampered = await runCli("audit", "report", POSTGRES_URL, "--table", table, "--chain", log.chain, "--key", keyPath, "-o", join(dir, "pg-tampered.html"));
      expect(tampered.code).toBe(1);
      expect(tampered.out).toContain("NOT verified (hash at seq 3)");
      expect(readFileSync(join(dir, "pg-tampered.html"), "utf8")).toContain("<li>hash at seq 3,");
    } finally {
      await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
    }
  });
});
