/**
 * Adversarial inputs: every detector must stay linear (no regex that
 * backtracks quadratically, no rescans), so large hostile texts are masked
 * quickly.
 */
import { describe, expect, it } from "vitest";
import { createMasker } from "../../src/masking/index.js";

const SIZE = 200_000;
const repeat = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

const HOSTILE: Record<string, string> = {
  "at signs": repeat("a@"),
  "dotted at signs": repeat("a.b@c."),
  "digits and spaces": repeat("1 "),
  "digit runs": repeat("1234567890"),
  "dashed digits": repeat("12-"),
  "dotted digits": repeat("1.2."),
  "plus and parens": repeat("+(1) "),
  colons: repeat(":"),
  "hex and colons": repeat("ab:"),
  equals: repeat("password="),
  assignments: repeat("token: x "),
  "pem headers": repeat("-----BEGIN RSA PRIVATE KEY-----\n"),
  "jwt prefix": `eyJ${repeat("a")}`,
  "jwt dots": repeat("eyJa."),
  "token prefixes": repeat("ghp_sk-xoxb-AKIA"),
  "url schemes": repeat("https://a:b@"),
  base64: repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkrLw=="),
  "uppercase pairs": repeat("DE89 "),
};

describe("hostile inputs", () => {
  const masker = createMasker();
  for (const [name, text] of Object.entries(HOSTILE)) {
    it(`masks ${name} (${SIZE / 1000} KB) in linear time`, () => {
      const start = performance.now();
      const result = masker.mask(text);
      const elapsed = performance.now() - start;
      expect(typeof result.text).toBe("string");
      expect(elapsed).toBeLessThan(1_500);
    });
  }

  it("streams hostile input in small chunks in linear time", () => {
    const text = HOSTILE["pem headers"] as string;
    const start = performance.now();
    const stream = masker.stream();
    let out = "";
    for (let i = 0; i < text.length; i += 16) out += stream.push(text.slice(i, i + 16));
    out += stream.end();
    expect(out).toBe(masker.mask(text).text);
    expect(performance.now() - start).toBeLessThan(3_000);
  });
});
