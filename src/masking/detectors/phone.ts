/**
 * Phone numbers, validated with libphonenumber-js (full metadata): only
 * numbers valid for their country are reported.
 *
 * Validation costs a few microseconds a candidate (libphonenumber's own
 * parse takes tens; see the phone-validation module), so it only sees
 * candidates that survive cheap checks:
 *
 * 1. The numeric pass cuts the text into runs: maximal stretches of digits,
 *    spaces, `+`, `(`, `)`, `-` and `.` (at most 128 characters; a longer run
 *    is a table of numbers, not a phone number). A run with fewer than seven
 *    digits is skipped; the others are split at spaces into parts.
 * 2. A window of consecutive parts is a candidate when it starts with `+` and
 *    holds 8–15 digits (E.164, any country), or holds as many digits as a
 *    national number of one of the configured regions (with or without the
 *    national prefix), grouped as one of its national formats groups digits (from the libphonenumber
 *    metadata: `415 555 0132` or `1-800-555-0199` for the US, not
 *    `3704 0044 05`). A single part that is a dotted quad or a date is not a
 *    candidate, and neither is a part glued to the word or number before it
 *    (`ORD-2024-…`, `1,299`), nor a window with a group of bare digits on
 *    each side (`… 1904 3002 3457 320`: the middle of a longer number).
 * 3. A national number written as bare digits (`4155550132`) needs a phone
 *    word (`phone`, `tel`, `mobile`, `cell`, `fax`, `call`, `sms`,
 *    `whatsapp`, `contact`) in the 32 characters before it: bare runs of ten
 *    digits are far more often identifiers and timestamps.
 *
 * At each part that can start a candidate, the candidate windows (whole
 * parts, longest first) are parsed as libphonenumber's
 * `parsePhoneNumberFromString` parses them (each region in turn as the
 * default country, `extract: false`: the whole window must be the number), by
 * {@link PhoneNumberParser}, which gives the library's results with its
 * metadata's regular expressions compiled once; the first window that is a
 * valid number and, written without `+`, is grouped as its country formats
 * it (`415 555 0132`, not `415555 0132`) is reported, and the scan resumes
 * after it. After a phone word, a number the plan calls unassigned but whose
 * length it allows (`call 555-234-5678`) is reported too: someone wrote it as
 * a phone number. Verdicts are cached per window text.
 *
 * @module
 */
import type { CountryCode } from "libphonenumber-js/max";
import { codeAt, isDigit, isWord } from "../chars.js";
import type { Span } from "../types.js";
import type { RunScanner } from "./numeric.js";
import { numberingPlanOf, PhoneNumberParser } from "./phone-validation.js";

const MAX_RUN = 128;
const CACHE_SIZE = 4096;
const PHONE_WORD = /\b(?:phone|tel|mobile|cell|fax|call|sms|whatsapp|contact)/i;
/** A phone word right before a number (`phone: `, `call me at `, `tel. no. `, `mobile #`). */
const PHONE_WORD_RIGHT_BEFORE =
  /\b(?:(?:tele)?phone|tel|mobile|cell(?:phone)?|fax|call|sms|text|whatsapp|contact)\b\.?(?:\s+(?:number|no\.?|nr\.?|num|me|us|at|on))*\s*[:=#-]?\s*$/i;

interface Part {
  readonly start: number;
  readonly end: number;
  readonly digits: number;
  readonly plus: boolean;
  /** Only digits: no separator, parenthesis or plus. */
  readonly bare: boolean;
  /** A dotted quad or a date: never a phone number on its own. */
  readonly numberLike: boolean;
  /** Glued to the word or number before the run: cannot start a candidate. */
  readonly glued: boolean;
  /** Digit count of each digit group, in order. */
  readonly groups: readonly number[];
}

/** Reads the part `text[start, end)`. */
function readPart(text: string, start: number, end: number, glued: boolean): Part {
  let digits = 0;
  let dots = 0;
  let other = 0;
  const groups: number[] = [];
  let group = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      digits++;
      group++;
      continue;
    }
    if (group > 0) groups.push(group);
    group = 0;
    if (c === 46) dots++;
    else other++;
  }
  if (group > 0) groups.push(group);
  const [a, b, c] = groups;
  const date = groups.length === 3 && ((a === 4 && b === 2 && c === 2) || (a === 2 && b === 2 && c === 4) || (a === 1 && c === 4) || (b === 1 && c === 4));
  const quad = dots >= 3 && other === 0;
  return { start, end, digits, plus: text.charCodeAt(start) === 43, bare: dots + other === 0, numberLike: date || quad, glued, groups };
}

