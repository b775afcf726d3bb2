/**
 * Short texts are read once for the characters the detectors need, and a
 * detector none of whose characters occurs is skipped: that must never lose
 * a value. Every labelled value and decoy of the corpus is masked in a short
 * window around it, and again in the same window padded with spaces past the
 * length where every detector runs: both must find the same.
 */
import { describe, expect, it } from "vitest";
import { createMasker } from "../../src/masking/index.js";
import type { Finding } from "../../src/masking/types.js";
import { generateCorpus } from "./corpus.js";

/** Texts up to this long go through the character census (see the engine). */
const CENSUS_LIMIT = 512;

const describeFindings = (findings: readonly Finding[], below: number): string[] => findings.filter((f) => f.start < below).map((f) => `${f.type}@${f.start}-${f.end}`);

describe("short texts", () => {
  it("find in a window around each corpus value what the same window finds with every detector run", () => {
    const masker = createMasker();
    const documents = generateCorpus({ seed: 11, documents: 150 });
    const typesSeen = new Set<string>();
    let windows = 0;
    for (const document of documents) {
      for (const label of [...document.entities, ...document.decoys]) {
        const start = Math.max(0, label.start - 120);
        const end = Math.min(document.text.length, label.end + 40);
        if (end - start >= CENSUS_LIMIT) continue;
        const window = document.text.slice(start, end);
        const short = masker.mask(window).findings;
        const padded = masker.mask(window + " ".repeat(CENSUS_LIMIT + 8 - window.length)).findings;
        expect(describeFindings(short, window.length), window).toEqual(describeFindings(padded, window.length));
        for (const finding of short) typesSeen.add(finding.type);
        windows++;
      }
    }
    expect(windows).toBeGreaterThan(1500);
    // Every detector that can report a value shorter than the limit was exercised.
    expect(typesSeen.size).toBeGreaterThanOrEqual(27);
  });

  it("skip every detector for a text holding none of their characters, and still find a value in a field", () => {
    const masker = createMasker();
    expect(masker.mask("status open").findings).toEqual([]);
    expect(masker.maskDeep({ status: "open", owner: "ana@example.com", note: "call 415 555 0132" }).findings.map((f) => f.type)).toEqual(["email", "phone"]);
  });
});
