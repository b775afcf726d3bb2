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
import { codeAt, isAlnum, wordAt } from "../chars.js";
import type { SeparatorIndex } from "../separators.js";

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

/** The characters of which every assignment {@link eachAssignment} finds holds one. */
export const ASSIGNMENT_OPERATORS = "=:>,";

/** Called with a name (`[nameStart, nameEnd)`), the index where its value may start, and the form. */
export type AssignmentVisitor = (nameStart: number, nameEnd: number, valueFrom: number, form: AssignmentForm) => void;

/** Cores of the keywords that name a secret, lower case: a name that holds none of them (in any case) names none. */
const KEYWORD_CORES = ["pass", "pwd", "secret", "token", "auth", "cred", "key"];
/** Any of the cores, in any case: a text without one holds no assignment worth reading. */
const ANY_CORE = new RegExp(KEYWORD_CORES.join("|"), "i");
/**
 * Characters per operator below which a text is searched for a keyword's
 * core before its assignments are read (the search costs about as much as
 * reading one assignment per this many characters).
 */
const OPERATOR_SPACING = 32;
/** The cores by their first letter's code, so most characters of a name are passed over with one array read. */
const CORES_BY_FIRST: (readonly string[] | undefined)[] = Array.from({ length: 128 }, (_, code) => {
  const cores = KEYWORD_CORES.filter((core) => core.charCodeAt(0) === code);
  return cores.length > 0 ? cores : undefined;
});

/**
 * A cheap first look at the name `text[start, end)`: does any keyword's core
 * occur in it at all? Read in place, so the many names that hold none cost no
 * substring.
 */
function hasKeywordCore(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const cores = CORES_BY_FIRST[text.charCodeAt(i) | 0x20];
    if (cores !== undefined) for (const core of cores) if (wordAt(text, i, end, core)) return true;
  }
  return false;
}

/** The forms, by the index an assignment list records. */
const FORMS: readonly AssignmentForm[] = ["operator", "arrow", "element", "argument"];
/** Numbers per assignment in a list: operator position, name start, name end, value start, form index. */
const FIELDS = 5;

/** Appends an assignment to `list` when it has a name that holds a keyword's core. */
function add(list: number[], text: string, at: number, name: readonly [number, number] | undefined, valueFrom: number, form: number): void {
  if (name !== undefined && hasKeywordCore(text, name[0], name[1])) list.push(at, name[0], name[1], valueFrom, form);
}

/**
 * Every assignment whose operator is among the positions `separators` holds,
 * as a flat list of {@link FIELDS} numbers per assignment, in the order of
 * {@link eachAssignment}. Found once per scan and shared by the detectors
 * that read assignments (see `SeparatorIndex.derived`).
 */
function collect(text: string, separators: SeparatorIndex): number[] {
  const list: number[] = [];
  const equals = separators.positions("=");
  const colons = separators.positions(":");
  const closes = separators.positions(">");
  const commas = separators.positions(",");
  // Text dense in operators (JSON, configuration) without a keyword's core anywhere holds no
  // assignment worth reading: one search settles it. In prose, reading the few operators costs less.
  const operators = equals.length + colons.length + closes.length + commas.length;
  if (operators * OPERATOR_SPACING > text.length && !ANY_CORE.test(text)) return list;
  for (const eq of equals) {
    if (codeAt(text, eq + 1) === 62) {
      add(list, text, eq, nameBefore(text, eq), eq + 2, 1);
      continue;
    }
    const start = operatorStart(text, eq);
    if (start !== -1) add(list, text, eq, nameBefore(text, start), eq + 1, 0);
  }
  for (const colon of colons) {
    const after = codeAt(text, colon + 1);
    if (after === 58 || after === 61 || codeAt(text, colon - 1) === 58 || (after === 47 && codeAt(text, colon + 2) === 47)) continue;
    add(list, text, colon, nameBefore(text, colon), colon + 1, 0);
  }
  for (const close of closes) {
    if (!isNameChar(codeAt(text, close - 1))) continue;
    const start = nameStart(text, close);
    if (start !== -1 && codeAt(text, start - 1) === 60) add(list, text, close, [start, close], close + 1, 2);
  }
  for (const comma of commas) {
    const before = codeAt(text, comma - 1);
    if (isQuote(before)) {
      const name = nameBefore(text, comma);
      if (name !== undefined && isQuote(codeAt(text, name[0] - 1))) add(list, text, comma, name, comma + 1, 3);
    } else if (isNameChar(before) && !isSpace(codeAt(text, comma + 1))) {
      const start = nameStart(text, comma);
      if (start !== -1 && startsCell(text, start)) add(list, text, comma, [start, comma], comma + 1, 0);
    }
  }
  return list;
}

/**
 * Calls `visit` for each assignment whose operator lies at or after `origin`
 * and whose name holds a keyword's core (`pass`, `pwd`, `secret`, `token`,
 * `auth`, `cred`, `key`, in any case: every reader looks for secrets' names)
 * and `wanted(text, start, end)` accepts. The assignments are found once per
 * scan (per `separators`) and shared by every caller.
 */
export function eachAssignment(
  text: string,
  origin: number,
  separators: SeparatorIndex,
  wanted: (text: string, start: number, end: number) => boolean,
  visit: AssignmentVisitor,
): void {
  const list = separators.derived(collect);
  for (let i = 0; i < list.length; i += FIELDS) {
    if ((list[i] as number) < origin) continue;
    const start = list[i + 1] as number;
    const end = list[i + 2] as number;
    if (wanted(text, start, end)) visit(start, end, list[i + 3] as number, FORMS[list[i + 4] as number] as AssignmentForm);
  }
}
