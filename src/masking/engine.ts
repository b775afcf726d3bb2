/**
 * The scanning engine: runs the enabled detectors over a text, keeps the
 * spans of enabled types and settles overlaps.
 *
 * @module
 */
import type { Detector } from "./detector.js";
import { foldingEngine } from "./fold.js";
import { label } from "./pseudonym.js";
import { SEPARATOR_LOOKBACK, SeparatorIndex } from "./separators.js";
import { hasTokenMarker, tokenLength, tokensOf } from "./token-vault.js";
import type { Span } from "./types.js";

/** Longest type name a token placeholder is recognised for, so its length is bounded. */
const MAX_TOKEN_TYPE = 40;
/** Longest token placeholder recognised. */
const MAX_PLACEHOLDER = tokenLength(MAX_TOKEN_TYPE);

/** Whether a token placeholder of type label `tag` with id `id` was issued by the masker's vault. */
export type IssuedCheck = (tag: string, id: string) => boolean;

/**
 * Finds the token placeholders of `types` (`<EMAIL_TOKEN:k3v9q2m7x4c8w1zb>`)
 * that text masked earlier may already hold: masking them again would break
 * them (their id reads as a secret assignment) and they could no longer be
 * restored. Only placeholders of enabled types that the vault issued count
 * (`issued`), so a look-alike can neither hide a value in its type name nor
 * pass for a token.
 */
function placeholderFinder(types: ReadonlySet<string>, issued: IssuedCheck | undefined): (text: string, from: number) => [number, number][] {
  const names = [...types].map(label).filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name) && name.length <= MAX_TOKEN_TYPE);
  const pattern = tokensOf(names);
  return (text, from) => {
    const ranges: [number, number][] = [];
    const start = Math.max(0, from - MAX_PLACEHOLDER);
    if (issued === undefined || names.length === 0 || !hasTokenMarker(text, start)) return ranges;
    pattern.lastIndex = start;
    let m: RegExpExecArray | null;
    while ((m = pattern.exec(text)) !== null) {
      if (issued(m[1] as string, m[2] as string)) ranges.push([m.index, m.index + m[0].length]);
    }
    return ranges;
  };
}

/**
 * `spans` with the characters of the placeholders in `ranges` (sorted,
 * disjoint) taken out: a span around a placeholder keeps its parts on either
 * side, so a placeholder hides only itself, never the secret it sits in.
 */
function outsidePlaceholders(spans: readonly Span[], ranges: readonly [number, number][]): Span[] {
  const out: Span[] = [];
  for (const span of spans) {
    let start = span.start;
    for (const [from, to] of ranges) {
      if (to <= start || from >= span.end) continue;
      if (from > start) out.push({ type: span.type, start, end: from });
      start = to;
    }
    if (start < span.end) out.push(start === span.start ? span : { type: span.type, start, end: span.end });
  }
  return out;
}

/**
 * Texts up to this long are read once for the detectors' trigger characters
 * before any detector runs (see {@link Detector.triggers}): a short text (a
 * field of a structured value, a small tool result) holds few of them, and
 * most detectors are then skipped. A longer text holds them all.
 */
const CENSUS_LIMIT = 512;

/**
 * Which of `detectors` a short text needs: a table from each ASCII character
 * to the bits of the detectors it triggers (detector `i` is bit `i`), and the
 * bits of the detectors without triggers, which every text needs.
 */
interface Census {
  readonly table: readonly number[];
  readonly always: number;
}

/** Detectors that get a bit of their own; past them, every text needs them all. */
const CENSUS_BITS = 31;

/** The census of `detectors`. */
function censusOf(detectors: readonly Detector[]): Census {
  const table: number[] = Array.from({ length: 128 }, () => 0);
  // Detectors past the last bit have none: with them, every detector runs.
  let always = detectors.length > CENSUS_BITS ? -1 : 0;
  detectors.slice(0, CENSUS_BITS).forEach((detector, i) => {
    const triggers = detector.triggers;
    if (triggers === undefined || [...triggers].some((c) => c.charCodeAt(0) >= 128)) always |= 1 << i;
    else for (let k = 0; k < triggers.length; k++) table[triggers.charCodeAt(k)] = (table[triggers.charCodeAt(k)] as number) | (1 << i);
  });
  return { table, always };
}

/** The bits of the detectors `text` (shorter than {@link CENSUS_LIMIT}) needs. */
function needed(census: Census, text: string): number {
  const { table } = census;
  let bits = census.always;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) bits |= table[code] as number;
  }
  return bits;
}

