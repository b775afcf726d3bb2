/**
 * Credentials embedded in URLs: the `user:password` of
 * `scheme://user:password@host`. The scheme and host stay visible; the whole
 * user-info part (user name included) is the finding. The scan is anchored on
 * `://`; the authority ends at whitespace, `/`, `?`, `#`, a quote or an angle
 * bracket (not one of a token placeholder: `<EMAIL_TOKEN:…>` inside a password
 * is read over), and its last `@` ends the user-info. A password that is a
 * placeholder (`${DB_PASSWORD}`, `<password>`, `password`, `xxxx`; see
 * `isPlaceholderSecret`) is not reported.
 *
 * @module
 */
import { codeAt, isAlnum, isAlpha, isWord } from "../chars.js";
import type { Detector } from "../detector.js";
import { isPlaceholderSecret } from "../entropy.js";
import { tokenShapeEnd, withoutTokenShapes } from "../token-vault.js";

const MAX_AUTHORITY = 256;

const endsAuthority = (c: number): boolean => c <= 32 || c === 47 || c === 63 || c === 35 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62;

/** Whether a scheme (letter, then letters, digits, `+`, `-`, `.`) ends just before `index`. */
function schemeBefore(text: string, index: number): boolean {
  let i = index;
  while (i > 0 && index - i < 32) {
    const c = text.charCodeAt(i - 1);
    if (!(isAlnum(c) || c === 43 || c === 45 || c === 46)) break;
    i--;
  }
  return i < index && isAlpha(text.charCodeAt(i)) && !isWord(codeAt(text, i - 1));
}

/** Detector of credentials in URLs. */
export const urlCredentialsDetector: Detector = {
  types: ["url_credentials"],
  reach: MAX_AUTHORITY + 2,
  lookbehind: 36,
  // Credentials end at the `@` before the host.
  triggers: "@",
  scan(text, from, out) {
    let sep = text.indexOf("://", Math.max(0, from - 3));
    while (sep !== -1) {
      const start = sep + 3;
      let end = start;
      let at = -1;
      while (end < text.length && end - start <= MAX_AUTHORITY) {
        const c = text.charCodeAt(end);
        const token = c === 60 ? tokenShapeEnd(text, end) : -1;
        if (token !== -1) {
          end = token;
          continue;
        }
        if (endsAuthority(c)) break;
        if (c === 64) at = end;
        end++;
      }
      if (at !== -1 && end - start <= MAX_AUTHORITY && start >= from && schemeBefore(text, sep)) {
        const colon = text.indexOf(":", start);
        const host = codeAt(text, at + 1);
        const password = colon === -1 ? "" : withoutTokenShapes(text.slice(colon + 1, at));
        if (colon !== -1 && colon < at - 1 && (isAlnum(host) || host === 91) && !isPlaceholderSecret(password)) {
          out.push({ type: "url_credentials", start, end: at });
        }
      }
      sep = text.indexOf("://", start);
    }
  },
};
