/**
 * Character classes used by the detectors' hand-written scanners. Lookups go
 * through one 128-entry table, so a class test is a single array read. The
 * table is a plain array of small integers rather than a typed array: as fast
 * to read, and V8's optimized code for it does not depend on a process-wide
 * assumption that any other library (WebAssembly, transferred buffers) can
 * break, which would throw away the optimized code of every detector at once.
 *
 * @module
 */

const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;
const HEX = 8;
const UNDERSCORE = 16;

const table: number[] = Array.from({ length: 128 }, () => 0);
for (let c = 48; c <= 57; c++) table[c] = DIGIT | HEX;
for (let c = 65; c <= 90; c++) table[c] = UPPER | (c <= 70 ? HEX : 0);
for (let c = 97; c <= 122; c++) table[c] = LOWER | (c <= 102 ? HEX : 0);
table[95] = UNDERSCORE;

const has = (code: number, mask: number): boolean => code >= 0 && code < 128 && ((table[code] as number) & mask) !== 0;

/** `0`–`9`. */
export const isDigit = (code: number): boolean => code >= 48 && code <= 57;
/** ASCII letter or digit. */
export const isAlnum = (code: number): boolean => has(code, DIGIT | UPPER | LOWER);
/** ASCII letter. */
export const isAlpha = (code: number): boolean => has(code, UPPER | LOWER);
/** `A`–`Z`. */
export const isUpper = (code: number): boolean => code >= 65 && code <= 90;
/** `a`–`z`. */
export const isLower = (code: number): boolean => code >= 97 && code <= 122;
/** Hexadecimal digit, either case. */
export const isHex = (code: number): boolean => has(code, HEX);
/** A character of `\w`: ASCII letter, digit or underscore. */
export const isWord = (code: number): boolean => has(code, DIGIT | UPPER | LOWER | UNDERSCORE);
/**
 * Code of the character at `index`, or -1 outside the string, so boundary
 * checks at either end of the text need no special case.
 */
export const codeAt = (text: string, index: number): number => (index >= 0 && index < text.length ? text.charCodeAt(index) : -1);

/** Whether `word` (lower-case ASCII letters) is written at `at` in `text`, in any case, ending by `end`. */
export function wordAt(text: string, at: number, end: number, word: string): boolean {
  if (at < 0 || at + word.length > end) return false;
  for (let j = 0; j < word.length; j++) if ((text.charCodeAt(at + j) | 0x20) !== word.charCodeAt(j)) return false;
  return true;
}

/** Whether `text[start, end)` holds `word` (lower-case ASCII letters) in any case, read in place. */
export function holdsWord(text: string, start: number, end: number, word: string): boolean {
  const first = word.charCodeAt(0);
  for (let i = start; i + word.length <= end; i++) if ((text.charCodeAt(i) | 0x20) === first && wordAt(text, i, end, word)) return true;
  return false;
}
