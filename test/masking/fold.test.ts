/**
 * Text that defeats exact matching: fullwidth forms, invisible characters
 * inside a value and non-ASCII spaces between its groups. The value is found
 * and its original characters, the invisible ones included, are replaced.
 */
import { describe, expect, it } from "vitest";
import { foldText } from "../../src/masking/fold.js";
import { createMasker } from "../../src/masking/index.js";

const masker = createMasker();
const ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"];
const SPACES = ["\u00a0", "\u202f", "\u2007"];

/** `value` with `between` inserted after every character but the last. */
const spread = (value: string, between: string): string => [...value].join(between);
/** Fullwidth twin of ASCII text. */
const fullwidth = (text: string): string => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** Masks `before + value + after` and checks that exactly `value` was replaced by one finding of `type`. */
function expectMasked(value: string, type: string, before = "value ", after = " end"): void {
  const text = before + value + after;
  const { text: out, findings } = masker.mask(text);
  expect(
    findings.map((f) => [f.type, text.slice(f.start, f.end)]),
    JSON.stringify(text),
  ).toEqual([[type, value]]);
  expect(out).toBe(`${before}[${type.toUpperCase()}]${after}`);
}

describe("folding", () => {
  it("finds values written in fullwidth digits and with a fullwidth @", () => {
    expectMasked(fullwidth("4111 1111 1111 1111"), "credit_card");
    expectMasked("ana＠example.com", "email");
    expectMasked(fullwidth("ana@example.com"), "email");
    expectMasked(fullwidth("DE89 3704 0044 0532 0130 00"), "iban");
    expectMasked(fullwidth("123-45-6789"), "ssn");
    expectMasked(fullwidth("+1 415 555 2671"), "phone");
    expectMasked(fullwidth("192.168.10.20"), "ipv4");
  });

  it("finds values with invisible characters inside, and replaces those characters too", () => {
    for (const zw of ZW) {
      expectMasked(spread("4111111111111111", zw), "credit_card");
      expectMasked(`ana${zw}@exam${zw}ple.com`, "email");
      expectMasked(`DE89${zw}370400440532013000`, "iban");
      expectMasked(`123-45${zw}-6789`, "ssn");
      expectMasked(`(415) 555${zw}-2671`, "phone");
      expectMasked(`00:1A:2B${zw}:3C:4D:5E`, "mac_address");
    }
  });

  it("leaves invisible characters around a value in place", () => {
    const text = "card \u200b4111 1111 1111 1111\u200b.";
    expect(masker.mask(text).text).toBe("card \u200b[CREDIT_CARD]\u200b.");
  });

  it("reads non-breaking and other non-ASCII spaces as separators", () => {
    for (const space of SPACES) {
      expectMasked(["4111", "1111", "1111", "1111"].join(space), "credit_card");
      expectMasked(["DE89", "3704", "0044", "0532", "0130", "00"].join(space), "iban");
      expectMasked(["123", "45", "6789"].join(space), "ssn");
      expectMasked(["+44", "20", "7946", "0958"].join(space), "phone");
    }
    expectMasked("4111\u30001111\u30001111\u30001111", "credit_card");
  });

  it("finds lower-case IBANs", () => {
    expectMasked("de89 3704 0044 0532 0130 00", "iban");
    expectMasked(fullwidth("gb82west12345698765432"), "iban");
  });

  it("lets context words with invisible characters in them count", () => {
    expectMasked("123456789", "ssn", "S\u200bSN: ");
    expectMasked("021000021", "aba_routing", "rout\u00ading number ");
  });

  it("skips the pass for text without such characters, and maps folded characters one to one", () => {
    expect(foldText("plain ASCII text, 4111 1111 1111 1111 and é ü ß")).toBeUndefined();
    const folded = foldText("a\u200bb\u00a0ｃ") as NonNullable<ReturnType<typeof foldText>>;
    expect(folded.text).toBe("ab c");
    expect([...folded.origin]).toEqual([0, 2, 3, 4, 5]);
  });

  it("folds a character found after other non-ASCII text, in the same run of it or a later one", () => {
    expect(foldText("€ 12, café")).toBeUndefined();
    expect(foldText("€ 12, é\u00a0ü")?.text).toBe("€ 12, é ü");
    expect(foldText("€ 12, café, ＠")?.text).toBe("€ 12, café, @");
  });

  it("streams such values split across chunks, however many invisible characters pad them", () => {
    for (const value of [
      spread("4111111111111111", "\u200b"),
      spread("4111111111111111", "\u200b".repeat(200)),
      fullwidth("ana@example.com"),
      "4111\u00a01111\u00a01111\u00a01111",
    ]) {
      const text = `before ${value} after, and more text to stream past it`;
      const whole = masker.mask(text).text;
      expect(whole).not.toMatch(/[0-9０-９@＠]/);
      for (const size of [1, 2, 7, 64]) {
        const stream = masker.stream();
        let out = "";
        for (let i = 0; i < text.length; i += size) out += stream.push(text.slice(i, i + size));
        out += stream.end();
        expect(out, `chunks of ${size}`).toBe(whole);
      }
    }
  });
});
