/**
 * One pass for every format made of digits and separators: payment cards,
 * SSNs, ABA routing numbers, IPv4 addresses and phone numbers.
 *
 * Each of these values lies inside a run of digits, spaces, `+`, `(`, `)`,
 * `-` and `.` holding at least seven characters, so one regex finds the runs
 * and everything else (prose, base64, identifiers) is skipped at regex speed.
 * The regex spells out its first seven characters instead of a `{7,}`
 * quantifier, which lets V8 look seven characters ahead and skip whole
 * stretches of prose at once; a run counts from its first digit, `+` or `(`.
 * Inside a run, each format is only tried where a digit group starts and only
 * when the group's length fits it (four or more digits for a card, three then
 * a separator for an SSN, nine for a routing number, one to three then a dot
 * for an IPv4 address), so most runs cost a few character reads. Phone
 * numbers are decided per run (see the phone module), as soon as the run is
 * found, while its text is still in the processor's cache.
 *
 * @module
 */
import { isDigit } from "../chars.js";
import { type Detector, DIGITS } from "../detector.js";
import type { Span } from "../types.js";

/** A format found at the start of a digit group. */
export interface NumericFormat {
  /** Finding type. */
  readonly type: string;
  /** See {@link Detector.reach}. */
  readonly reach: number;
  /** See {@link Detector.lookbehind}. */
  readonly lookbehind: number;
  /** Cheap test on the group of `length` digits starting at `start`: may a match start here? */
  fits(text: string, start: number, length: number): boolean;
  /** End of the match starting at `start`, or -1. */
  matchAt(text: string, start: number): number;
}

/** Phone numbers, decided per run. */
export interface RunScanner {
  /** Finding type. */
  readonly type: string;
  /** Longest run considered. */
  readonly maxRun: number;
  /** See {@link Detector.reach}. */
  readonly reach: number;
  /** See {@link Detector.lookbehind}. */
  readonly lookbehind: number;
  /**
   * Appends the matches in the run `text[start, end)` that start at or after
   * `from`. Called as soon as the run is found, while its text is still in
   * the processor's cache.
   */
  scanRun(text: string, start: number, end: number, from: number, out: Span[]): void;
}

/** Shortest run worth reading: no value of the numeric formats is shorter. */
const MIN_RUN = 7;
/** One run character, as a regex class: a digit, a space, `(`, `)`, `+`, `.` or `-`. */
const RUN_CHAR = "[\\d ()+.\\-]";
/** Maximal stretches of at least {@link MIN_RUN} run characters (written out so that V8 can skip ahead). */
const STRETCH = new RegExp(`${RUN_CHAR.repeat(MIN_RUN)}${RUN_CHAR}*`, "g");

const isRunChar = (c: number): boolean => isDigit(c) || c === 32 || c === 45 || c === 46 || c === 40 || c === 41 || c === 43;
/** A run starts with a digit, `+` or `(`. */
const isRunStart = (c: number): boolean => isDigit(c) || c === 43 || c === 40;

/** Builds the numeric pass for `formats` and, optionally, phone numbers. */
export function numericDetector(formats: readonly NumericFormat[], runs?: RunScanner): Detector {
  const next = new Array<number>(formats.length).fill(0);
  return {
    types: [...formats.map((f) => f.type), ...(runs === undefined ? [] : [runs.type])],
    reach: Math.max(0, ...formats.map((f) => f.reach), runs?.reach ?? 0),
    lookbehind: Math.max(0, ...formats.map((f) => f.lookbehind), runs?.lookbehind ?? 0),
    triggers: DIGITS,
    scan(text, from, out) {
      next.fill(from);
      STRETCH.lastIndex = from;
      let m: RegExpExecArray | null;
      while ((m = STRETCH.exec(text)) !== null) {
        const runEnd = STRETCH.lastIndex;
        let runStart = m.index;
        while (runStart < runEnd && !isRunStart(text.charCodeAt(runStart))) runStart++;
        if (runEnd - runStart < MIN_RUN) continue;
        if (formats.length > 0) {
          let i = runStart;
          while (i < runEnd) {
            if (!isDigit(text.charCodeAt(i)) || (i > 0 && isDigit(text.charCodeAt(i - 1)))) {
              i++;
              continue;
            }
            let length = 1;
            while (i + length < runEnd && isDigit(text.charCodeAt(i + length))) length++;
            for (let f = 0; f < formats.length; f++) {
              const format = formats[f] as NumericFormat;
              if (i < (next[f] as number) || !format.fits(text, i, length)) continue;
              const end = format.matchAt(text, i);
              if (end === -1) continue;
              out.push({ type: format.type, start: i, end });
              next[f] = end;
            }
            i += length;
          }
        }
        if (runs !== undefined) {
          let start = runStart;
          while (start > 0 && runStart - start <= runs.maxRun && isRunChar(text.charCodeAt(start - 1))) start--;
          if (runEnd - start <= runs.maxRun) runs.scanRun(text, start, runEnd, from, out);
        }
      }
    },
  };
}

/** Nine digits standing alone (not inside a longer number), as a sticky regex. */
export const NINE_DIGITS = /(?<![\w-]|\d[.,])\d{9}(?![\w]|[-.,]\d)/y;

/** Whether `word` (a regex) matches in the `distance` characters before `start`. */
export function wordBefore(word: RegExp, text: string, start: number, distance: number): boolean {
  return word.test(text.slice(Math.max(0, start - distance), start));
}

/** Runs `sticky` at `start`; returns the end of its match or -1. */
export function stickyEnd(sticky: RegExp, text: string, start: number): number {
  sticky.lastIndex = start;
  const m = sticky.exec(text);
  return m === null ? -1 : start + m[0].length;
}
