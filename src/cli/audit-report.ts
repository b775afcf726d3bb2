/**
 * `warden audit report`: verifies a log (file or PostgreSQL table) and writes
 * one self-contained HTML report of it.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderAuditReport } from "../audit/report.js";
import { createAuditReportSummarizer } from "../audit/report-summary.js";
import type { AuditVerification } from "../audit/verify.js";
import { forEachAuditEntry } from "./audit-source.js";
import { UsageError } from "./usage-error.js";
import { VERIFY_ARGS, verifyFromArgs } from "./verify-options.js";

/** The command's part of the CLI's usage text. */
export const REPORT_USAGE = `  warden audit report <file.jsonl | postgres://…> --key <public.jwk | jwks.json> -o report.html
                      [--head HEAD]… [--heads FILE] [--table NAME] [--chain ID] [--strict] [--title TEXT]
      Verifies the log as "audit verify" does (the key is required: a report on an unverified
      log would show whatever a forger wrote), then writes one self-contained HTML page: the
      result as a badge ("verified", or "NOT verified" with each problem's kind and seq), a
      timeline, activity per user, denials by reason, approvals with requester and approver,
      masking counts by type, throttling events, calls per tool, model and retriever.
      Exit code: 0 verified, 1 written but NOT verified, 2 bad usage or unreadable input.`;

/** The problems a one-line summary names: kind and seq of the first few. */
function named(result: AuditVerification): string {
  const serious = result.problems.filter((problem) => problem.kind !== "torn-line");
  const listed = serious.slice(0, 5).map((problem) => `${problem.kind}${problem.seq !== undefined ? ` at seq ${problem.seq}` : ""}`);
  if (serious.length > 5) listed.push(`${serious.length - 5} more`);
  return listed.join(", ");
}

/**
 * Runs `warden audit report` with its arguments.
 *
 * @returns the exit code: 0 verified, 1 written but not verified
 * @throws UsageError for bad arguments, an unreadable key or log, or an output that cannot be written
 */
export async function auditReport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...VERIFY_ARGS, out: { type: "string", short: "o" }, title: { type: "string" } },
  });
  const out = values.out;
  if (!out) throw new UsageError("-o FILE is required: where to write the HTML report");
  const { log, verification } = await verifyFromArgs(positionals, values, "--key <public.jwk> is required: the report shows the log only with its verification");
  const summarizer = createAuditReportSummarizer();
  try {
    await forEachAuditEntry(log, (entry) => summarizer.add(entry));
  } catch {
    throw new UsageError(`cannot read ${log.label}`, "WARDEN_CLI_IO");
  }
  const html = renderAuditReport(summarizer.result(), verification, { source: log.label, ...(values.title !== undefined ? { title: values.title } : {}) });
  try {
    writeFileSync(out, html);
  } catch {
    throw new UsageError(`cannot write the report to ${out}`, "WARDEN_CLI_IO");
  }
  const status = verification.ok ? "verified" : `NOT verified (${named(verification)})`;
  process.stdout.write(`Wrote ${out}: ${status}; ${verification.count} event(s) from ${log.label}\n`);
  return verification.ok ? 0 : 1;
}
