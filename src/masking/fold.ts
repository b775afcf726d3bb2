/**
 * Text folding: the characters that defeat exact matching without changing
 * what a reader sees are folded before the detectors run, and the spans they
 * find are mapped back, so the original characters are the ones replaced.
 *
 * - Fullwidth forms (U+FF01–FF5E: `４１１１`, `＠`, `ａｎａ`) become their ASCII
 *   twins.
 * - Space characters other than the ASCII space (no-break U+00A0, narrow
 *   no-break U+202F, figure space U+2007, the other U+2000–200A spaces,
 *   U+205F, ideographic U+3000) become a space, so they separate groups as
 *   one does.
 * - Invisible characters (zero-width space, joiners and marks U+200B–200F,
 *   word joiner and invisible operators U+2060–2064, byte order mark U+FEFF,
 *   soft hyphen U+00AD, U+180E) are dropped. A value with one inside is found
 *   and replaced whole, the invisible characters with it.
 *
 * Text holding none of these (a regex search tells) is scanned as it is, at
 * no other cost. Folding never shifts characters: a folded character maps
 * to one original character, so spans map back exactly.
 *
 * @module
 */
import type { Engine } from "./engine.js";
import type { Span } from "./types.js";

/** Any character folding changes. */
const FOLDABLE = /[\u00A0\u00AD\u180E\u2000-\u200F\u202F\u205F-\u2064\u3000\uFEFF\uFF01-\uFF5E]/;

/**
 * Runs of the characters from U+00A0 on, where every foldable character
 * lies. V8 finds them faster than it tests {@link FOLDABLE} character by
 * character over the whole text, and text holds few.
 */
const HIGH_RUN = /[\u00A0-\uFFFF]+/g;

/** Whether `text` holds a character folding changes. */
function foldable(text: string): boolean {
  HIGH_RUN.lastIndex = 0;
  let run: RegExpExecArray | null;
  while ((run = HIGH_RUN.exec(text)) !== null) if (FOLDABLE.test(run[0])) return true;
  return false;
}

/** Whether folding drops `code`. */
const isInvisible = (code: number): boolean => code === 0xad || code === 0x180e || (code >= 0x200b && code <= 0x200f) || (code >= 0x2060 && code <= 0x2064) || code === 0xfeff;

/** Whether folding turns `code` into a space. */
const isSpace = (code: number): boolean => code === 0xa0 || (code >= 0x2000 && code <= 0x200a) || code === 0x202f || code === 0x205f || code === 0x3000;

/** A folded text and where each of its characters comes from. */
export interface FoldedText {
  /** The folded text. */
  readonly text: string;
  /** Position in the original text of each folded character, then the original length. */
  readonly origin: Int32Array;
}

/** Folds `text`, or returns undefined when folding would change nothing. */
export function foldText(text: string): FoldedText | undefined {
  if (!foldable(text)) return undefined;
  const origin = new Int32Array(text.length + 1);
  let folded = "";
  let copied = 0;
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const invisible = isInvisible(code);
    const replacement = invisible ? "" : isSpace(code) ? " " : code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : undefined;
    if (replacement !== undefined) {
      folded += text.slice(copied, i) + replacement;
      copied = i + 1;
    }
    if (!invisible) origin[length++] = i;
  }
  folded += text.slice(copied);
  origin[length] = text.length;
  return { text: folded, origin: origin.subarray(0, length + 1) };
}

/** Index in the folded text of the first character at or after original position `at`. */
function foldedIndex(folded: FoldedText, at: number): number {
  const { origin } = folded;
  let low = 0;
  let high = origin.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((origin[mid] as number) < at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** `span` of the folded text as a span of the original: from its first character to its last, whatever lies between. */
function originalSpan(folded: FoldedText, span: Span): Span {
  return { type: span.type, start: folded.origin[span.start] as number, end: (folded.origin[span.end - 1] as number) + 1 };
}

/** An engine that runs `engine` on the folded text and reports spans and positions in the original. */
export function foldingEngine(engine: Engine): Engine {
  return {
    types: engine.types,
    hold: engine.hold,
    context: engine.context,
    priority: engine.priority,
    spans(text, from) {
      const folded = foldText(text);
      if (folded === undefined) return engine.spans(text, from);
      return engine.spans(folded.text, foldedIndex(folded, from)).map((span) => originalSpan(folded, span));
    },
    pending(text, from) {
      const folded = foldText(text);
      if (folded === undefined) return engine.pending(text, from);
      const at = engine.pending(folded.text, foldedIndex(folded, from));
      return at === -1 ? -1 : (folded.origin[at] as number);
    },
  };
}

/**
 * Start of the shortest stretch of `text` ending at `end` that holds `count`
 * characters the detectors see (invisible ones do not count), or 0 when the
 * text before `end` holds fewer. What the streaming masker holds back and
 * keeps as context is measured this way, so invisible characters cannot push
 * a value out of its view.
 */
export function startOfLast(text: string, end: number, count: number): number {
  let seen = 0;
  let at = end;
  while (at > 0 && seen < count) {
    at--;
    if (!isInvisible(text.charCodeAt(at))) seen++;
  }
  return seen < count ? 0 : at;
}
