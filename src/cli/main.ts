/**
 * The `warden` command: generate audit keys and service API keys, verify audit logs offline, report on them, and compute the keyed digest a log records for a value.
 *
 *   warden keys generate [--out DIR] [--name NAME] [--force]
 *   warden keys api create --sub SUB [--tenant T] [--scope "a b"]… [--role R]… [--expires 30d] [--env live] [--json]
 *   warden audit verify <file.jsonl | postgres://…> --key <public.jwk | jwks.json> [--head HEAD]… [--heads FILE]
 *                       [--table NAME] [--chain ID] [--strict] [--json]
 *   warden audit digest <json | --text TEXT> (--signing-key private.jwk | --digest-key FILE)
 *   warden audit report <file.jsonl | postgres://…> --key <public.jwk | jwks.json> -o report.html [--head …] [--table NAME] [--chain ID]
 *
 * Exit codes: 0 valid, 1 tampered (or a problem found), 2 bad usage.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { JWK } from "jose";
import { type AuditDigestKey, digestFor } from "../audit/digest.js";
import { generateAuditKeys } from "../audit/keys.js";
import type { AuditVerification } from "../audit/verify.js";
import { PolicyError } from "../errors.js";
import { createApiKey } from "../identity/api-key-record.js";
import { auditReport, REPORT_USAGE } from "./audit-report.js";
import { UsageError } from "./usage-error.js";
import { VERIFY_ARGS, verifyFromArgs } from "./verify-options.js";

const USAGE = `Usage:
  warden keys generate [--out DIR] [--name NAME] [--force]
      Writes NAME.private.jwk (mode 0600) and NAME.public.jwk (default name "audit") to DIR (default ".").
  warden keys api create --sub SUB [--tenant T] [--scope "a b"]… [--role R]… [--expires 30d | DATE] [--env LABEL] [--json]
      Creates a service API key. Prints the key once (it is not kept anywhere) and the JSON record
      to store (identity.apiKeys.records, or a store), which holds the key's digest, not the key.
      --scope takes space-separated scopes and may be repeated; --role may be repeated.
      --expires takes a duration (90m, 12h, 30d) or an ISO date; --env a label (default live).
      --json prints one JSON object { key, record }.
  warden audit verify <file.jsonl | postgres://…> --key <public.jwk | jwks.json> [--head HEAD]… [--heads FILE]
                      [--table NAME] [--chain ID] [--strict] [--json]
      Verifies hashes, chain links, order, signatures and (with heads) truncation.
      --head HASH          one published head: the log must contain it.
      --head CHAIN:SEQ:HASH, repeated, or --heads FILE (a JSON list or record of heads, or one
                           published head or checkpoint event per line): a head per chain; a
                           missing chain, a truncated one and a chain no head names are reported.
      Exit code: 0 valid, 1 tampered, 2 bad usage.
  warden audit digest <json> (--signing-key private.jwk | --digest-key FILE)
  warden audit digest --text TEXT (--signing-key private.jwk | --digest-key FILE)
      Prints the digest a log with that key records for a value (e.g. '{"ssn":"078-05-1120"}' for
      a tool's arguments), to look for in the log. --digest-key FILE holds audit.digestKey as text
      (one trailing newline is dropped); --signing-key derives the key as the log does.
${REPORT_USAGE}`;

function report(result: AuditVerification, source: string): string {
  const lines: string[] = [];
  const chains = result.chains.length;
  if (result.ok) {
    lines.push(`OK: ${result.count} event(s) in ${chains} chain(s) verified from ${source}`);
  } else {
    lines.push(`TAMPERED: ${result.problems.filter((p) => p.kind !== "torn-line").length} problem(s) in ${source} (${result.count} event(s) read)`);
  }
  for (const problem of result.problems) {
    const where = [
      problem.line !== undefined ? `line ${problem.line}` : undefined,
      problem.seq !== undefined ? `seq ${problem.seq}` : undefined,
      problem.chain !== undefined ? `chain ${problem.chain.slice(0, 8)}` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(`  ${problem.kind.padEnd(13)} ${where ? `${where}: ` : ""}${problem.message}`);
  }
  for (const chain of result.chains) {
    const tail = chain.unsignedTail > 0 ? `, ${chain.unsignedTail} event(s) after the last signature` : "";
    lines.push(`  chain ${chain.chain}: ${chain.count} event(s), ${chain.signed} signature(s), head ${chain.head}${tail}`);
  }
  return lines.join("\n");
}

async function keysGenerate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: "string" }, name: { type: "string" }, force: { type: "boolean" } } });
  const dir = resolve(values.out ?? ".");
  const name = values.name ?? "audit";
  if (!/^[\w.-]+$/.test(name)) throw new UsageError("--name may contain letters, digits, '.', '_' and '-' only");
  const privatePath = join(dir, `${name}.private.jwk`);
  const publicPath = join(dir, `${name}.public.jwk`);
  if (!values.force && (existsSync(privatePath) || existsSync(publicPath))) {
    throw new UsageError(`${privatePath} or ${publicPath} exists; pass --force to overwrite`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateAuditKeys();
  // The private key is only ever in a file created with mode 0600: when overwriting, in a new
  // file renamed over the old one (an existing file would keep its own, perhaps wider, mode).
  const privateText = `${JSON.stringify(privateKey, null, 2)}\n`;
  if (values.force) {
    const fresh = join(dir, `.${name}.private.jwk.${process.pid}.tmp`);
    writeFileSync(fresh, privateText, { mode: 0o600, flag: "wx" });
    renameSync(fresh, privatePath);
  } else {
    writeFileSync(privatePath, privateText, { mode: 0o600, flag: "wx" });
  }
  writeFileSync(publicPath, `${JSON.stringify(publicKey, null, 2)}\n`, { mode: 0o644, flag: values.force ? "w" : "wx" });
  process.stdout.write(`Wrote ${privatePath} (private, mode 0600) and ${publicPath}\nkid ${publicKey.kid}\n`);
  return 0;
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--expires`: a duration from now (`90m`, `12h`, `30d`) or an ISO date, as epoch ms. */
function expiryOf(text: string): number {
  const relative = /^(\d+)([mhd])$/.exec(text);
  if (relative) return Date.now() + Number(relative[1]) * (DURATION_UNITS[relative[2]!] as number);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError("--expires takes a duration (90m, 12h, 30d) or an ISO date (2026-12-31)");
  return at;
}

