/**
 * Detection quality on a labelled corpus: recall and precision per type,
 * printed as a table, and decoys that must come through untouched.
 */
import { describe, expect, it } from "vitest";
import { BUILTIN_TYPES, createMasker, SECRET_TYPES } from "../../src/masking/index.js";
import { CORPUS_TYPES, generateCorpus } from "./corpus.js";

interface Score {
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
}

const CHECKSUM_TYPES = ["credit_card", "iban", "ssn", "aba_routing"];

describe("detection quality on a labelled corpus", () => {
  const documents = generateCorpus({ seed: 42, documents: 500 });
  const masker = createMasker();
  const scores = new Map<string, Score>(CORPUS_TYPES.map((t) => [t, { truePositives: 0, falseNegatives: 0, falsePositives: 0 }]));
  const decoyHits: string[] = [];
  const misses: string[] = [];
  const extras: string[] = [];

  for (const doc of documents) {
    const { findings } = masker.mask(doc.text);
    const matched = new Set<number>();
    for (const entity of doc.entities) {
      const score = scores.get(entity.type) as Score;
      const index = findings.findIndex((f, i) => !matched.has(i) && f.type === entity.type && f.start < entity.end && f.end > entity.start);
      if (index === -1) {
        score.falseNegatives++;
        misses.push(`${entity.type}: ${doc.text.slice(entity.start, entity.end)}`);
      } else {
        matched.add(index);
        score.truePositives++;
      }
    }
    findings.forEach((finding, index) => {
      if (matched.has(index)) return;
      const score = scores.get(finding.type);
      if (score !== undefined) score.falsePositives++;
      extras.push(`${finding.type}: ${doc.text.slice(Math.max(0, finding.start - 20), finding.end + 5)}`);
    });
    for (const decoy of doc.decoys) {
      if (findings.some((f) => f.start < decoy.end && f.end > decoy.start)) decoyHits.push(`${decoy.type}: ${doc.text.slice(decoy.start, decoy.end)}`);
    }
  }

  const recall = (s: Score) => s.truePositives / (s.truePositives + s.falseNegatives);
  const precision = (s: Score) => (s.truePositives + s.falsePositives === 0 ? 1 : s.truePositives / (s.truePositives + s.falsePositives));

  it("prints recall and precision per type", () => {
    const rows = [...scores].map(
      ([type, s]) =>
        `${type.padEnd(18)} ${String(s.truePositives + s.falseNegatives).padStart(5)} ${(recall(s) * 100).toFixed(1).padStart(7)} ${(precision(s) * 100).toFixed(1).padStart(9)}`,
    );
    const decoys = documents.reduce((n, d) => n + d.decoys.length, 0);
    console.log([`type                  n  recall%  precision%   (${documents.length} documents, ${decoys} decoys, ${decoyHits.length} decoys masked)`, ...rows].join("\n"));
    expect(rows).toHaveLength(CORPUS_TYPES.length);
    // The corpus labels every built-in type: a type added without a generator would go unmeasured.
    expect([...CORPUS_TYPES].sort()).toEqual([...BUILTIN_TYPES].sort());
    for (const s of scores.values()) expect(s.truePositives + s.falseNegatives).toBeGreaterThanOrEqual(100);
  });

  it("finds checksum-validated values with at least 99% recall and precision", () => {
    for (const type of CHECKSUM_TYPES) {
      const s = scores.get(type) as Score;
      expect(recall(s), `${type} recall`).toBeGreaterThanOrEqual(0.99);
      expect(precision(s), `${type} precision`).toBeGreaterThanOrEqual(0.99);
    }
  });

  it("finds every secret in the corpus and reports no false secret", () => {
    for (const type of CORPUS_TYPES.filter((t) => (SECRET_TYPES as readonly string[]).includes(t))) {
      const s = scores.get(type) as Score;
      expect(recall(s), `${type} recall`).toBe(1);
      expect(s.falsePositives, `${type} false positives`).toBe(0);
    }
  });

  it("finds the other personal data with at least 99% recall and precision", () => {
    for (const type of ["email", "phone", "ipv4", "ipv6", "mac_address"]) {
      const s = scores.get(type) as Score;
      expect(recall(s), `${type} recall`).toBeGreaterThanOrEqual(0.99);
      expect(precision(s), `${type} precision`).toBeGreaterThanOrEqual(0.99);
    }
    expect(misses).toEqual([]);
    expect(extras).toEqual([]);
  });

  it("masks no decoy", () => {
    expect(decoyHits).toEqual([]);
  });
});
