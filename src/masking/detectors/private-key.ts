/**
 * PEM private key blocks, masked whole from `-----BEGIN … PRIVATE KEY-----`
 * to the matching `-----END … PRIVATE KEY-----`: RSA, EC, DSA, OPENSSH,
 * ENCRYPTED, PGP (`PRIVATE KEY BLOCK`) and plain PKCS #8. Public keys and
 * certificates are not secrets and are left alone.
 *
 * A block is looked for over at most 32,768 characters from its header. With
 * no END line within that distance (a truncated paste), the header and the
 * body lines that follow it (base64 lines and `Proc-Type:`-style headers,
 * with `\n` or JSON-escaped `\\n` breaks) are masked. The streaming masker holds
 * back an open block until its END line or that limit (see `pending`).
 *
 * A block whose body holds no key material (no run of six base64 characters
 * that looks generated: `...`, `xxxx…`, `<your private key here>`) is not
 * reported.
 *
 * @module
 */
import type { Detector } from "../detector.js";
import { isPlaceholder } from "../entropy.js";

/** Longest block looked for, from the start of its header. */
export const PEM_MAX = 32_768;
const HEADER = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/g;
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;
const HEADER_LINE = /^[A-Za-z][A-Za-z-]*: ./;

/** Length of the line break at `index` (`\n`, `\r\n`, or an escaped `\\n` inside JSON), or 0. */
function lineBreak(text: string, index: number): number {
  const c = text.charCodeAt(index);
  if (c === 10) return 1;
  if (c === 13) return text.charCodeAt(index + 1) === 10 ? 2 : 1;
  if (c === 92 && text.charCodeAt(index + 1) === 110) return 2;
  return 0;
}

/**
 * End of the body of a block without END line: the lines after the header
 * that are base64 or `Name: value` encryption headers (with the blank line
 * that may follow those), up to `limit`.
 */
function bodyEnd(text: string, headerEnd: number, limit: number): number {
  let end = headerEnd;
  let position = headerEnd;
  let afterHeaders = false;
  while (position < limit) {
    const gap = lineBreak(text, position);
    if (gap === 0) break;
    const lineStart = position + gap;
    let lineEnd = lineStart;
    while (lineEnd < limit && lineBreak(text, lineEnd) === 0) lineEnd++;
    const line = text.slice(lineStart, lineEnd);
    if (BASE64_LINE.test(line)) {
      end = lineEnd;
      afterHeaders = false;
    } else if (HEADER_LINE.test(line)) {
      end = lineEnd;
      afterHeaders = true;
    } else if (line.length === 0 && afterHeaders) {
      afterHeaders = false;
    } else {
      break;
    }
    position = lineEnd;
  }
  return end;
}

/**
 * Where an END line was last looked for in vain: `[from, to)` of the text.
 * Headers close to each other share most of their search window, so a
 * later search skips what an earlier one already covered (text full of
 * headers without END lines stays linear with a small constant).
 */
interface Searched {
  line: string;
  from: number;
  to: number;
}

/** End of the block whose header matched at `start`, or -1 while it could still grow. */
function blockEnd(text: string, start: number, headerEnd: number, label: string, final: boolean, searched: Searched): number {
  const limit = Math.min(text.length, start + PEM_MAX);
  const endLine = `-----END ${label}-----`;
  let from = headerEnd;
  if (searched.line === endLine && headerEnd >= searched.from && headerEnd <= searched.to) from = Math.max(headerEnd, searched.to - endLine.length + 1);
  const at = from < limit ? text.slice(from, limit).indexOf(endLine) : -1;
  if (at !== -1) return from + at + endLine.length;
  searched.line = endLine;
  searched.from = headerEnd;
  searched.to = limit;
  if (!final && text.length < start + PEM_MAX) return -1;
  return bodyEnd(text, headerEnd, limit);
}

/** A run of base64 characters that may be key material. */
const RUN = /[A-Za-z0-9+/=]{6,}/g;

/** Whether `run` looks generated (a digit, or both cases) rather than a word or filler. */
const keyMaterial = (run: string): boolean => (/\d/.test(run) || (/[a-z]/.test(run) && /[A-Z]/.test(run))) && !isPlaceholder(run);

/**
 * Whether a block's body (the text after its header) is a placeholder —
 * `...`, `xxxx…`, `<your private key here>` — rather than key material: no
 * run of six or more base64 characters in it looks generated. Text added to
 * a real block cannot make it one, since its key material stays. A header
 * alone (a truncated paste) still counts as a key.
 */
function placeholderBody(body: string): boolean {
  if (body.trim().length === 0) return false;
  for (const run of body.matchAll(RUN)) if (keyMaterial(run[0])) return false;
  return true;
}

/** Detector of PEM private key blocks. */
export const privateKeyDetector: Detector = {
  types: ["private_key"],
  reach: 72,
  lookbehind: 0,
  triggers: "-",
  scan(text, from, out) {
    const searched: Searched = { line: "", from: 0, to: 0 };
    HEADER.lastIndex = from;
    let m: RegExpExecArray | null;
    while ((m = HEADER.exec(text)) !== null) {
      const label = `${m[1] ?? ""}PRIVATE KEY${m[2] ?? ""}`;
      const headerEnd = HEADER.lastIndex;
      const end = blockEnd(text, m.index, headerEnd, label, true, searched);
      if (!placeholderBody(text.slice(headerEnd, end))) out.push({ type: "private_key", start: m.index, end });
      HEADER.lastIndex = end;
    }
  },
  pending(text, from) {
    const searched: Searched = { line: "", from: 0, to: 0 };
    HEADER.lastIndex = Math.max(from, text.length - PEM_MAX);
    let m: RegExpExecArray | null;
    while ((m = HEADER.exec(text)) !== null) {
      const label = `${m[1] ?? ""}PRIVATE KEY${m[2] ?? ""}`;
      const end = blockEnd(text, m.index, HEADER.lastIndex, label, false, searched);
      if (end === -1) return m.index;
      HEADER.lastIndex = end;
    }
    return -1;
  },
};
