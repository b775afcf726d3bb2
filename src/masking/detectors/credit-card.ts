/**
 * Payment card numbers (PAN): 12–19 digits, written contiguously or in the
 * usual groups (4-4-4, 4-4-4-4, 4-4-4-4-3, Amex 4-6-5, Diners 4-6-4)
 * separated by one space or hyphen used consistently. A candidate counts only
 * when its issuer prefix and length match a known brand (Visa, Mastercard,
 * American Express, Discover, JCB, Diners Club, UnionPay, UATP, Dankort,
 * Maestro UK) and its Luhn check digit is right, and when it is not part of a
 * longer number: glued to digits, or one group of a longer sequence of digit
 * groups with the same separator (the digits of a grouped IBAN or account
 * number).
 *
 * @module
 */
import { luhnValid } from "../checksums.js";
import { type NumericFormat, stickyEnd } from "./numeric.js";

/**
 * A card: compact, or grouped with one separator. A card after a lone group
 * of up to four digits (`DE89 3704 …`, `2024 4111 …`) or followed by another
 * group of up to four digits with the same separator is part of a longer
 * number (an expiry date or an address may follow: `4111 1111 1111 1111
 * 12/27`).
 */
const CARD =
  /(?<![\w+-]|\d[.,]|(?:^|[^\w-])[A-Za-z]{0,2}\d{1,4} )\d{4}(?:\d{8,15}(?![\w]|[-.,]\d)|([ -])\d{4}\1\d{4}(?:\1\d{4})?(?:\1\d{3})?(?![\w]|[-.,]\d|\1\d{1,4}(?![\d/.]))|([ -])\d{6}\2\d{4,5}(?![\w]|[-.,]\d|\2\d{1,4}(?![\d/.])))/y;

/** Card brands with their prefixes (as numeric ranges) and lengths. */
const BRANDS: readonly { readonly name: string; readonly ranges: readonly (readonly [number, number])[]; readonly lengths: readonly number[] }[] = [
  { name: "visa", ranges: [[4, 4]], lengths: [13, 16, 19] },
  {
    name: "mastercard",
    ranges: [
      [51, 55],
      [2221, 2720],
    ],
    lengths: [16],
  },
  {
    name: "amex",
    ranges: [
      [34, 34],
      [37, 37],
    ],
    lengths: [15],
  },
  {
    name: "discover",
    ranges: [
      [6011, 6011],
      [644, 649],
      [65, 65],
      [622126, 622925],
    ],
    lengths: [16, 17, 18, 19],
  },
  { name: "jcb", ranges: [[3528, 3589]], lengths: [16, 17, 18, 19] },
  {
    name: "diners",
    ranges: [
      [300, 305],
      [3095, 3095],
      [36, 36],
      [38, 39],
    ],
    lengths: [14, 15, 16, 17, 18, 19],
  },
  { name: "unionpay", ranges: [[62, 62]], lengths: [16, 17, 18, 19] },
  { name: "uatp", ranges: [[1, 1]], lengths: [15] },
  { name: "dankort", ranges: [[5019, 5019]], lengths: [16] },
  {
    name: "maestro-uk",
    ranges: [
      [6759, 6759],
      [676770, 676770],
      [676774, 676774],
    ],
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
  },
];

/** Each brand's ranges with the number of leading digits they compare (the width of `low`). */
const BRAND_PREFIXES = BRANDS.map((brand) => ({
  ...brand,
  ranges: brand.ranges.map(([low, high]) => ({ low, high, width: String(low).length })),
}));

/** The number the first `width` digits of `digits` form. */
function leadingNumber(digits: string, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 10 + (digits.charCodeAt(i) - 48);
  return value;
}

/** The brand of a card number (digits only), or undefined when no brand issues that prefix and length. */
export function cardBrand(digits: string): string | undefined {
  for (const brand of BRAND_PREFIXES) {
    if (!brand.lengths.includes(digits.length)) continue;
    for (const { low, high, width } of brand.ranges) {
      const prefix = leadingNumber(digits, width);
      if (prefix >= low && prefix <= high) return brand.name;
    }
  }
  return undefined;
}

/** Whether a digits-only string is a card number: a brand's prefix and length, and a valid Luhn digit. */
export function isCardNumber(digits: string): boolean {
  return cardBrand(digits) !== undefined && luhnValid(digits);
}

/** Payment card numbers, for the numeric pass. */
export const creditCardFormat: NumericFormat = {
  type: "credit_card",
  reach: 30,
  lookbehind: 8,
  fits: (_text, _start, length) => length === 4 || (length >= 12 && length <= 19),
  matchAt(text, start) {
    const end = stickyEnd(CARD, text, start);
    if (end === -1) return -1;
    const raw = text.slice(start, end);
    const digits = raw.includes(" ") || raw.includes("-") ? raw.replace(/[ -]/g, "") : raw;
    return isCardNumber(digits) ? end : -1;
  },
};
