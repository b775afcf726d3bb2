/**
 * Recall and false positives of the default masker on Presidio's recognizer
 * test cases (see presidio-cases.ts for the source). A value counts as masked
 * when one finding covers it whole; a finding that overlaps no expected value
 * is a false positive.
 */
import { describe, expect, it } from "vitest";
import { createMasker, type Masker } from "../../src/masking/index.js";
import { PRESIDIO_PHONE_REGIONS, PRESIDIO_SUITES, type Suite } from "./presidio-cases.js";

interface Tally {
  expected: number;
  masked: number;
  findings: number;
  falsePositives: number;
  misses: string[];
  extras: string[];
}

/** Scores `masker` on one suite. */
function score(suite: Suite, masker: Masker): Tally {
  const tally: Tally = { expected: 0, masked: 0, findings: 0, falsePositives: 0, misses: [], extras: [] };
  for (const [text, values] of suite.cases) {
    const { findings } = masker.mask(text);
    const wanted: [number, number][] = [];
    let from = 0;
    for (const value of values) {
      const start = text.indexOf(value, from);
      if (start === -1) throw new Error(`case "${text}" does not hold "${value}"`);
      wanted.push([start, start + value.length]);
      from = start + value.length;
    }
    for (const [start, end] of wanted) {
      tally.expected++;
      if (findings.some((f) => f.start <= start && f.end >= end)) tally.masked++;
      else tally.misses.push(`${suite.name}: ${text.slice(start, end)}`);
    }
    for (const f of findings) {
      tally.findings++;
      if (!wanted.some(([start, end]) => f.start < end && f.end > start)) {
        tally.falsePositives++;
        tally.extras.push(`${suite.name}: ${f.type} ${text.slice(f.start, f.end)} in "${text}"`);
      }
    }
  }
  return tally;
}

/**
 * Values left unmasked by design: bare nine-digit numbers with no SSN or
 * routing word before them (one nine-digit number in ten passes the routing
 * checksum, and most are other identifiers), an SSN split 3-6 (Presidio
 * scores it "very weak"; its 5-4 twin is masked as a UK mobile number when
 * GB is among the phone regions), and a dotted quad inside a longer dotted sequence
 * (a version or an OID, not an address).
 */
const KNOWN_MISSES = ["ssn: 078-051121", "ssn: 078051121", "aba_routing: 121000358", "aba_routing: 121042882", "ip: 192.168.1.1"];

describe("Presidio's recognizer test cases", () => {
  const masker = createMasker({ phoneRegions: [...PRESIDIO_PHONE_REGIONS] });
  const tallies = PRESIDIO_SUITES.map((suite) => ({ name: suite.name, ...score(suite, masker) }));
  const total = tallies.reduce(
    (sum, t) => ({
      expected: sum.expected + t.expected,
      masked: sum.masked + t.masked,
      findings: sum.findings + t.findings,
      falsePositives: sum.falsePositives + t.falsePositives,
    }),
    {
      expected: 0,
      masked: 0,
      findings: 0,
      falsePositives: 0,
    },
  );

  it("prints recall and false positives per suite", () => {
    const pct = (a: number, b: number) => (b === 0 ? "-" : ((a / b) * 100).toFixed(1));
    const rows = tallies.map(
      (t) => `${t.name.padEnd(12)} ${String(t.expected).padStart(4)} ${pct(t.masked, t.expected).padStart(7)} ${String(t.falsePositives).padStart(4)}/${t.findings}`,
    );
    console.log(
      [
        "suite     expected recall%  false positives/findings",
        ...rows,
        `all          ${total.expected} ${pct(total.masked, total.expected)} ${total.falsePositives}/${total.findings}`,
      ].join("\n"),
    );
    expect(total.expected).toBeGreaterThan(250);
  });

  it("masks at least 99% of the values outside the documented misses, and reports no false positive", () => {
    const misses = tallies.flatMap((t) => t.misses);
    expect(misses).toEqual(KNOWN_MISSES);
    expect(tallies.flatMap((t) => t.extras)).toEqual([]);
    expect(total.masked / total.expected).toBeGreaterThanOrEqual(0.98);
    expect(total.falsePositives / total.findings).toBeLessThanOrEqual(0.02);
  });
});
