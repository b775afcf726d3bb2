/**
 * PEM private key blocks, masked whole from `-----BEGIN … PRIVATE KEY-----`
 * to the matching `-----END … PRIVATE KEY-----`: RSA, EC, DSA, OPENSSH,
 * ENCRYPTED, PGP (`PRIVATE KEY BLOCK`) and plain PKCS #8. Public keys and
 * certificates are not secrets and are left alone.
 *
 * A block is looked for over at most 32,768 characters from its header. With
 * no END line within that distance (a truncated paste), the header and the
 * base64 body lines that follow it are masked. The streaming masker holds
 * back an open block until its END line or that limit (see `pending`).
 *
 * @module
 */
import type { Detector } from "../detector.js";

/** Longest block looked for, from the start of its header. */
export const PEM_MAX = 32_768;
const HEADER = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/g;
const BODY = /[A-Za-z0-9+/=\s\\:,.\-]*/y;

/** End of the block whose header matched at `start`, or -1 while it could still grow. */
function blockEnd(text: string, start: number, headerEnd: number, label: string, final: boolean): number {
  const window = text.slice(headerEnd, start + PEM_MAX);
  const endLine = `-----END ${label}-----`;
  const at = window.indexOf(endLine);
  if (at !== -1) return headerEnd + at + endLine.length;
  if (!final && text.length < start + PEM_MAX) return -1;
  BODY.lastIndex = 0;
  const body = BODY.exec(window);
  let end = headerEnd + (body === null ? 0 : body[0].length);
  while (end > headerEnd && /\s/.test(text[end - 1] as string)) end--;
  return end;
}

/** Detector of PEM private key blocks. */
export const privateKeyDetector: Detector = {
  types: ["private_key"],
  reach: 72,
  lookbehind: 0,
  scan(text, from, out) {
    HEADER.lastIndex = from;
    let m: RegExpExecArray | null;
    while ((m = HEADER.exec(text)) !== null) {
      const label = `${m[1] ?? ""}PRIVATE KEY${m[2] ?? ""}`;
      const end = blockEnd(text, m.index, HEADER.lastIndex, label, true);
      out.push({ type: "private_key", start: m.index, end });
      HEADER.lastIndex = end;
    }
  },
  pending(text, from) {
    HEADER.lastIndex = Math.max(from, text.length - PEM_MAX);
    let m: RegExpExecArray | null;
    while ((m = HEADER.exec(text)) !== null) {
      const label = `${m[1] ?? ""}PRIVATE KEY${m[2] ?? ""}`;
      const end = blockEnd(text, m.index, HEADER.lastIndex, label, false);
      if (end === -1) return m.index;
      HEADER.lastIndex = end;
    }
    return -1;
  },
};
