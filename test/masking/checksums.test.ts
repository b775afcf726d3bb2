/**
 * The check-digit functions on their edges: every Federal Reserve prefix range
 * of routing numbers and the prefixes around them, IBAN letters at both ends
 * of the alphabet and characters just outside it, inputs too short to carry
 * a check, and the empty string.
 */
import { describe, expect, it } from "vitest";
import { abaValid, ibanChecksumValid, luhnValid } from "../../src/masking/checksums.js";

const range = (low: number, high: number): number[] => Array.from({ length: high - low + 1 }, (_, i) => low + i);
const two = (n: number): string => String(n).padStart(2, "0");

/** A routing number with `prefix`, body `body` (six digits) and the check digit that makes the 3-7-1 sum a multiple of ten, plus `shift`. */
function routing(prefix: string, body = "000213", shift = 0): string {
  const weights = [3, 7, 1, 3, 7, 1, 3, 7];
  const digits = prefix + body;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(digits[i]) * (weights[i] as number);
  return digits + String((10 - (sum % 10) + shift) % 10);
}

/** Reference mod 97-10 value of an IBAN-like string (letters A–Z as 10–35), with BigInt. */
function mod97(text: string): bigint {
  const rearranged = text.slice(4) + text.slice(0, 4);
  const numeric = [...rearranged].map((c) => (c >= "A" && c <= "Z" ? String(c.charCodeAt(0) - 55) : c)).join("");
  return BigInt(numeric) % 97n;
}

/** `country` + the check digits that make `country`, check digits and `bban` valid + `bban`. */
function withCheck(country: string, bban: string): string {
  const check = 98n - mod97(`${country}00${bban}`);
  return `${country}${String(check).padStart(2, "0")}${bban}`;
}

describe("Luhn", () => {
  it("accepts valid numbers and refuses the empty string and wrong check digits", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
    expect(luhnValid("")).toBe(false);
  });
});

describe("ABA routing numbers", () => {
  const valid = [...range(0, 12), ...range(21, 32), ...range(61, 72), 80];
  const invalid = [...range(13, 20), ...range(33, 60), ...range(73, 79), ...range(81, 99)];

  it("accepts a valid number in every Federal Reserve prefix (00–12, 21–32, 61–72, 80)", () => {
    for (const prefix of valid) expect(abaValid(routing(two(prefix))), two(prefix)).toBe(true);
    expect(abaValid("121000358")).toBe(true);
    expect(abaValid("011000015")).toBe(true);
  });

  it("refuses a right check digit behind any other prefix", () => {
    for (const prefix of invalid) expect(abaValid(routing(two(prefix))), two(prefix)).toBe(false);
  });

  it("refuses every wrong check digit, wrong lengths and all zeros", () => {
    for (const prefix of [1, 12, 21, 32, 61, 72, 80]) {
      for (let shift = 1; shift < 10; shift++) expect(abaValid(routing(two(prefix), "000213", shift)), `${prefix}+${shift}`).toBe(false);
    }
    expect(abaValid("000000000")).toBe(false);
    expect(abaValid(routing("12").slice(0, 8))).toBe(false);
    expect(abaValid(`${routing("12")}0`)).toBe(false);
    expect(abaValid("")).toBe(false);
  });
});

describe("IBAN checksum", () => {
  it("maps the letters at both ends of the alphabet (A = 10, Z = 35)", () => {
    for (const bban of ["AAAA0000000000", "ZZZZ0000000000", "A0000000000000Z", "Z9", "0A"]) {
      const iban = withCheck("GB", bban);
      expect(ibanChecksumValid(iban), iban).toBe(true);
      // The same number with the letter one step off must fail: the mapping is exact.
      const shifted = iban.slice(0, 4) + iban.slice(4).replace(/[A-Z]/, (c) => String.fromCharCode(c === "Z" ? 89 : c.charCodeAt(0) + 1));
      expect(ibanChecksumValid(shifted), shifted).toBe(false);
    }
    expect(ibanChecksumValid("AZ21NABZ00000000137010001944")).toBe(true);
  });

  it("refuses characters just outside digits and capital letters", () => {
    const iban = withCheck("DE", "370400440532013000");
    expect(ibanChecksumValid(iban)).toBe(true);
    for (const c of ["@", "[", "/", ":", "a", "z", " ", "-", "`", "{"]) {
      const broken = `${iban.slice(0, 10)}${c}${iban.slice(11)}`;
      expect(ibanChecksumValid(broken), JSON.stringify(c)).toBe(false);
    }
  });

  it("refuses input too short to hold a country, check digits and a BBAN, and accepts the shortest that does", () => {
    const four = withCheck("XK", "");
    expect(mod97(four)).toBe(1n);
    expect(ibanChecksumValid(four)).toBe(false);
    for (const text of ["", "D", "DE", "DE8"]) expect(ibanChecksumValid(text), text).toBe(false);
    const five = withCheck("XK", "7");
    expect(ibanChecksumValid(five)).toBe(true);
  });
});
