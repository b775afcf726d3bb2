/**
 * IPv4 addresses in dotted-quad form, each octet 0–255 without leading zeros,
 * with their CIDR prefix length when one follows (`10.0.0.0/8`: the finding
 * covers the network and its size). A suffix out of range (`/33`, `/123`) is
 * not part of the finding.
 *
 * Left alone: a quad inside a longer dotted sequence (`1.2.3.4.5`) or glued
 * to a word (`v1.2.3.4`), and a quad right after a version word (`version`,
 * `ver`, `build`, `release`, `rev`, `revision`, `firmware`, `fw`, optionally
 * followed by `:`, `=` or `#`), which is a version number.
 *
 * @module
 */
import { type NumericFormat, stickyEnd } from "./numeric.js";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const PREFIX = "(?:/(?:3[0-2]|[12]\\d|\\d)(?![\\w]|\\.\\d))?";
const QUAD = new RegExp(`(?<![\\w.\\-]|\\d[,])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d|-\\w)${PREFIX}`, "y");
const VERSION_WORD = /(?:^|[^a-z])(?:version|ver|build|release|rev|revision|firmware|fw)\.?\s{0,3}[:=#]?\s{0,3}$/i;

/** IPv4 addresses, for the numeric pass. */
export const ipv4Format: NumericFormat = {
  type: "ipv4",
  reach: 21,
  lookbehind: 24,
  fits: (text, start, length) => length <= 3 && text.charCodeAt(start + length) === 46,
  matchAt(text, start) {
    const end = stickyEnd(QUAD, text, start);
    if (end === -1) return -1;
    return VERSION_WORD.test(text.slice(Math.max(0, start - 22), start)) ? -1 : end;
  },
};
