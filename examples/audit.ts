/**
 * The audit trail end to end: sign checkpoints with an Ed25519 key, write an
 * append-only JSONL file, verify it offline, render the HTML report a reviewer
 * reads, and catch a tampered copy.
 *
 *   npm run build && npx tsx examples/audit.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tool } from "@langchain/core/tools";
import { type AuditEvent, createWarden, generateAuditKeys, jsonlSink, renderAuditReport, verifyAuditLog } from "langchain-warden";
import { createTestIdentity } from "langchain-warden/testing";
import { z } from "zod";

const dir = mkdtempSync(join(tmpdir(), "warden-audit-"));
const path = join(dir, "audit.jsonl");

// In production the private key comes from a secret manager (`npx warden keys generate` writes a pair).
const { privateKey, publicKey } = generateAuditKeys();
let lastSignedHead = "";

const idp = createTestIdentity();
const warden = createWarden({
  identity: idp.identity,
  policy: { tools: { lookup_customer: { scopes: ["crm:read"] } } },
  audit: {
    sink: jsonlSink(path),
    signingKey: privateKey,
    signEvery: 10,
    // Publish signed heads somewhere the log's writer cannot rewrite; here we just keep the last one.
    onCheckpoint: (event) => {
      lastSignedHead = event.hash;
    },
  },
});

const lookupCustomer = tool(async ({ id }) => `customer ${id}: Jane Doe, jane@example.com`, {
  name: "lookup_customer",
  description: "Look up a customer",
  schema: z.object({ id: z.string() }),
});
const guarded = warden.tool(lookupCustomer);
const agentUser = await warden.authenticate(await idp.issue({ sub: "support-7", scope: "crm:read" }));
const intruder = await warden.authenticate(await idp.issue({ sub: "intern-2" }));

for (let i = 0; i < 12; i++) {
  const caller = i % 4 === 3 ? intruder : agentUser;
  await guarded.invoke({ type: "tool_call", id: `call_${i}`, name: "lookup_customer", args: { id: `cus_${i}` } }, warden.config(caller));
}
await warden.close(); // signs the tail and closes the file

const report = await verifyAuditLog(path, { publicKey, expectHead: lastSignedHead });
console.log(`verified ${report.count} events: ok=${report.ok}, ${report.chains[0]?.signed} signatures, head ${report.head?.slice(0, 16)}…`);
console.log(`no raw value in the log: ${!readFileSync(path, "utf8").includes("jane@example.com")}`);

// The page a reviewer reads (`npx warden audit report audit.jsonl --key audit.public.jwk -o report.html`
// does the same from the command line): one HTML file, no script, nothing loaded from elsewhere.
const readEvents = () =>
  readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as unknown);
const page = renderAuditReport(readEvents(), report, { source: "audit.jsonl" });
writeFileSync(join(dir, "report.html"), page);
console.log(`report.html: ${Math.round(page.length / 1000)} kB, badge "${/<strong>([^<]*)<\/strong>/.exec(page)?.[1]}"`);

// Someone edits a denial into an allow and deletes another line.
const lines = readFileSync(path, "utf8").trimEnd().split("\n");
const index = lines.findIndex((line) => (JSON.parse(line) as AuditEvent).type === "access.denied");
const edited = JSON.parse(lines[index]!) as AuditEvent;
edited.type = "access.allowed";
lines[index] = JSON.stringify(edited);
lines.splice(index + 3, 1);
writeFileSync(path, `${lines.join("\n")}\n`);

const tampered = await verifyAuditLog(path, { publicKey, expectHead: lastSignedHead });
console.log(`tampered copy: ok=${tampered.ok}`);
for (const problem of tampered.problems) console.log(`  ${problem.kind} at seq ${problem.seq}: ${problem.message}`);
const tamperedPage = renderAuditReport(readEvents(), tampered, { source: "audit.jsonl (tampered)" });
console.log(`its report's badge: "${/<strong>([^<]*)<\/strong>/.exec(tamperedPage)?.[1]}", naming ${[...tamperedPage.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]).join("; ")}`);

rmSync(dir, { recursive: true, force: true });
