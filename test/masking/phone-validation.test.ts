/**
 * Differential test of the phone-number parser the phone detector uses
 * (src/masking/detectors/phone-validation.ts) against libphonenumber-js
 * itself: on a large seeded set of inputs, every result must be the one
 * `parsePhoneNumberFromString(text, { defaultCountry, extract: false })`
 * gives, down to the country, the national number, `isValid()`, `isPossible()` and
 * `formatNational()`.
 */
import { allFakers, base, Faker } from "@faker-js/faker";
import { type CountryCode, getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it } from "vitest";
import { numberingPlanOf, type ParsedPhoneNumber, PhoneNumberParser } from "../../src/masking/detectors/phone-validation.js";

const COUNTRIES = getCountries();
/** Default countries with unusual national prefix rules (transform rules, carrier codes, shared calling codes, prefixes that are also leading digits). */
const TRICKY_DEFAULTS: readonly CountryCode[] = [
  "US",
  "CA",
  "AG",
  "VI",
  "GB",
  "IM",
  "DE",
  "IT",
  "VA",
  "RU",
  "KZ",
  "BY",
  "AR",
  "BR",
  "MX",
  "CO",
  "FR",
  "IN",
  "AU",
  "CX",
  "CN",
  "JP",
  "KR",
  "NZ",
  "FI",
  "AX",
  "MA",
  "RE",
  "SH",
  "GP",
  "CW",
  "NO",
  "SE",
  "HU",
  "UZ",
  "TR",
  "ID",
];
/** The country of faker's locales named by language only. */
const LOCALE_COUNTRY: Readonly<Record<string, CountryCode>> = {
  ar: "SA",
  az: "AZ",
  cy: "GB",
  da: "DK",
  de: "DE",
  dv: "MV",
  el: "GR",
  es: "ES",
  fa: "IR",
  fi: "FI",
  fr: "FR",
  he: "IL",
  hr: "HR",
  hu: "HU",
  hy: "AM",
  it: "IT",
  ja: "JP",
  ko: "KR",
  lv: "LV",
  mk: "MK",
  ne: "NP",
  nl: "NL",
  pl: "PL",
  ro: "RO",
  ru: "RU",
  sk: "SK",
  sv: "SE",
  th: "TH",
  tr: "TR",
  uk: "UA",
  ur: "PK",
  vi: "VN",
};
/** The alphabet of the phone scanner's candidates. */
const RUN_TEXT = /^[\d ()+.-]*$/;

const random = new Faker({ locale: [base] });
random.seed(20261123);
const pick = <T>(items: readonly T[]): T => random.helpers.arrayElement(items);
const int = (min: number, max: number): number => random.number.int({ min, max });
const digits = (length: number): string => random.string.numeric({ length, allowLeadingZeros: true });

/** `digitString` cut into groups of 1–5 digits joined by one separator style, sometimes with the first group in parentheses. */
function grouped(digitString: string): string {
  const separator = pick([" ", " ", "-", ".", "", " - "]);
  const groups: string[] = [];
  for (let i = 0; i < digitString.length; ) {
    const size = int(1, 5);
    groups.push(digitString.slice(i, i + size));
    i += size;
  }
  if (groups.length > 1 && random.datatype.boolean(0.2)) groups[0] = `(${groups[0]})`;
  return groups.join(separator);
}

/** Variants of a number that are almost it: a digit changed, dropped, added or swapped, a misplaced `+` or parenthesis. */
function nearMisses(text: string): string[] {
  const positions = [...text].flatMap((c, i) => (c >= "0" && c <= "9" ? [i] : []));
  if (positions.length === 0) return [];
  const at = pick(positions);
  const other = String((Number(text[at]) + int(1, 9)) % 10);
  const next = positions[positions.indexOf(at) + 1];
  const swapped = next === undefined ? text : text.slice(0, at) + text[next] + text.slice(at + 1, next) + text[at] + text.slice(next + 1);
  return [
    text.slice(0, at) + other + text.slice(at + 1),
    text.slice(0, at) + text.slice(at + 1),
    text.slice(0, at) + other + text.slice(at),
    swapped,
    `${text}${other}`,
    `${text.slice(0, at)}+${text.slice(at)}`,
    `+${text}`,
    `++${text.replace(/^\+/, "")}`,
    text.replace(/^\+/, ""),
    text.slice(0, at) + pick(["(", ")", "-", ".", " "]) + text.slice(at),
  ];
}

