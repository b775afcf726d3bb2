/**
 * The retriever guard's price, in one run (interleaved rounds, medians):
 * a guarded retriever returning 10 documents against the plain one, and the
 * cost of the document rules per 1,000 documents. Writes
 * bench/retrievers-results.json.
 *
 *   npm run build && npx tsx bench/retrievers.ts
 *
 * The subject returns fixed documents (no store, no network), so the ratio is
 * an upper bound: a vector search takes milliseconds.
 */
import { writeFileSync } from "node:fs";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { BaseRetriever } from "@langchain/core/retrievers";
import { aclEntry, createWarden } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { compare, ROUNDS, type Variant } from "./compare.js";
import { fixed } from "./stats.js";

/** A retriever that returns the same documents every time. */
class FixedRetriever extends BaseRetriever {
  lc_namespace = ["bench"];
  constructor(private readonly documents: DocumentInterface[]) {
    super({});
  }
  override async _getRelevantDocuments(): Promise<DocumentInterface[]> {
    return this.documents;
  }
}

const documentsOf = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      new Document({
        pageContent: `Refund policy note ${i}: orders can be refunded within 30 days of delivery; contact the billing team for exceptions.`,
        metadata: { id: `doc-${i}`, tenant: "acme", readers: [aclEntry("group", "support")] },
      }),
  );

const idp = createTestIdentity();
const sink = memorySink();
const warden = createWarden({
  identity: idp.identity,
  policy: { retrievers: { kb: { scopes: ["kb:read"], documents: { tenantKey: "tenant", aclKey: "readers" } } } },
  audit: { sink },
});
// The same rules without masking: what filtering (and recording) costs on its own.
const unmasked = createWarden({
  identity: idp.identity,
  policy: { retrievers: { kb: { scopes: ["kb:read"], documents: { tenantKey: "tenant", aclKey: "readers" } } } },
  audit: { sink },
  masking: false,
});
const token = await idp.issue({ sub: "bench", tenant: "acme", groups: ["support"], scope: "kb:read" }, { expiresIn: "1h" });
const unmaskedConfig = unmasked.config(await unmasked.authenticate(token));
const config = warden.config(await warden.authenticate(await idp.issue({ sub: "bench", tenant: "acme", groups: ["support"], scope: "kb:read" }, { expiresIn: "1h" })));

const variant = (key: string, retriever: BaseRetriever, withConfig: boolean | "unmasked"): Variant => ({
  key,
  call: () => (withConfig === "unmasked" ? retriever.invoke("refund", unmaskedConfig) : withConfig ? retriever.invoke("refund", config) : retriever.invoke("refund")),
  reset: () => sink.clear(),
});

const ten = new FixedRetriever(documentsOf(10));
const thousand = new FixedRetriever(documentsOf(1_000));
const result = await compare([
  variant("plain, 10 documents", ten, false),
  variant("guarded, 10 documents", warden.retriever(ten, "kb"), true),
  variant("plain, 1,000 documents", thousand, false),
  variant("guarded, 1,000 documents", warden.retriever(thousand, "kb"), true),
  variant("guarded unmasked, 1,000", unmasked.retriever(thousand, "kb"), "unmasked"),
]);
const us = result.us;
const addedTen = fixed(us["guarded, 10 documents"]! - us["plain, 10 documents"]!);
const addedThousand = fixed(us["guarded, 1,000 documents"]! - us["plain, 1,000 documents"]!);
const ratioTen = fixed(us["guarded, 10 documents"]! / us["plain, 10 documents"]!, 3);

console.log(`retriever guard (median of ${ROUNDS} interleaved rounds; tenant + ACL rules, masking on, memory sink)`);
for (const [key, value] of Object.entries(us)) console.log(`  ${key.padEnd(26)} ${String(value).padStart(10)} µs`);
console.log(`  guarded/plain with 10 documents: ×${ratioTen} (+${addedTen} µs)`);
const filteringThousand = fixed(us["guarded unmasked, 1,000"]! - us["plain, 1,000 documents"]!);
console.log(`  rules, masking and record per 1,000 documents: +${addedThousand} µs (${fixed(addedThousand / 1_000, 3)} µs a document)`);
console.log(`  of which rules and record alone (masking off): +${filteringThousand} µs per 1,000 documents`);

writeFileSync(
  new URL("./retrievers-results.json", import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rounds: ROUNDS, us, ratioTen, addedTenUs: addedTen, addedPerThousandUs: addedThousand, filteringPerThousandUs: filteringThousand }, null, 2)}\n`,
);
await warden.close();
