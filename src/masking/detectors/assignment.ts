/**
 * Assignments of a value to a name, as configuration files and source code
 * of many languages write them; shared by the detectors that judge a value by
 * its name (generic secrets, AWS secret keys).
 *
 * Forms recognised, with `NAME` standing for a name of letters, digits, `_`,
 * `.`, `-` (optionally `$`-prefixed, quoted, or JSON-escaped quoted):
 *
 * - `NAME=v`, `NAME: v`, `NAME := v`, `NAME ::= v`, `NAME :::= v`, `NAME ?= v`,
 *   `NAME += v`, `$NAME .= v` (not `==`, `!=`, `<=`, `>=`, `::`, `://`);
 *   a typed declaration `var NAME string = v` names `NAME`;
 * - `"NAME" => "v"` (only with a quoted value: `x => x.trim()` is code);
 * - XML elements `<NAME>v</NAME>` (value up to `</`);
 * - arguments `f("NAME", "v")` (`setProperty`, `getenv` with a default) and
 *   CSV cells `NAME,v` (the name starting a line or after a comma).
 *
 * @module
 */
import { codeAt, isAlnum } from "../chars.js";
import { SeparatorIndex } from "../separators.js";

/** Longest name looked at. */
export const MAX_NAME = 64;
/** Characters before an operator that decide an assignment: the name, a type word, quotes and spaces. */
export const NAME_LOOKBEHIND = MAX_NAME + 24;

/** How the value of an assignment is written. */
export type AssignmentForm = "operator" | "arrow" | "element" | "argument";

/** Whether `c` may be part of a name. */
export const isNameChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 46 || c === 45;
const isSpace = (c: number): boolean => c === 32 || c === 9;
/** A quote character: `"`, `'` or a backtick. */
export const isQuote = (c: number): boolean => c === 34 || c === 39 || c === 96;

/** Type words a typed declaration may put between its name and `=` (`var token string = …`). */
const TYPE_WORDS: ReadonlySet<string> = new Set(["string", "str", "String", "char", "text"]);
const MAX_TYPE_WORD = 6;

/** Start of the name that ends at `end` (over name characters, at most {@link MAX_NAME}), or -1 if none. */
function nameStart(text: string, end: number): number {
  let i = end;
  while (i > 0 && end - i <= MAX_NAME && isNameChar(text.charCodeAt(i - 1))) i--;
  if (end - i > MAX_NAME || i === end) return -1;
  return codeAt(text, i - 1) === 36 ? i - 1 : i;
}

/**
 * The name whose end is just before `index` (after up to two spaces and a
 * quote, plain or JSON-escaped), as `[start, end]`, or undefined. When the
 * word there is a type word of a declaration, the name is the word before it.
 */
export function nameBefore(text: string, index: number): [number, number] | undefined {
  let end = index;
  for (let n = 0; n < 2 && isSpace(codeAt(text, end - 1)); n++) end--;
  if (isQuote(codeAt(text, end - 1))) {
    end--;
    if (codeAt(text, end - 1) === 92) end--;
  }
  const start = nameStart(text, end);
  if (start === -1) return undefined;
  if (end - start <= MAX_TYPE_WORD && isSpace(codeAt(text, start - 1)) && TYPE_WORDS.has(text.slice(start, end))) {
    const before = nameStart(text, start - 1);
    if (before !== -1) return [before, start - 1];
  }
  return [start, end];
}

/** Characters that may prefix `=` in an assignment operator (`:=`, `?=`, `+=`, `.=`). */
const isOperatorPrefix = (c: number): boolean => c === 58 || c === 63 || c === 43 || c === 46;

/**
 * Start of the assignment operator whose `=` is at `eq`, or -1 when that `=`
 * is a comparison (`==`, `!=`, `<=`, `>=`) or an arrow (`=>`, see below).
 */
function operatorStart(text: string, eq: number): number {
  const after = codeAt(text, eq + 1);
  if (after === 61 || after === 62) return -1;
  let start = eq;
  while (eq - start < 3 && isOperatorPrefix(codeAt(text, start - 1))) start--;
  const before = codeAt(text, start - 1);
  if (before === 61 || before === 33 || before === 60 || before === 62) return -1;
  return start;
}

/** Whether a CSV cell starts at `index`: at the start of the text or a line, or after a comma. */
function startsCell(text: string, index: number): boolean {
  const before = codeAt(text, index - 1);
  return before === -1 || before === 10 || before === 13 || before === 44;
}

/** Called with a name (`[nameStart, nameEnd)`), the index where its value may start, and the form. */
export type AssignmentVisitor = (nameStart: number, nameEnd: number, valueFrom: number, form: AssignmentForm) => void;

/**
 * Calls `visit` for each assignment whose operator lies at or after `origin`
 * and whose name `wanted(text, start, end)` accepts (checked before anything
 * else is read, so it should be cheap).
 */
export function eachAssignment(
  text: string,
  origin: number,
  separators: SeparatorIndex,
  wanted: (text: string, start: number, end: number) => boolean,
  visit: AssignmentVisitor,
): void {
  const equals = separators.positions("=");
  for (let k = SeparatorIndex.firstAtOrAfter(equals, origin); k < equals.length; k++) {
    const eq = equals[k] as number;
    if (codeAt(text, eq + 1) === 62) {
      const name = nameBefore(text, eq);
      if (name !== undefined && wanted(text, name[0], name[1])) visit(name[0], name[1], eq + 2, "arrow");
      continue;
    }
    const start = operatorStart(text, eq);
    if (start === -1) continue;
    const name = nameBefore(text, start);
    if (name !== undefined && wanted(text, name[0], name[1])) visit(name[0], name[1], eq + 1, "operator");
  }
  const colons = separators.positions(":");
  for (let k = SeparatorIndex.firstAtOrAfter(colons, origin); k < colons.length; k++) {
    const colon = colons[k] as number;
    const after = codeAt(text, colon + 1);
    if (after === 58 || after === 61 || codeAt(text, colon - 1) === 58 || (after === 47 && codeAt(text, colon + 2) === 47)) continue;
    const name = nameBefore(text, colon);
    if (name !== undefined && wanted(text, name[0], name[1])) visit(name[0], name[1], colon + 1, "operator");
  }
  const closes = separators.positions(">");
  for (let k = SeparatorIndex.firstAtOrAfter(closes, origin); k < closes.length; k++) {
    const close = closes[k] as number;
    if (!isNameChar(codeAt(text, close - 1))) continue;
    const start = nameStart(text, close);
    if (start === -1 || codeAt(text, start - 1) !== 60 || !wanted(text, start, close)) continue;
    visit(start, close, close + 1, "element");
  }
  const commas = separators.positions(",");
  for (let k = SeparatorIndex.firstAtOrAfter(commas, origin); k < commas.length; k++) {
    const comma = commas[k] as number;
    const before = codeAt(text, comma - 1);
    if (isQuote(before)) {
      const name = nameBefore(text, comma);
      if (name !== undefined && isQuote(codeAt(text, name[0] - 1)) && wanted(text, name[0], name[1])) visit(name[0], name[1], comma + 1, "argument");
    } else if (isNameChar(before) && !isSpace(codeAt(text, comma + 1))) {
      const start = nameStart(text, comma);
      if (start !== -1 && startsCell(text, start) && wanted(text, start, comma)) visit(start, comma, comma + 1, "operator");
    }
  }
}
