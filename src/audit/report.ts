/**
 * The audit report: one self-contained HTML page (no script, no external
 * load, a strict Content-Security-Policy) that shows a verification result
 * and what a log records, for a reviewer to read in any browser.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type AuditCounts, type AuditReportLimits, type AuditReportSummary, type AuditTimelineBucket, summarizeAuditEvents } from "./report-summary.js";
import type { AuditProblem, AuditVerification } from "./verify.js";

/** Options of {@link renderAuditReport}. */
export interface AuditReportOptions {
  /** Title of the page (default "Audit report"). */
  title?: string;
  /** Where the log was read from, as shown on the page (a path, or a database and table without credentials). */
  source?: string;
  /** When the report was made (default now); shown on the page. */
  generatedAt?: Date;
  /** Rows shown per table before "and N more" (default 200). */
  maxRows?: number;
  /** How many rows the summary keeps when `renderAuditReport` summarises the events itself. */
  limits?: AuditReportLimits;
}

const STYLE = `
:root{--ok:#1a7f37;--bad:#c62828;--ink:#1f2328;--muted:#656d76;--line:#d8dee4;--bar:#3b6fd8;--deny:#d1453b;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
header{padding:24px 32px 8px;border-bottom:1px solid var(--line);background:var(--bg)}
main{padding:8px 32px 40px;max-width:1200px}
h1{margin:0 0 4px;font-size:22px}
h2{margin:28px 0 8px;font-size:17px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{margin:16px 0 6px;font-size:14px}
.meta{color:var(--muted);margin:0 0 12px}
.badge{display:inline-block;margin:8px 0 12px;padding:10px 16px;border-radius:8px;color:#fff;font-weight:600}
.badge strong{font-size:18px;letter-spacing:.02em}
.badge.ok{background:var(--ok)}
.badge.bad{background:var(--bad)}
.badge ul{margin:6px 0 0;padding-left:20px;font-weight:500}
.badge .note{font-weight:400;margin-left:8px}
.badge .caveat{display:block;margin-top:6px;font-weight:400;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:120px;background:#fff}
.card b{display:block;font-size:20px}
.card span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{background:var(--bg);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);padding:0 3px;border-radius:3px}
.more,.empty{color:var(--muted);font-style:italic}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:0 24px}
svg.timeline{width:100%;height:auto;background:var(--bg);border:1px solid var(--line);border-radius:6px}
svg .ev{fill:var(--bar)} svg .dn{fill:var(--deny)} svg text{fill:var(--muted);font-size:11px}
svg.spark{vertical-align:middle} svg.spark rect{fill:var(--bar)}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
.legend .ev{background:var(--bar)} .legend .dn{background:var(--deny)}
footer{color:var(--muted);font-size:12px;margin-top:32px}
`;

const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/** The policy of the page: nothing is loaded and nothing runs; only the page's own style applies. */
const CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'`;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and attribute values. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const numbers = new Intl.NumberFormat("en-US");
function num(value: number): string {
  return numbers.format(value);
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS` (UTC), or as given when it is not one. */
function when(ts: string | undefined): string {
  if (!ts) return "";
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(ts) ? `${ts.slice(0, 10)} ${ts.slice(11, 19)}` : ts;
}

function short(id: string | undefined, length = 8): string {
  if (id === undefined) return "";
  return id.length > length + 1 ? `${id.slice(0, length)}…` : id;
}

interface Column<T> {
  head: string;
  cell: (row: T) => string;
  numeric?: boolean;
}

/** A table of rows (cells are HTML already escaped by their column), at most `max` rows, then "and N more". */
function table<T>(rows: readonly T[], columns: readonly Column<T>[], max: number, empty: string, total = rows.length): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  const head = columns.map((c) => `<th${c.numeric ? ' class="n"' : ""}>${esc(c.head)}</th>`).join("");
  const body = rows
    .slice(0, max)
    .map((row) => `<tr>${columns.map((c) => `<td${c.numeric ? ' class="n"' : ""}>${c.cell(row)}</td>`).join("")}</tr>`)
    .join("\n");
  const more = total > Math.min(rows.length, max) ? `<p class="more">and ${num(total - Math.min(rows.length, max))} more</p>` : "";
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${more}`;
}