/**
 * Whether a national number is grouped the way its country writes it: every
 * digit group but the last equals the group at the same place in the national
 * format, and the last holds the rest (`650 253 0000`, `650 2530000`,
 * `(650) 253-0000`, `1-650-253-0000`; not `650253 0000` or `65 02 53 00 00`).
 * Numbers written with `+`, and bare runs of digits, are not checked.
 */
function groupedAsFormatted(text: string, national: () => string): boolean {
  if (text.includes("+")) return true;
  const groups = text.match(/\d+/g) ?? [];
  if (groups.length <= 1) return true;
  const expected = national().match(/\d+/g) ?? [];
  if (groups.length > 1 && groups.join("").length > expected.join("").length) groups.shift();
  for (let i = 0; i < groups.length - 1; i++) if (groups[i] !== expected[i]) return false;
  return groups[groups.length - 1] === expected.slice(groups.length - 1).join("");
}

/** What the default country's numbering plan says about national numbers. */
interface NationalPlan {
  /** Digit counts of a national number, with or without national prefix or calling code. */
  readonly lengths: ReadonlySet<number>;
  /** Group sizes of each national format, as `[min, max]` per group. */
  readonly formats: readonly (readonly (readonly [number, number])[])[];
  /** Lengths of the national prefix and of the calling code (digits that may lead a national number). */
  readonly leads: readonly number[];
}

/** Reads the numbering plan of `country` from libphonenumber's metadata. */
function nationalPlan(country: CountryCode): NationalPlan {
  const plan = numberingPlanOf(country);
  const lengths = new Set<number>(plan.possibleLengths() ?? [7, 8, 9, 10, 11, 12]);
  const prefix = plan.nationalPrefix()?.length ?? 0;
  const calling = plan.callingCode().length;
  for (const length of [...lengths]) {
    if (prefix > 0) lengths.add(length + prefix);
    lengths.add(length + calling);
  }
  const formats = plan.formats().map((format) =>
    [...format.pattern().matchAll(/\(\\d(?:\{(\d+)(?:,(\d+))?\})?\)/g)].map((g) => {
      const min = g[1] === undefined ? 1 : Number(g[1]);
      return [min, g[2] === undefined ? min : Number(g[2])] as const;
    }),
  );
  return { lengths, formats: formats.filter((f) => f.length > 0), leads: [prefix, calling].filter((n) => n > 0) };
}

/**
 * Whether digit groups of these sizes can be a national number written the
 * way one of the countries' formats groups it: every group but the last fits
 * the format's group at that place (the first may carry the national prefix,
 * or the prefix or calling code may stand alone before it), and the last
 * holds the rest. Checked before validation so that grouped numbers of
 * other kinds (`3704 0044 0532`, `133852 73912`) cost nothing.
 */
function groupingFits(plans: readonly NationalPlan[], sizes: readonly number[]): boolean {
  return plans.some((plan) => planGroupingFits(plan, sizes));
}