/** Keeps only the scanner's alphabet: extensions dropped, other separators turned into spaces. */
const toRunText = (text: string): string =>
  text
    .replace(/\s*(?:x|ext\.?|poste|,|#).*$/i, "")
    .replace(/[^\d ()+.-]/g, " ")
    .replace(/ {2,}/g, " ")
    .trim();

/** Inputs: faker numbers of every locale, numbers of every calling code, example numbers, random digit strings, near-misses. */
function inputs(): { text: string; defaults: CountryCode[] }[] {
  const cases: { text: string; defaults: CountryCode[] }[] = [];
  const add = (text: string, ...defaults: CountryCode[]) => cases.push({ text, defaults: [...new Set<CountryCode>(["US", ...defaults, pick(COUNTRIES)])] });

  // faker's phone numbers, every locale and style, raw and reduced to the scanner's alphabet.
  let seed = 1;
  for (const [locale, faker] of Object.entries(allFakers)) {
    if (locale === "base") continue;
    faker.seed(seed++);
    const region = locale.split("_")[1];
    const country = (region !== undefined && (COUNTRIES as readonly string[]).includes(region) ? region : LOCALE_COUNTRY[locale.split("_")[0] as string]) as
      | CountryCode
      | undefined;
    for (let i = 0; i < 150; i++) {
      const text = faker.phone.number({ style: pick(["human", "national", "international"] as const) });
      const defaults = country === undefined ? [pick(TRICKY_DEFAULTS)] : [country];
      add(text, ...defaults);
      add(toRunText(text), ...defaults);
      if (i % 3 === 0) for (const miss of nearMisses(toRunText(text))) add(miss, ...defaults);
    }
  }

  // Example numbers of every country, in each way of writing them, and their near-misses.
  for (const country of COUNTRIES) {
    const example = getExampleNumber(country, examples);
    if (example === undefined) continue;
    const written = [
      example.number,
      example.formatInternational(),
      example.formatNational(),
      `00${example.countryCallingCode} ${example.nationalNumber}`,
      `011 ${example.countryCallingCode} ${example.nationalNumber}`,
      `${example.countryCallingCode}${example.nationalNumber}`,
    ];
    for (const text of written) {
      add(text, country, pick(TRICKY_DEFAULTS));
      for (const miss of nearMisses(text)) add(miss, country);
    }
  }

  // Numbers of every calling code: national numbers of the plan's lengths (and one off), with `+`, an IDD prefix or neither.
  const callingCodes = new Set<string>([...COUNTRIES.map((c) => getCountryCallingCode(c)), "800", "808", "870", "878", "881", "882", "883", "888", "979"]);
  for (const callingCode of callingCodes) {
    const lengths = numberingPlanOf(callingCode).possibleLengths() ?? [8];
    for (let i = 0; i < 40; i++) {
      const national = digits(Math.max(1, pick(lengths) + pick([0, 0, 0, -1, 1])));
      const prefix = pick([`+${callingCode} `, `+${callingCode}`, `00${callingCode} `, `011 ${callingCode} `, `${callingCode} `, "0", "", "8 ", "1 "]);
      add(prefix + grouped(national), pick(TRICKY_DEFAULTS), pick(COUNTRIES));
    }
  }

  // Random digit strings of 6–16 digits in various groupings, with and without `+` and common prefixes.
  for (let i = 0; i < 12_000; i++) {
    const text = pick(["", "", "+", "+1 ", "0", "00", "1-", "(0)"]) + grouped(digits(int(6, 16)));
    add(text, pick(TRICKY_DEFAULTS));
  }

  // Edge lengths and shapes.
  for (const text of [
    "",
    "+",
    "1",
    "12",
    "+12",
    "123",
    "+123",
    "(12)",
    "12-",
    "--",
    "+0 123 456",
    "+1",
    "+1 2",
    "0".repeat(18),
    "1".repeat(17),
    `+${"9".repeat(20)}`,
    `4${"1".repeat(260)}`,
    "+1 (415) 555-2671",
    "+1 415 +555 2671",
    "1 800 FLOWERS",
    "tel:+14155552671",
    "+1 415 555 2671 ext. 12",
    "011 44 20 7946 0958",
    "0011 61 2 9374 4000",
  ]) {
    for (const country of TRICKY_DEFAULTS) add(text, country);
  }
  return cases;
}

/** Everything phone detection can read from a parse: whether it parsed, the country, calling code and national number, validity, possibility and national format. */
function reading(number: ParsedPhoneNumber | undefined): string {
  if (number === undefined) return "not a number";
  return `${number.country ?? "-"} +${number.countryCallingCode} ${number.nationalNumber} valid=${number.isValid()} possible=${number.isPossible()} national="${number.formatNational()}"`;
}

describe("phone number parser", () => {
  it("reads every input as libphonenumber-js does", () => {
    const parsers = new Map<CountryCode, PhoneNumberParser>();
    const mismatches: string[] = [];
    let compared = 0;
    let ported = 0;
    let valid = 0;
    for (const { text, defaults } of inputs()) {
      for (const defaultCountry of defaults) {
        let parser = parsers.get(defaultCountry);
        if (parser === undefined) parsers.set(defaultCountry, (parser = new PhoneNumberParser(defaultCountry)));
        const expected = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
        const actual = reading(parser.parse(text));
        if (actual !== reading(expected)) mismatches.push(`${JSON.stringify(text)} (${defaultCountry}): expected ${reading(expected)}, got ${actual}`);
        compared++;
        if (RUN_TEXT.test(text)) ported++;
        if (expected?.isValid()) valid++;
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(mismatches.length).toBe(0);
    // The set is large and mixed: mostly text the port handles itself, valid and invalid numbers alike.
    expect(compared).toBeGreaterThan(100_000);
    expect(ported / compared).toBeGreaterThan(0.8);
    expect(valid / compared).toBeGreaterThan(0.15);
    expect(valid / compared).toBeLessThan(0.85);
  });
});
