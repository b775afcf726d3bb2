/**
 * Masking quality on gitleaks' rule samples (see gitleaks-cases.ts): at
 * least 99% of the secrets masked whole, at most 2% of the clean lines
 * holding a secret finding. Prints the figures per rule.
 */
import { describe, expect, it } from "vitest";
import { createMasker, type Masker, SECRET_TYPES } from "../../src/masking/index.js";
import { gitleaksCases } from "./gitleaks-cases.js";

const secretTypes: ReadonlySet<string> = new Set(SECRET_TYPES);

/** Whether every character of `secret` in `text` lies inside a finding. */
function maskedWhole(masker: Masker, text: string, secret: string): boolean {
  const start = text.indexOf(secret);
  const { findings } = masker.mask(text);
  for (let i = start; i < start + secret.length; i++) if (!findings.some((f) => f.start <= i && f.end > i)) return false;
  return true;
}

describe("gitleaks rule samples", () => {
  const masker = createMasker();
  const { secrets, clean } = gitleaksCases();
  const missed = secrets.filter((c) => !maskedWhole(masker, c.text, c.secret));
  const flagged = clean.filter((c) => masker.mask(c.text).findings.some((f) => secretTypes.has(f.type)));
  const rules = [...new Set([...secrets, ...clean].map((c) => c.rule))];

  it("prints the share of secrets masked and of clean lines flagged, per rule", () => {
    const rows = rules.map((rule) => {
      const total = secrets.filter((c) => c.rule === rule).length;
      const cleanTotal = clean.filter((c) => c.rule === rule).length;
      const masked = total - missed.filter((c) => c.rule === rule).length;
      const wrong = flagged.filter((c) => c.rule === rule).length;
      return `${rule.padEnd(12)} ${String(masked).padStart(4)}/${String(total).padEnd(4)} masked   ${String(wrong).padStart(3)}/${String(cleanTotal).padEnd(3)} clean lines flagged`;
    });
    console.log(
      [
        ...rows,
        `all          ${(((secrets.length - missed.length) / secrets.length) * 100).toFixed(1)}% masked, ${((flagged.length / clean.length) * 100).toFixed(1)}% of clean lines flagged`,
      ].join("\n"),
    );
    expect(secrets.length).toBeGreaterThan(500);
    expect(clean.length).toBeGreaterThan(100);
  });

  it("masks at least 99% of the secrets whole", () => {
    expect(missed.length / secrets.length, missed.map((c) => c.text).join("\n---\n")).toBeLessThanOrEqual(0.01);
  });

  it("flags at most 2% of the clean lines", () => {
    expect(flagged.length / clean.length, flagged.map((c) => c.text).join("\n---\n")).toBeLessThanOrEqual(0.02);
  });
});