/** {@link groupingFits} for one country. */
function planGroupingFits(plan: NationalPlan, sizes: readonly number[]): boolean {
  if (sizes.length <= 1 || plan.formats.length === 0) return true;
  const variants: (readonly number[])[] = [sizes];
  for (const lead of plan.leads) {
    if (sizes[0] === lead) variants.push(sizes.slice(1));
    if ((sizes[0] as number) > lead) variants.push([(sizes[0] as number) - lead, ...sizes.slice(1)]);
  }
  for (const groups of variants) {
    if (groups.length <= 1) return true;
    for (const format of plan.formats) {
      if (groups.length > format.length) continue;
      let ok = true;
      for (let i = 0; ok && i < groups.length - 1; i++) {
        const [min, max] = format[i] as readonly [number, number];
        ok = (groups[i] as number) >= min && (groups[i] as number) <= max;
      }
      if (!ok) continue;
      let min = 0;
      let max = 0;
      for (let i = groups.length - 1; i < format.length; i++) {
        min += (format[i] as readonly [number, number])[0];
        max += (format[i] as readonly [number, number])[1];
      }
      const last = groups[groups.length - 1] as number;
      if (last >= min && last <= max) return true;
    }
  }
  return false;
}

/** A run with the parts that may start a phone number. */
interface PendingRun {
  readonly parts: readonly Part[];
  /** Parts that may start a number, in order. */
  readonly starts: readonly number[];
  /** For each start, the last parts of its windows that may be a number, longest window first. */
  readonly ends: readonly (readonly number[])[];
  readonly gluedAfter: boolean;
}

/** What a window of text is, as a phone number: none, possible (a phone number only after a phone word) or valid. */
type Verdict = typeof NONE | typeof POSSIBLE | typeof VALID;
/** Not a number of any region, or not grouped as its country writes it. */
const NONE = 0;
/** Of a length the plan allows, but unassigned. */
const POSSIBLE = 1;
/** A valid number. */
const VALID = 2;

/**
 * Creates the phone scanner of the numeric pass. Numbers without `+` are read
 * as numbers of each of `regions` in turn (ISO 3166 alpha-2 codes); numbers
 * with `+` are validated for their own country.
 */
