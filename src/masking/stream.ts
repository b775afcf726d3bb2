/**
 * Masking of text that arrives in pieces (model output streamed token by
 * token). The concatenated output of a stream is exactly what `mask` gives
 * for the whole text: never a raw value, never half a placeholder.
 *
 * How: every detector decides a match from a bounded neighbourhood (see
 * {@link Detector}). The stream keeps back the last `hold` characters (the
 * longest such neighbourhood, a few hundred characters), never cuts through
 * a match, and keeps `context` characters of already emitted text so matches
 * that need to look behind them still see it. Matches that can be much longer
 * (PEM blocks, long JWTs) are held from their start until they are complete.
 * Both lengths count the characters the detectors see: invisible characters
 * (see the fold module) do not, so padding a value with them cannot push it
 * out of view.
 * Scans are batched, so the cost stays linear however small the chunks.
 *
 * @module
 */
import type { Engine } from "./engine.js";
import { resolveOverlaps } from "./engine.js";
import { startOfLast } from "./fold.js";
import type { Finding, Span } from "./types.js";

/** A masker for one stream of text. */
export interface MaskingStream {
  /** Adds a chunk; returns the text that is safe to emit now (possibly empty). */
  push(chunk: string): string;
  /** Ends the stream; returns the rest of the masked text. */
  end(): string;
  /** Findings so far, with offsets in the whole streamed input. */
  readonly findings: readonly Finding[];
}

/** Renders `text[from, to)` with `spans` replaced; `offset` turns buffer offsets into stream offsets. */
export type SliceRenderer = (text: string, from: number, to: number, spans: readonly Span[], offset: number, findings: Finding[]) => string;

/** Characters scanned at least between two scans, so tiny chunks do not rescan the held text each time. */
const MIN_BATCH = 128;

/** Creates a stream over `engine`, rendering with `render`. */
export function createStream(engine: Engine, render: SliceRenderer): MaskingStream {
  const hold = engine.hold + 1;
  const context = engine.context + 1;
  const findings: Finding[] = [];
  let buffer = "";
  let base = 0;
  let emitted = 0;
  let nextScan = hold + MIN_BATCH;
  let ended = false;

  const flush = (final: boolean): string => {
    const spans = engine.spans(buffer, emitted);
    let cut = final ? buffer.length : startOfLast(buffer, buffer.length, hold);
    if (!final) {
      const pending = engine.pending(buffer, emitted);
      if (pending !== -1 && pending < cut) cut = pending;
      for (let moved = true; moved; ) {
        moved = false;
        for (const span of spans) {
          if (span.start < cut && span.end > cut) {
            cut = span.start;
            moved = true;
          }
        }
      }
    }
    let out = "";
    if (cut > emitted) {
      const inside = spans.filter((span) => span.end <= cut);
      out = render(buffer, emitted, cut, resolveOverlaps(inside, engine.priority), base, findings);
      emitted = cut;
    }
    const drop = startOfLast(buffer, emitted, context);
    if (drop > 0) {
      buffer = buffer.slice(drop);
      base += drop;
      emitted -= drop;
    }
    const waiting = buffer.length - emitted;
    nextScan = buffer.length + Math.max(MIN_BATCH, Math.floor((waiting - hold) / 2));
    return out;
  };

  return {
    push(chunk) {
      if (ended) throw new Error("push() after end() on a masking stream");
      if (typeof chunk !== "string") throw new TypeError("a masking stream takes strings");
      buffer += chunk;
      return buffer.length >= nextScan ? flush(false) : "";
    },
    end() {
      if (ended) return "";
      const out = flush(true);
      ended = true;
      return out;
    },
    get findings() {
      return findings;
    },
  };
}
