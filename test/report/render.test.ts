import { createHash } from "node:crypto";
import { type AuditEvent, type AuditEventInput, AuditLog, generateAuditKeys, renderAuditReport, summarizeAuditEvents, verifyAuditLog } from "langchain-warden";
import { fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";

const keys = generateAuditKeys();
const AT = new Date("2026-03-02T10:00:00.000Z");

async function record(inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
  const sink = memorySink();
  const clock = fakeClock(AT);
  const log = new AuditLog({ sink, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
  for (const input of inputs) {
    await log.record(input);
    clock.advance(30_000);
  }
  await log.close();
  return [...sink.events];
}

const EVIL = `"><script>window.__pwned=1</script><img src=x onerror=alert(1)>'`;

describe("renderAuditReport", () => {
  it("escapes every value from the log, in text and in attributes", async () => {
    const events = await record([
      { type: "access.denied", outcome: "denied", actor: { sub: EVIL, tenant: EVIL }, target: { kind: "tool", name: EVIL }, reason: EVIL, data: { code: EVIL } },
      { type: "approval.requested", outcome: "pending", actor: { sub: EVIL }, target: { kind: "approval", name: EVIL }, reason: EVIL, data: { requestId: EVIL, argsDigest: "d" } },
      { type: "approval.granted", outcome: "success", actor: { sub: EVIL }, target: { kind: "approval", name: EVIL }, reason: EVIL, data: { requestId: EVIL } },
      { type: "mask.applied", outcome: "success", actor: { sub: EVIL }, target: { kind: "tool", name: EVIL }, data: { counts: { [EVIL]: 2 } } },
      { type: "mask.applied", outcome: "denied", actor: { sub: EVIL }, target: { kind: "tool", name: EVIL }, data: { blocked: true, types: [EVIL] } },
      { type: "ratelimit.exceeded", outcome: "denied", actor: { sub: EVIL }, target: { kind: "tool", name: EVIL }, reason: EVIL, data: { rule: EVIL, retryAfterMs: 5 } },
      { type: "token.rejected", outcome: "denied", actor: { sub: "anonymous" }, target: { kind: "identity", name: "authenticate" }, reason: EVIL },
      { type: "taint.marked", outcome: "success", actor: { sub: EVIL }, target: { kind: "retriever", name: EVIL }, data: { source: { kind: "retriever", name: EVIL } } },
    ]);
    const verification = await verifyAuditLog(events, { publicKey: keys.publicKey });
    expect(verification.ok).toBe(true);
    const html = renderAuditReport(events, verification, { title: EVIL, source: EVIL, generatedAt: AT });
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    const escaped = "&quot;&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#39;";
    // Title, source, user, tenant, target, reason, code, request (text and title attribute), approver, mask type, rule, source of taint.
    expect(html.split(escaped).length - 1).toBeGreaterThanOrEqual(15);
    expect(html).toContain(`<code title="${escaped}">`);
    // Every appearance of the hostile value is the fully escaped one.
    expect(html.replaceAll(escaped, "")).not.toMatch(/onerror|__pwned/);
  });

  it("sets a policy that loads nothing and runs nothing, with the page's own style allowed by its hash", async () => {
    const events = await record([{ type: "tool.end", outcome: "success", actor: { sub: "a" }, target: { kind: "tool", name: "t" } }]);
    const html = renderAuditReport(events, await verifyAuditLog(events, { publicKey: keys.publicKey }));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    expect(style).toBeDefined();
    const hash = createHash("sha256").update(style!).digest("base64");
    expect(csp).toBe(`default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'`);
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it("names each problem's kind and seq in the badge, the first ten, then how many more", async () => {
    const events = await record(
      Array.from({ length: 14 }, (_, i) => ({ type: "tool.end" as const, outcome: "success" as const, actor: { sub: `u${i}` }, target: { kind: "tool" as const, name: "t" } })),
    );
    const forged = events.map((event) => (event.seq % 2 === 0 ? { ...event, actor: { sub: "forged" } } : event));
    const verification = await verifyAuditLog(forged, { publicKey: keys.publicKey });
    const html = renderAuditReport(forged, verification);
    const badge = /<div class="badge bad" id="verification"[\s\S]*?<\/div>/.exec(html)?.[0] ?? "";
    expect(badge).toContain("<strong>NOT verified</strong>");
    expect(badge).toContain("7 problems: hash");
    for (const seq of [2, 4, 6, 8, 10, 12, 14]) expect(badge).toContain(`<li>hash at seq ${seq}, chain`);

    const many = await record(
      Array.from({ length: 30 }, () => ({ type: "tool.end" as const, outcome: "success" as const, actor: { sub: "u" }, target: { kind: "tool" as const, name: "t" } })),
    );
    const manyForged = many.map((event) => (event.seq <= 25 ? { ...event, reason: "edited" } : event));
    const manyHtml = renderAuditReport(manyForged, await verifyAuditLog(manyForged, { publicKey: keys.publicKey }));
    expect(manyHtml).toContain("<li>and 15 more problems (listed below)</li>");
    expect(manyHtml).toContain("<li>hash at seq 10, chain");
    expect(manyHtml).not.toContain("<li>hash at seq 11, chain");
  });

  it("says verified, with a note, for a log whose only flaw is a torn last line", async () => {
    const events = await record([{ type: "tool.end", outcome: "success", actor: { sub: "a" }, target: { kind: "tool", name: "t" } }]);
    const verification = await verifyAuditLog(events, { publicKey: keys.publicKey });
    const torn = { ...verification, problems: [{ kind: "torn-line" as const, line: 3, message: "the line is incomplete: the writer stopped mid-write" }] };
    const html = renderAuditReport(events, torn);
    expect(html).toContain("<strong>verified</strong>");
    expect(html).toContain("1 torn last line (a crash mid-write)");
  });

  it("renders an empty log as not verified, with empty sections", async () => {
    const verification = await verifyAuditLog([], { publicKey: keys.publicKey });
    const html = renderAuditReport([], verification);
    expect(html).toContain("<strong>NOT verified</strong>");
    expect(html).toContain("<li>empty</li>");
    expect(html).toContain("No timed events.");
    expect(html).toContain("No approval was requested.");
  });

  it("takes a summary as well as events, and cuts long tables at maxRows with how many more", async () => {
    const events = await record(
      Array.from({ length: 12 }, (_, i) => ({
        type: "access.allowed" as const,
        outcome: "success" as const,
        actor: { sub: `user-${String(i).padStart(2, "0")}` },
        target: { kind: "tool" as const, name: "t" },
      })),
    );
    const verification = await verifyAuditLog(events, { publicKey: keys.publicKey });
    const html = renderAuditReport(summarizeAuditEvents(events), verification, { maxRows: 5, generatedAt: AT });
    expect(html).toBe(renderAuditReport(events, verification, { maxRows: 5, generatedAt: AT }));
    const users = /<section id="users">[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
    expect(users.match(/<tr><td>/g)).toHaveLength(5);
    expect(users).toContain("and 7 more");
    expect(html).toContain("Report made 2026-03-02 10:00:00 UTC");
  });

  it("draws the timeline a bar per step, denied events stacked, empty steps kept", async () => {
    const events = await record([
      { type: "access.denied", outcome: "denied", actor: { sub: "a" }, target: { kind: "tool", name: "t" } },
      { type: "access.allowed", outcome: "success", actor: { sub: "a" }, target: { kind: "tool", name: "t" } },
    ]);
    // Events at 10:00:00, 10:00:30 and the closing checkpoint at 10:01:00; a later one at 10:04.
    const later = { ...events[0]!, ts: "2026-03-02T10:04:10.000Z" };
    const html = renderAuditReport([...events, later], await verifyAuditLog(events, { publicKey: keys.publicKey }));
    const svg = /<svg class="timeline"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toEqual([
      "2026-03-02 10:00 UTC (minute): 2 events, 1 denied",
      "2026-03-02 10:01 UTC (minute): 1 event, 0 denied",
      "2026-03-02 10:02 UTC (minute): 0 events, 0 denied",
      "2026-03-02 10:03 UTC (minute): 0 events, 0 denied",
      "2026-03-02 10:04 UTC (minute): 1 event, 1 denied",
    ]);
    expect(svg.match(/class="dn"/g)).toHaveLength(2);
  });
});