/** Runs a fixed set of detectors for a fixed set of types. */
export interface Engine {
  /** The enabled types. */
  readonly types: ReadonlySet<string>;
  /** Characters the streaming masker holds back: the largest `reach` of the detectors. */
  readonly hold: number;
  /** Characters of already emitted text the streaming masker keeps as context. */
  readonly context: number;
  /** Every span of an enabled type starting at or after `from`, unsorted, overlaps included. */
  spans(text: string, from: number): Span[];
  /** Start of the earliest candidate that more text could still complete, or -1. */
  pending(text: string, from: number): number;
  /** Priority of a type in overlaps. */
  priority(type: string): number;
}

/**
 * Creates an engine over `detectors`, reporting only `types`. The detectors
 * see the text folded (fullwidth forms, odd spaces and invisible characters
 * evened out, see the fold module); spans are reported in the original text.
 * Token placeholders that `issued` recognises are left whole; without it, none is.
 */
export function createEngine(detectors: readonly Detector[], types: ReadonlySet<string>, priorities: ReadonlyMap<string, number>, issued?: IssuedCheck): Engine {
  const active = detectors.filter((d) => d.types.some((t) => types.has(t)));
  const filterNeeded = active.some((d) => d.types.some((t) => !types.has(t)));
  // A span inside a placeholder is dropped, so whether it exists also depends on the
  // placeholder around it: reach and lookbehind cover the longest one.
  const hold = Math.max(MAX_PLACEHOLDER, ...active.map((d) => d.reach));
  const context = Math.max(MAX_PLACEHOLDER, ...active.map((d) => d.lookbehind));
  const placeholders = placeholderFinder(types, issued);
  const census = censusOf(active);
  return foldingEngine({
    types,
    hold,
    context,
    spans(text, from) {
      const out: Span[] = [];
      const bits = text.length < CENSUS_LIMIT ? needed(census, text) : -1;
      if (bits === 0) return out;
      const separators = new SeparatorIndex(text, from - SEPARATOR_LOOKBACK);
      for (let i = 0; i < active.length; i++) {
        if (i < CENSUS_BITS && (bits & (1 << i)) === 0) continue;
        (active[i] as Detector).scan(text, from, out, separators);
      }
      const kept = filterNeeded ? out.filter((s) => types.has(s.type)) : out;
      if (kept.length === 0) return kept;
      const tokens = placeholders(text, from);
      return tokens.length === 0 ? kept : outsidePlaceholders(kept, tokens);
    },
    pending(text, from) {
      let earliest = -1;
      for (const detector of active) {
        const at = detector.pending?.(text, from) ?? -1;
        if (at !== -1 && (earliest === -1 || at < earliest)) earliest = at;
      }
      return earliest;
    },
    priority(type) {
      return priorities.get(type) ?? 0;
    },
  });
}

/** Spans up to which an insertion sort beats `Array#sort`, whose setup dominates for the few spans of a typical text. */
const FEW_SPANS = 16;

/** A copy of `spans` ordered by start, then higher priority first, then longer first (stable). */
function sortedSpans(spans: readonly Span[], priority: (type: string) => number): Span[] {
  const order = (a: Span, b: Span): number => a.start - b.start || priority(b.type) - priority(a.type) || b.end - a.end;
  const sorted = spans.slice();
  if (sorted.length > FEW_SPANS) return sorted.sort(order);
  for (let i = 1; i < sorted.length; i++) {
    const span = sorted[i] as Span;
    let j = i - 1;
    for (; j >= 0 && order(sorted[j] as Span, span) > 0; j--) sorted[j + 1] = sorted[j] as Span;
    sorted[j + 1] = span;
  }
  return sorted;
}

/**
 * Settles overlapping spans, left to right: a span inside another is dropped
 * (the outer one hides it whole); a span that contains the previous one
 * replaces it; two spans that only partly overlap are merged into one span of
 * the higher-priority type, so no character of either is left visible.
 * Returns non-overlapping spans sorted by start.
 */
export function resolveOverlaps(spans: readonly Span[], priority: (type: string) => number): Span[] {
  if (spans.length <= 1) return [...spans];
  const sorted = sortedSpans(spans, priority);
  const kept: Span[] = [];
  for (const span of sorted) {
    const last = kept[kept.length - 1];
    if (last === undefined || span.start >= last.end) {
      kept.push(span);
    } else if (span.end <= last.end) {
      // Inside the span kept: dropped, the outer one hides it whole.
    } else if (span.start === last.start) {
      kept[kept.length - 1] = span;
    } else {
      const type = priority(span.type) > priority(last.type) ? span.type : last.type;
      kept[kept.length - 1] = { type, start: last.start, end: span.end };
    }
  }
  return kept;
}