/** A small horizontal bar for a share of `max`. */
function spark(value: number, max: number): string {
  const width = max > 0 ? Math.max(value > 0 ? 1 : 0, Math.round((value / max) * 100)) : 0;
  return `<svg class="spark" width="100" height="10" viewBox="0 0 100 10" aria-hidden="true"><rect x="0" y="1" width="${width}" height="8"/></svg>`;
}

/** A table of counts by key. */
function countsTable(counts: AuditCounts, keyHead: string, max: number, empty: string): string {
  const rows = Object.entries(counts.counts);
  if (counts.other > 0) rows.push(["(other: more keys than the report keeps)", counts.other]);
  const top = rows.reduce((m, [, n]) => Math.max(m, n), 0);
  return table(
    rows,
    [
      { head: keyHead, cell: ([key]) => `<code>${esc(key)}</code>` },
      { head: "count", cell: ([, n]) => num(n), numeric: true },
      { head: "", cell: ([, n]) => spark(n, top) },
    ],
    max,
    empty,
  );
}

function problemWhere(problem: AuditProblem): string {
  return [
    problem.seq !== undefined ? `seq ${problem.seq}` : undefined,
    problem.chain !== undefined ? `chain ${short(problem.chain)}` : undefined,
    problem.line !== undefined ? `line ${problem.line}` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
}

/** The badge: "verified", or "NOT verified" naming each problem's kind and seq. */
function badge(verification: AuditVerification): string {
  const serious = verification.problems.filter((p) => p.kind !== "torn-line");
  const torn = verification.problems.length - serious.length;
  if (verification.ok) {
    const chains = verification.chains.length;
    const signed = verification.chains.reduce((n, c) => n + c.signed, 0);
    const note = `${num(verification.count)} events in ${num(chains)} chain${chains === 1 ? "" : "s"}, ${num(signed)} signature${signed === 1 ? "" : "s"} checked${torn > 0 ? `; ${torn} torn last line (a crash mid-write)` : ""}`;
    return `<div class="badge ok" id="verification" role="status"><strong>verified</strong><span class="note">${esc(note)}</span></div>`;
  }
  const listed = serious.slice(0, 10).map((p) => {
    const where = problemWhere(p);
    return `<li>${esc(p.kind)}${where ? ` at ${esc(where)}` : ""}</li>`;
  });
  if (serious.length > 10) listed.push(`<li>and ${num(serious.length - 10)} more problems (listed below)</li>`);
  const kinds = [...new Set(serious.map((p) => p.kind))].join(", ");
  return `<div class="badge bad" id="verification" role="status"><strong>NOT verified</strong><span class="note">${num(serious.length)} problem${serious.length === 1 ? "" : "s"}: ${esc(kinds)}</span><ul>${listed.join("")}</ul><span class="caveat">The tables below show what the log says, altered events included: do not rely on them.</span></div>`;
}

/** Display steps of the timeline; the finest that gives at most {@link MAX_BARS} bars is used. */
const DISPLAY_STEPS: readonly [number, string][] = [
  [60_000, "minute"],
  [300_000, "5 minutes"],
  [900_000, "15 minutes"],
  [3_600_000, "hour"],
  [10_800_000, "3 hours"],
  [21_600_000, "6 hours"],
  [86_400_000, "day"],
  [604_800_000, "week"],
  [2_592_000_000, "30 days"],
];
const MAX_BARS = 120;

function rebucket(buckets: readonly AuditTimelineBucket[], stepMs: number): { step: number; label: string; bars: AuditTimelineBucket[] } {
  const start = buckets[0]!.start;
  const span = buckets[buckets.length - 1]!.start - start + stepMs;
  const [step, label] = DISPLAY_STEPS.find(([s]) => s >= stepMs && span / s <= MAX_BARS) ?? DISPLAY_STEPS[DISPLAY_STEPS.length - 1]!;
  const origin = start - (start % step);
  const bars = new Map<number, AuditTimelineBucket>();
  for (const bucket of buckets) {
    const at = origin + Math.floor((bucket.start - origin) / step) * step;
    const bar = bars.get(at) ?? { start: at, events: 0, denied: 0 };
    bar.events += bucket.events;
    bar.denied += bucket.denied;
    bars.set(at, bar);
  }
  const ordered = [...bars.values()].sort((a, b) => a.start - b.start);
  // Fill the gaps, when there are few enough of them to draw.
  const filled: AuditTimelineBucket[] = [];
  const last = ordered[ordered.length - 1]!.start;
  if ((last - origin) / step <= MAX_BARS * 2) {
    for (let at = ordered[0]!.start; at <= last; at += step) filled.push(bars.get(at) ?? { start: at, events: 0, denied: 0 });
    return { step, label, bars: filled };
  }
  return { step, label, bars: ordered };
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** The timeline as an inline SVG: a bar per step, denied events stacked in red. */
function timeline(summary: AuditReportSummary): string {
  const { buckets, stepMs } = summary.timeline;
  if (buckets.length === 0) return `<p class="empty">No timed events.</p>`;
  const { step, label, bars } = rebucket(buckets, stepMs);
  const width = 960;
  const height = 160;
  const top = 14;
  const bottom = 22;
  const plot = height - top - bottom;
  const max = bars.reduce((m, b) => Math.max(m, b.events), 0);
  // Few bars stay narrow, from the left: one bar as wide as the page would read as a wall.
  const slot = Math.min(width / bars.length, 40);
  const barWidth = Math.max(1, slot - (slot > 4 ? 2 : 0));
  const drawn = bars
    .map((bar, i) => {
      const x = (i * slot).toFixed(2);
      const h = max > 0 ? (bar.events / max) * plot : 0;
      const d = max > 0 ? (bar.denied / max) * plot : 0;
      const title = `${isoMinute(bar.start)} UTC (${label}): ${num(bar.events)} event${bar.events === 1 ? "" : "s"}, ${num(bar.denied)} denied`;
      return `<g><title>${esc(title)}</title><rect class="ev" x="${x}" y="${(top + plot - h).toFixed(2)}" width="${barWidth.toFixed(2)}" height="${h.toFixed(2)}"/>${
        d > 0 ? `<rect class="dn" x="${x}" y="${(top + plot - d).toFixed(2)}" width="${barWidth.toFixed(2)}" height="${d.toFixed(2)}"/>` : ""
      }</g>`;
    })
    .join("");
  const end = bars[bars.length - 1]!.start + step;
  const drawnWidth = bars.length * slot;
  const labels =
    drawnWidth >= 400
      ? `<text x="4" y="${height - 6}">${esc(isoMinute(bars[0]!.start))}</text><text x="${drawnWidth.toFixed(2)}" y="${height - 6}" text-anchor="end">${esc(isoMinute(end))}</text>`
      : `<text x="4" y="${height - 6}">${esc(`${isoMinute(bars[0]!.start)} – ${isoMinute(end)}`)}</text>`;
  return `<p class="legend">One bar per ${esc(label)}, UTC.<i class="ev"></i>events<i class="dn"></i>denied</p>
<svg class="timeline" id="timeline" viewBox="0 0 ${width} ${height}" role="img" aria-label="events per ${esc(label)}">
<text x="4" y="11">${num(max)} per ${esc(label)}</text>${drawn}
${labels}
</svg>`;
}

function card(value: number | string, label: string): string {
  return `<div class="card"><b>${typeof value === "number" ? num(value) : esc(value)}</b><span>${esc(label)}</span></div>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

function overview(summary: AuditReportSummary, max: number): string {
  const types = Object.entries(summary.byType);
  const top = types.reduce((m, [, n]) => Math.max(m, n), 0);
  return `<div class="two"><div><h3>By type</h3>${table(
    types,
    [
      { head: "type", cell: ([type]) => `<code>${esc(type)}</code>` },
      { head: "events", cell: ([, n]) => num(n), numeric: true },
      { head: "", cell: ([, n]) => spark(n, top) },
    ],
    max,
    "No events.",
  )}</div><div><h3>By outcome</h3>${table(
    Object.entries(summary.byOutcome),
    [
      { head: "outcome", cell: ([outcome]) => esc(outcome) },
      { head: "events", cell: ([, n]) => num(n), numeric: true },
    ],
    max,
    "No events.",
  )}</div></div>`;
}

function usersSection(summary: AuditReportSummary, max: number): string {
  const rows = [...summary.users];
  const more = summary.otherUsers.users > 0 ? `<p class="more">${num(summary.otherUsers.users)} more users (${num(summary.otherUsers.events)} events) are not itemised.</p>` : "";
  return (
    table(
      rows,
      [
        { head: "user", cell: (u) => `${esc(u.sub)}${u.tenant !== undefined ? ` <span class="more">(${esc(u.tenant)})</span>` : ""}` },
        { head: "events", cell: (u) => num(u.events), numeric: true },
        { head: "allowed", cell: (u) => num(u.allowed), numeric: true },
        { head: "denied", cell: (u) => num(u.denied), numeric: true },
        { head: "tool calls", cell: (u) => num(u.toolCalls), numeric: true },
        { head: "model calls", cell: (u) => num(u.modelCalls), numeric: true },
        { head: "tokens", cell: (u) => num(u.tokens), numeric: true },
        { head: "approvals asked", cell: (u) => num(u.approvalsRequested), numeric: true },
        { head: "approvals decided", cell: (u) => num(u.approvalsDecided), numeric: true },
        { head: "first", cell: (u) => esc(when(u.first)) },
        { head: "last", cell: (u) => esc(when(u.last)) },
      ],
      max,
      "No user activity.",
    ) + more
  );
}

function denialsSection(summary: AuditReportSummary, max: number): string {
  return `<p>${num(summary.deniedTotal)} denied event${summary.deniedTotal === 1 ? "" : "s"}.</p>${table(
    summary.denials,
    [
      { head: "reason", cell: (d) => esc(d.reason) },
      { head: "event", cell: (d) => `<code>${esc(d.type)}</code>` },
      { head: "code", cell: (d) => (d.code !== undefined ? `<code>${esc(d.code)}</code>` : "") },
      { head: "count", cell: (d) => num(d.count), numeric: true },
      { head: "users", cell: (d) => num(d.users), numeric: true },
      { head: "targets", cell: (d) => d.targets.map((t) => `<code>${esc(t)}</code>`).join(" ") },
      { head: "last seq", cell: (d) => (d.lastSeq > 0 ? num(d.lastSeq) : ""), numeric: true },
    ],
    max,
    "Nothing was denied.",
  )}`;
}

function approvalsSection(summary: AuditReportSummary, max: number): string {
  const a = summary.approvals;
  const cards = `<div class="cards">${card(a.requested, "requested")}${card(a.granted, "granted")}${card(a.rejected, "rejected")}${card(a.invalid, "invalid decisions")}${card(a.undecided, "undecided")}</div>`;
  return `${cards}${table(
    a.rows,
    [
      { head: "request", cell: (r) => `<code title="${esc(r.requestId)}">${esc(short(r.requestId, 12))}</code>` },
      { head: "target", cell: (r) => `<code>${esc(r.target)}</code>` },
      { head: "requester", cell: (r) => (r.requester !== undefined ? esc(r.requester) : `<span class="more">not in the log</span>`) },
      { head: "requested", cell: (r) => `${esc(when(r.requestedAt))}${r.seq !== undefined ? ` <span class="more">seq ${r.seq}</span>` : ""}` },
      { head: "why", cell: (r) => esc(r.reason ?? "") },
      {
        head: "decisions (approver)",
        cell: (r) =>
          r.decisions.length === 0
            ? `<span class="more">none</span>`
            : r.decisions
                .map(
                  (d) =>
                    `${esc(d.type.slice("approval.".length))} by <b>${esc(d.approver)}</b> <span class="more">${esc(when(d.ts))}, seq ${d.seq}${d.reason ? `: ${esc(d.reason)}` : ""}</span>`,
                )
                .join("<br>"),
      },
    ],
    max,
    "No approval was requested.",
    a.rows.length + a.omitted,
  )}`;
}

function maskingSection(summary: AuditReportSummary, max: number): string {
  const m = summary.masking;
  const total = Object.values(m.byType.counts).reduce((s, n) => s + n, 0) + m.byType.other;
  return `<div class="cards">${card(total, "values masked")}${card(m.events, "outputs masked")}${card(m.withheld, "outputs withheld")}</div>
<div class="two"><div><h3>Masked, by type</h3>${countsTable(m.byType, "type", max, "Nothing was masked.")}</div>
<div><h3>Withheld (blocked types)</h3>${countsTable(m.blockedByType, "type", max, "Nothing was withheld.")}</div></div>`;
}

function throttlingSection(summary: AuditReportSummary, max: number): string {
  const t = summary.throttling;
  const cards = ["ratelimit.exceeded", "budget.exceeded", "circuit.open", "circuit.close", "limits.unavailable"].map((type) => card(t.byType[type] ?? 0, type)).join("");
  return `<div class="cards">${cards}</div>
<h3>By rule</h3>${countsTable(t.byRule, "event and rule", max, "No throttling event.")}
<h3>Most recent</h3>${table(
    t.recent.slice().reverse(),
    [
      { head: "time", cell: (e) => esc(when(e.ts)) },
      { head: "seq", cell: (e) => num(e.seq), numeric: true },
      { head: "event", cell: (e) => `<code>${esc(e.type)}</code>` },
      { head: "user", cell: (e) => esc(e.actor) },
      { head: "target", cell: (e) => `<code>${esc(e.target)}</code>` },
      { head: "rule", cell: (e) => (e.rule !== undefined ? `<code>${esc(e.rule)}</code>` : "") },
      { head: "reason", cell: (e) => esc(e.reason ?? "") },
      { head: "retry after", cell: (e) => (e.retryAfterMs !== undefined ? `${num(e.retryAfterMs)} ms` : ""), numeric: true },
    ],
    max,
    "No throttling event.",
    t.total,
  )}`;
}

function targetsSection(summary: AuditReportSummary, max: number): string {
  return table(
    summary.targets,
    [
      { head: "kind", cell: (t) => esc(t.kind) },
      { head: "name", cell: (t) => `<code>${esc(t.name)}</code>` },
      { head: "allowed", cell: (t) => num(t.allowed), numeric: true },
      { head: "denied", cell: (t) => num(t.denied), numeric: true },
      { head: "started", cell: (t) => num(t.started), numeric: true },
      { head: "succeeded", cell: (t) => num(t.succeeded), numeric: true },
      { head: "failed", cell: (t) => num(t.failed), numeric: true },
      { head: "tokens / documents", cell: (t) => (t.kind === "model" ? `${num(t.volume)} tokens` : t.kind === "retriever" ? `${num(t.volume)} documents` : ""), numeric: true },
    ],
    max,
    "No tool, model or retriever call.",
  );
}

function integritySection(verification: AuditVerification, summary: AuditReportSummary, max: number): string {
  const problems = table(
    verification.problems,
    [
      { head: "problem", cell: (p) => `<code>${esc(p.kind)}</code>` },
      { head: "seq", cell: (p) => (p.seq !== undefined ? num(p.seq) : ""), numeric: true },
      { head: "chain", cell: (p) => (p.chain !== undefined ? `<code title="${esc(p.chain)}">${esc(short(p.chain))}</code>` : "") },
      { head: "line", cell: (p) => (p.line !== undefined ? num(p.line) : ""), numeric: true },
      { head: "what", cell: (p) => esc(p.message) },
    ],
    max,
    "No problem found.",
  );
  const chains = table(
    verification.chains,
    [
      { head: "chain", cell: (c) => `<code title="${esc(c.chain)}">${esc(short(c.chain, 12))}</code>` },
      { head: "events", cell: (c) => num(c.count), numeric: true },
      { head: "signatures", cell: (c) => num(c.signed), numeric: true },
      { head: "head seq", cell: (c) => num(c.headSeq), numeric: true },
      { head: "head hash", cell: (c) => `<code title="${esc(c.head)}">${esc(short(c.head, 16))}</code>` },
      { head: "after last signature", cell: (c) => num(c.unsignedTail), numeric: true },
    ],
    max,
    "No chain.",
  );
  const checkpoints = `<p>${num(summary.checkpoints.count)} signed checkpoint event${summary.checkpoints.count === 1 ? "" : "s"}, ${num(summary.checkpoints.final)} closing a chain.${
    summary.unreadable > 0 ? ` ${num(summary.unreadable)} ${summary.unreadable === 1 ? "entry is not an event" : "entries are not events"}.` : ""
  }</p>`;
  return `<h3>Problems</h3>${problems}<h3>Chains</h3>${chains}${checkpoints}`;
}

function identitySection(summary: AuditReportSummary, max: number): string {
  return `<div class="two"><div><h3>Rejected credentials, by reason</h3>${countsTable(summary.tokensRejected, "reason", max, "No credential was rejected.")}</div>
<div><h3>Untrusted content entering threads, by source</h3>${countsTable(summary.taint, "source", max, "No thread was tainted.")}</div></div>`;
}

/**
 * Renders an audit report: one self-contained HTML page with the
 * verification result as a badge ("verified", or "NOT verified" naming each
 * problem's kind and seq), a timeline of events, activity per user, denials
 * by reason, approvals with requester and approver, masking counts by type,
 * throttling events, calls per tool, model and retriever, and the chains.
 *
 * Every value from the log is HTML-escaped (a log holds strings that callers
 * and models chose); the page has no script and a Content-Security-Policy that
 * loads nothing and runs nothing. Values in the log are already masked or
 * digested; the page shows no digest, key or token.
 *
 * @param events - the events in log order, or a summary made by `summarizeAuditEvents` or `createAuditReportSummarizer` (for a log read in a stream)
 * @param verification - the result of `verifyAuditLog` on the same log
 * @param options - title, source label, time of the report, rows per table
 * @returns the HTML page
 */
export function renderAuditReport(events: Iterable<unknown> | AuditReportSummary, verification: AuditVerification, options: AuditReportOptions = {}): string {
  const summary = Symbol.iterator in events ? summarizeAuditEvents(events as Iterable<unknown>, options.limits) : (events as AuditReportSummary);
  const max = options.maxRows ?? 200;
  const title = options.title ?? "Audit report";
  const generated = (options.generatedAt ?? new Date()).toISOString();
  const period = summary.first !== undefined ? `${when(summary.first)} – ${when(summary.last)} UTC` : "no timed events";
  const meta = [options.source !== undefined ? `Log: ${options.source}` : undefined, `Period: ${period}`, `Report made ${when(generated)} UTC`].filter(Boolean).join(" · ");
  const cards = `<div class="cards">${card(summary.events, "events")}${card(summary.chains, "chains")}${card(summary.users.length + summary.otherUsers.users, "users")}${card(
    summary.deniedTotal,
    "denied",
  )}${card(summary.approvals.requested, "approvals requested")}${card(summary.throttling.total, "throttling events")}</div>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="meta">${esc(meta)}</p>
${badge(verification)}
</header>
<main>
${cards}
${section("timeline-section", "Timeline", timeline(summary))}
${section("overview", "Events", overview(summary, max))}
${section("users", "Activity per user", usersSection(summary, max))}
${section("denials", "Denials by reason", denialsSection(summary, max))}
${section("approvals", "Approvals", approvalsSection(summary, max))}
${section("masking", "Masking", maskingSection(summary, max))}
${section("throttling", "Throttling", throttlingSection(summary, max))}
${section("targets", "Tools, models and retrievers", targetsSection(summary, max))}
${section("identity", "Credentials and untrusted content", identitySection(summary, max))}
${section("integrity", "Integrity", integritySection(verification, summary, max))}
<footer>Made by <code>warden audit report</code>. The log holds digests and counts, never raw arguments or outputs; values masked when recorded stay masked here.</footer>
</main>
</body>
</html>
`;
}