export function phoneScanner(regions: readonly CountryCode[] = ["US"]): RunScanner {
  // Read from the metadata on the first run that may hold a number, not when the masker is made.
  let plans: readonly NationalPlan[] = [];
  let lengths: ReadonlySet<number> = new Set();
  let parsers: readonly PhoneNumberParser[] = [];
  let loaded = false;
  const load = (): void => {
    plans = regions.map(nationalPlan);
    lengths = new Set(plans.flatMap((plan) => [...plan.lengths]));
    parsers = regions.map((region) => new PhoneNumberParser(region));
    loaded = true;
  };
  const cache = new Map<string, Verdict>();

  /** The verdict on `candidate`, whole: the best over the regions. */
  const verdictOf = (candidate: string): Verdict => {
    let verdict = cache.get(candidate);
    if (verdict !== undefined) return verdict;
    verdict = NONE;
    // A number with `+` reads the same whatever the region.
    const tried = candidate.charCodeAt(0) === 43 ? parsers.slice(0, 1) : parsers;
    for (const parser of tried) {
      const number = parser.parse(candidate);
      if (number === undefined || !groupedAsFormatted(candidate, () => number.formatNational())) continue;
      if (number.isValid()) {
        verdict = VALID;
        break;
      }
      if (number.isPossible()) verdict = POSSIBLE;
    }
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(candidate, verdict);
    return verdict;
  };

  /** Whether `text[start, end)` is, whole, a phone number: valid, or possible right after a phone word. */
  const isPhone = (text: string, start: number, end: number): boolean => {
    const verdict = verdictOf(text.slice(start, end));
    return verdict === VALID || (verdict === POSSIBLE && PHONE_WORD_RIGHT_BEFORE.test(text.slice(Math.max(0, start - 40), start)));
  };

  const hasPhoneWord = (text: string, start: number): boolean => PHONE_WORD.test(text.slice(Math.max(0, start - 32), start));

  /** Last parts of the windows starting at part `a` that can be a phone number, longest first (empty when none). */
  const windowEnds = (text: string, parts: readonly Part[], a: number): number[] => {
    const ends: number[] = [];
    const first = parts[a] as Part;
    if (first.glued) return ends;
    let digits = 0;
    const sizes: number[] = [];
    for (let b = a; b < parts.length; b++) {
      const part = parts[b] as Part;
      digits += part.digits;
      for (const size of part.groups) sizes.push(size);
      if (first.plus) {
        if (digits > 15) break;
        if (digits >= 8) ends.push(b);
        continue;
      }
      if (digits > 17) break;
      if (!lengths.has(digits)) continue;
      if (a === b && part.numberLike) continue;
      if (a === b && part.bare && !hasPhoneWord(text, part.start)) continue;
      if (!groupingFits(plans, sizes)) continue;
      ends.push(b);
    }
    return ends.reverse();
  };

  /** Splits the run `text[start, end)` into parts and finds the windows that may be a number. */
  const prepare = (text: string, start: number, end: number): PendingRun | undefined => {
    let digitCount = 0;
    for (let i = start; i < end && digitCount < 7; i++) if (isDigit(text.charCodeAt(i))) digitCount++;
    if (digitCount < 7) return undefined;
    while (start < end && !(isDigit(text.charCodeAt(start)) || text.charCodeAt(start) === 43 || text.charCodeAt(start) === 40)) start++;
    while (end > start && !(isDigit(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 41)) end--;
    if (end - start < 7) return undefined;
    if (!loaded) load();
    const before = codeAt(text, start - 1);
    const glued = isWord(before) || before === 45 || before === 46 || before === 47 || (before === 44 && isDigit(codeAt(text, start - 2)));
    const parts: Part[] = [];
    let partStart = start;
    for (let i = start; i <= end; i++) {
      if (i === end || text.charCodeAt(i) === 32) {
        if (i > partStart) parts.push(readPart(text, partStart, i, parts.length === 0 && glued));
        partStart = i + 1;
      }
    }
    const starts: number[] = [];
    const ends: number[][] = [];
    for (let a = 0; a < parts.length; a++) {
      const windows = windowEnds(text, parts, a);
      if (windows.length === 0) continue;
      starts.push(a);
      ends.push(windows);
    }
    return starts.length === 0 ? undefined : { parts, starts, ends, gluedAfter: isWord(codeAt(text, end)) };
  };

  /** Reports the numbers of a prepared run: at each start, the longest window that is a valid number. */
  const report = (text: string, run: PendingRun, from: number, out: Span[]): void => {
    const { parts, starts, ends, gluedAfter } = run;
    const last = parts.length - 1;
    let next = 0;
    for (let k = 0; k < starts.length; k++) {
      const a = starts[k] as number;
      if (a < next) continue;
      const matchStart = (parts[a] as Part).start;
      const afterBareGroup = a > 0 && (parts[a - 1] as Part).bare && !(parts[a] as Part).plus;
      for (const b of ends[k] as readonly number[]) {
        if (gluedAfter && b === last) continue;
        // Digit groups on both sides: the window is the middle of a longer number (an IBAN's or an account's digits).
        if (afterBareGroup && b < last && (parts[b + 1] as Part).bare) continue;
        const matchEnd = (parts[b] as Part).end;
        if (!isPhone(text, matchStart, matchEnd)) continue;
        if (matchStart >= from) out.push({ type: "phone", start: matchStart, end: matchEnd });
        next = b + 1;
        break;
      }
    }
  };

  return {
    type: "phone",
    maxRun: MAX_RUN,
    reach: MAX_RUN + 2,
    lookbehind: MAX_RUN + 42,
    scanRun(text, start, end, from, out) {
      const run = prepare(text, start, end);
      if (run !== undefined) report(text, run, from, out);
    },
  };
}