async function keysApiCreate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      sub: { type: "string" },
      tenant: { type: "string" },
      scope: { type: "string", multiple: true },
      role: { type: "string", multiple: true },
      expires: { type: "string" },
      env: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  if (!values.sub) throw new UsageError("--sub SUB is required: the service the key stands for");
  if ((values.scope ?? []).some((scope) => scope.trim() === "")) throw new UsageError("--scope takes one or more space-separated scopes");
  const scopes = (values.scope ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean);
  let created: ReturnType<typeof createApiKey>;
  try {
    created = createApiKey({
      sub: values.sub,
      ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
      scopes,
      roles: values.role ?? [],
      ...(values.expires !== undefined ? { expiresAt: expiryOf(values.expires) } : {}),
      ...(values.env !== undefined ? { environment: values.env } : {}),
    });
  } catch (error) {
    if (error instanceof PolicyError) throw new UsageError(error.message.replace(/^createApiKey\./, "--"));
    throw error;
  }
  const { key, record } = created;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ key, record }, null, 2)}\n`);
    return 0;
  }
  const expiry = record.expiresAt !== undefined ? `, expires ${new Date(record.expiresAt).toISOString()}` : "";
  process.stdout.write(
    [
      `API key for ${record.sub}${record.tenant !== undefined ? ` (tenant ${record.tenant})` : ""}${expiry}.`,
      "Give it to the service now: it is shown once and cannot be recovered.",
      "",
      key,
      "",
      "Record to store (identity.apiKeys.records, or your key store); it holds the key's digest, not the key:",
      "",
      JSON.stringify(record, null, 2),
      "",
    ].join("\n"),
  );
  return 0;
}

async function auditVerify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...VERIFY_ARGS, json: { type: "boolean" } } });
  const { log, verification } = await verifyFromArgs(positionals, values, "--key <public.jwk> is required");
  process.stdout.write(values.json ? `${JSON.stringify(verification, null, 2)}\n` : `${report(verification, log.label)}\n`);
  return verification.ok ? 0 : 1;
}

/** The digest key of `--digest-key FILE` (its text) or `--signing-key FILE` (a private JWK). */
function readDigestKey(digestKeyPath: string | undefined, signingKeyPath: string | undefined): AuditDigestKey | JWK {
  if ((digestKeyPath === undefined) === (signingKeyPath === undefined)) throw new UsageError("give one of --digest-key FILE and --signing-key FILE");
  const path = (digestKeyPath ?? signingKeyPath)!;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  if (digestKeyPath !== undefined) return text.endsWith("\n") ? text.slice(0, -1) : text;
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new UsageError(`${path} is not a JSON key`);
  }
}

async function auditDigest(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { text: { type: "string" }, "digest-key": { type: "string" }, "signing-key": { type: "string" } },
  });
  if ((values.text === undefined) === (positionals.length === 0) || positionals.length > 1) {
    throw new UsageError("give exactly one value: a JSON value, or --text TEXT");
  }
  let value: unknown = values.text;
  if (values.text === undefined) {
    try {
      value = JSON.parse(positionals[0]!);
    } catch {
      throw new UsageError("the value is not JSON (quote a string, or use --text)");
    }
  }
  const key = readDigestKey(values["digest-key"], values["signing-key"]);
  let digested: string;
  try {
    digested = digestFor(value, key);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : "the digest could not be computed");
  }
  process.stdout.write(`${digested}\n`);
  return 0;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  try {
    if (group === undefined || group === "--help" || group === "-h" || group === "help") {
      process.stdout.write(`${USAGE}\n`);
      return group === undefined ? 2 : 0;
    }
    if (group === "keys" && command === "generate") return await keysGenerate(rest);
    if (group === "keys" && command === "api" && rest[0] === "create") return await keysApiCreate(rest.slice(1));
    if (group === "audit" && command === "verify") return await auditVerify(rest);
    if (group === "audit" && command === "digest") return await auditDigest(rest);
    if (group === "audit" && command === "report") return await auditReport(rest);
    throw new UsageError(`unknown command: ${[group, command, ...(command === "api" ? rest.slice(0, 1) : [])].filter(Boolean).join(" ")}`);
  } catch (error) {
    if (error instanceof UsageError && error.code !== "WARDEN_CLI_USAGE") {
      // A key or a log that cannot be read: the message says which; the usage would only hide it.
      process.stderr.write(`warden: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`warden: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}
