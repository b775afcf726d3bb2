/**
 * International Bank Account Numbers: a country code, two check digits and
 * the BBAN, written compactly (`DE89370400440532013000`) or in groups
 * separated by single spaces or hyphens, one kind per IBAN
 * (`DE89 3704 0044 0532 0130 00`, `DE89-3704-0044-0532-0130-00`), in upper
 * or lower case but not both (`de89…` counts, `GI75 aWBK…` does not). A
 * candidate counts only with its country's exact length (from the IBAN
 * registry) and a valid ISO 7064 mod 97-10 checksum.
 *
 * @module
 */

import { codeAt, isAlnum, isDigit, isLower, isUpper } from "../chars.js";
import { ibanChecksumValid } from "../checksums.js";
import { type Detector, DIGITS } from "../detector.js";

const START = /(?<![A-Za-z0-9])(?:[A-Z]{2}|[a-z]{2})\d\d/g;

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** Longest IBAN written in groups of four: 34 characters and 8 separators. */
const MAX_WRITTEN = 42;

/** Detector of IBANs. */
export const ibanDetector: Detector = {
  types: ["iban"],
  reach: MAX_WRITTEN + 2,
  lookbehind: 1,
  triggers: DIGITS,
  scan(text, from, out) {
    START.lastIndex = from;
    let m: RegExpExecArray | null;
    while ((m = START.exec(text)) !== null) {
      const start = m.index;
      const upper = isUpper(m[0].charCodeAt(0));
      const length = IBAN_LENGTHS[upper ? m[0].slice(0, 2) : m[0].slice(0, 2).toUpperCase()];
      START.lastIndex = start + 1;
      if (length === undefined) continue;
      const isLetter = upper ? isUpper : isLower;
      let compact = m[0];
      let separator = -1;
      let i = start + 4;
      while (compact.length < length && i < text.length) {
        let c = text.charCodeAt(i);
        if ((c === 32 || c === 45) && (separator === -1 || c === separator) && isAlnum(codeAt(text, i + 1))) {
          separator = c;
          c = text.charCodeAt(++i);
        }
        if (!(isDigit(c) || isLetter(c))) break;
        compact += text[i];
        i++;
      }
      if (compact.length !== length || isAlnum(codeAt(text, i))) continue;
      if (separator === 45 && codeAt(text, i) === 45 && isAlnum(codeAt(text, i + 1))) continue;
      if (!ibanChecksumValid(upper ? compact : compact.toUpperCase())) continue;
      out.push({ type: "iban", start, end: i });
      START.lastIndex = i;
    }
  },
};
