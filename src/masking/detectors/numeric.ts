/**
 * One pass for every format made of digits and separators: payment cards,
 * SSNs, ABA routing numbers, IPv4 addresses and phone numbers.
 *
 * Each of these values lies inside a run of digits, spaces, `+`, `(`, `)`,
 * `-` and `.` holding at least seven characters, so one literal-led regex
 * finds the runs and everything else (prose, base64, identifiers) is skipped
 * at regex speed. Inside a run, each format is only tried where a digit group
 * starts and only when the group's length fits it (four or more digits for a
 * card, three then a separator for an SSN, nine for a routing number, one to
 * three then a dot for an IPv4 address), so most runs cost a few character
 * reads. Phone numbers are decided per run (see the phone module).
 *
 * @module
 */
import { isDigit } from "../chars.js";
import type { Detector } from "../detector.js";
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
  /** Appends the matches of the runs `[start, end)` of `text` that start at or after `from`. */
  scanRuns(text: string, runs: readonly (readonly [number, number])[], from: number, out: Span[]): void;
}

/** Runs of at least seven characters starting with a digit, `+` or `(`. */
const RUN = /[\d+(][\d ()+.\-]{6,}/g;

const isRunChar = (c: number): boolean => isDigit(c) || c === 32 || c === 45 || c === 46 || c === 40 || c === 41 || c === 43;

/** Builds the numeric pass for `formats` and, optionally, phone numbers. */
export function numericDetector(formats: readonly NumericFormat[], runs?: RunScanner): Detector {
  const next = new Array<number>(formats.length).fill(0);
  return {
    types: [...formats.map((f) => f.type), ...(runs === undefined ? [] : [runs.type])],
    reach: Math.max(0, ...formats.map((f) => f.reach), runs?.reach ?? 0),
    lookbehind: Math.max(0, ...formats.map((f) => f.lookbehind), runs?.lookbehind ?? 0),
    scan(text, from, out) {
      next.fill(from);
      const pendingRuns: [number, number][] = [];
      RUN.lastIndex = from;
      let m: RegExpExecArray | null;
      while ((m = RUN.exec(text)) !== null) {
        const runEnd = RUN.lastIndex;
        if (formats.length > 0) {
          let i = m.index;
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
          let start = m.index;
          while (start > 0 && m.index - start <= runs.maxRun && isRunChar(text.charCodeAt(start - 1))) start--;
          if (runEnd - start <= runs.maxRun) pendingRuns.push([start, runEnd]);
        }
      }
      if (runs !== undefined && pendingRuns.length > 0) runs.scanRuns(text, pendingRuns, from, out);
    },
  };
}

/** Runs `sticky` at `start`; returns the end of its match or -1. */
export function stickyEnd(sticky: RegExp, text: string, start: number): number {
  sticky.lastIndex = start;
  const m = sticky.exec(text);
  return m === null ? -1 : start + m[0].length;
}
