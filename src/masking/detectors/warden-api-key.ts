/**
 * Warden API keys (`wdn_<environment>_<id>_<secret><checksum>`, see
 * `createApiKey`): the `wdn_` form with a valid CRC-32 checksum, so a key
 * that lands in a tool output, a prompt or a log is masked, and nothing that
 * merely looks like one is. The scan is anchored on the literal `wdn_`,
 * found with `indexOf`; the key must not be glued to a word character before
 * it or to a key character after it.
 *
 * @module
 */
import { API_KEY_MAX_LENGTH, parseApiKey } from "../../identity/api-key-format.js";
import { codeAt, isWord } from "../chars.js";
import type { Detector } from "../detector.js";

/** The longest run that can be a key, tried at `wdn_`; the checksum then decides. */
const CANDIDATE = /wdn_[a-z0-9]{1,12}_[A-Za-z0-9]{16}_[A-Za-z0-9]{49}(?![A-Za-z0-9_-])/y;

/** Detector of Warden API keys. */
export const wardenApiKeyDetector: Detector = {
  types: ["warden_api_key"],
  reach: API_KEY_MAX_LENGTH + 1,
  lookbehind: 1,
  triggers: "_",
  scan(text, from, out) {
    let at = text.indexOf("wdn_", from);
    while (at !== -1) {
      let end = -1;
      if (!isWord(codeAt(text, at - 1))) {
        CANDIDATE.lastIndex = at;
        const match = CANDIDATE.exec(text);
        if (match !== null && parseApiKey(match[0]) !== undefined) end = at + match[0].length;
      }
      if (end !== -1) out.push({ type: "warden_api_key", start: at, end });
      at = text.indexOf("wdn_", end === -1 ? at + 1 : end);
    }
  },
};
