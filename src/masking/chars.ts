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
