/**
 * API tokens with a recognisable vendor prefix, after the gitleaks rules:
 *
 * | type | format |
 * | --- | --- |
 * | `github_token` | `ghp_` `gho_` `ghu_` `ghs_` `ghr_` + 36 letters or digits; `github_pat_` + 82 |
 * | `gitlab_token` | `glpat-` + 20, or routable `glpat-` + 27–300 + `.` + 9; `gldt-` `glft-` `glffct-` `glrt-` `glsoat-` + 20; routable `glrt-t1_…`; `glcbt-` + 1–5 + `_` + 20; `glimt-` + 25; `glagent-` + 50; `gloas-` + 64; `glptt-` + 40 hexadecimal; `GR1348941` + 20; the 32 characters after `_gitlab_session=` |
 * | `slack_token` | `xoxb-` `xoxp-` `xoxa-` `xoxr-` `xoxs-` + dash-separated segments; `xoxo-` and `xoxe-` legacy and refresh tokens; `xoxe.xoxb-` `xoxe.xoxp-` configuration tokens; `xapp-` app tokens |
 * | `slack_webhook` | `https://hooks.slack.com/services/…` (also `workflows`, `triggers`), with or without the scheme |
 * | `stripe_key` | `sk_` `rk_` + `live_` `test_` `prod_` + 10–247 |
 * | `openai_key` | `sk-` + 48 (legacy); `sk-proj-` `sk-svcacct-` `sk-admin-` + 40–250 |
 * | `anthropic_key` | `sk-ant-api03-…` and other `sk-ant-` kinds, + 40–250 |
 * | `google_api_key` | `AIza` + 35 |
 * | `npm_token` | `npm_` + 36 |
 * | `sendgrid_key` | `SG.` + 22 + `.` + 43, or `SG.` + 66 of letters, digits, `= _ - .` |
 * | `twilio_key` | `SK` + 32 hexadecimal digits |
 * | `huggingface_token` | `hf_` + 34; `api_org_` + 34 letters |
 *
 * A token whose characters after the prefix are a placeholder (filler such
 * as `xxxx…`, a documented example; see `isPlaceholder`) is not reported.
 * A token must not be glued to a word character before it or a token
 * character after it. The scan is anchored on each prefix's first separator
 * after its first character: `_`, `-`, `.` and the `:` of `https://` are
 * found with `indexOf`, and only the prefixes whose separator follows the
 * character just before are checked (one table lookup rejects almost every
 * hyphen and full stop of prose); the prefixes without one (`AIza`, `SK`,
 * `GR1348941`) are found by one literal regex.
 *
 * @module
 */
import { codeAt, isWord } from "../chars.js";
import type { Detector } from "../detector.js";
import { isPlaceholder } from "../entropy.js";
import { SeparatorIndex } from "../separators.js";
import type { Span } from "../types.js";

/** One vendor token format. */
export interface TokenRule {
  /** Finding type. */
  readonly type: string;
  /** Literal prefixes the token starts with. */
  readonly prefixes: readonly string[];
  /**
   * Sticky pattern of the whole token, tried at the prefix. With a group, only
   * the group is the secret (`_gitlab_session=` stays readable).
   */
  readonly pattern: RegExp;
}

const GH = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"];
/** GitLab prefixes whose token is 20 characters of `[0-9A-Za-z_-]` (deploy, feed, feature flag, runner, SCIM). */
const GITLAB_20 = ["gldt-", "glft-", "glffct-", "glrt-", "glsoat-"];

/** The token formats, most specific first (gitleaks' rules, `cmd/generate/config/rules`). */
export const TOKEN_RULES: readonly TokenRule[] = [
  { type: "github_token", prefixes: GH, pattern: /gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/y },
  { type: "github_token", prefixes: ["github_pat_"], pattern: /github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_])/y },
  { type: "gitlab_token", prefixes: ["glpat-"], pattern: /glpat-(?:[0-9A-Za-z_-]{27,300}\.[0-9a-z]{9}(?![A-Za-z0-9_.-])|[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-]))/y },
  { type: "gitlab_token", prefixes: ["glrt-"], pattern: /glrt-t\d_[0-9A-Za-z_-]{27,300}\.[0-9a-z]{9}(?![A-Za-z0-9_.-])/y },
  { type: "gitlab_token", prefixes: GITLAB_20, pattern: /gl(?:dt|ft|ffct|rt|soat)-[0-9A-Za-z_-]{20}(?![A-Za-z0-9_-])/y },
  { type: "gitlab_token", prefixes: ["glcbt-"], pattern: /glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_-]{20}(?![A-Za-z0-9_-])/y },
  { type: "gitlab_token", prefixes: ["glimt-"], pattern: /glimt-[0-9A-Za-z_-]{25}(?![A-Za-z0-9_-])/y },
  { type: "gitlab_token", prefixes: ["glagent-"], pattern: /glagent-[0-9A-Za-z_-]{50}(?![A-Za-z0-9_-])/y },
  { type: "gitlab_token", prefixes: ["gloas-"], pattern: /gloas-[0-9A-Za-z_-]{64}(?![A-Za-z0-9_-])/y },
  { type: "gitlab_token", prefixes: ["glptt-"], pattern: /glptt-[0-9a-f]{40}(?![A-Za-z0-9_-])/y },
  { type: "gitlab_token", prefixes: ["GR1348941"], pattern: /GR1348941[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])/y },
  { type: "gitlab_token", prefixes: ["_gitlab_session="], pattern: /_gitlab_session=([0-9a-z]{32})(?![A-Za-z0-9])/y },
  { type: "slack_token", prefixes: ["xoxe.xoxb-", "xoxe.xoxp-"], pattern: /xoxe\.xox[bp]-\d-[A-Za-z0-9]{163,166}(?![A-Za-z0-9])/y },
  { type: "slack_token", prefixes: ["xoxe-"], pattern: /xoxe-(?:\d-[A-Za-z0-9]{146}|\d{10,13}-\d{10,13}-\d{10,13}-[A-Za-z0-9-]{28,34})(?![A-Za-z0-9])/y },
  { type: "slack_token", prefixes: ["xoxo-"], pattern: /xoxo-\d+-\d+-\d+-[a-fA-F\d]+(?![A-Za-z0-9])/y },
  { type: "slack_token", prefixes: ["xapp-"], pattern: /xapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+(?![A-Za-z0-9])/y },
  {
    type: "slack_token",
    prefixes: ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"],
    pattern: /xox[bpars]-(?:\d-)?[0-9A-Za-z]{8,64}(?:-[0-9A-Za-z]{1,64}){0,4}(?![A-Za-z0-9_-])/y,
  },
  {
    type: "slack_webhook",
    prefixes: ["https://hooks.slack.com/", "http://hooks.slack.com/"],
    pattern: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20,200}/y,
  },
  { type: "slack_webhook", prefixes: ["hooks.slack.com/"], pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20,200}/y },
  {
    type: "stripe_key",
    prefixes: ["sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"],
    pattern: /[sr]k_(?:live|test|prod)_[0-9A-Za-z]{10,247}(?![A-Za-z0-9_])/y,
  },
  { type: "anthropic_key", prefixes: ["sk-ant-"], pattern: /sk-ant-[a-z]{2,10}\d{0,3}-[A-Za-z0-9_-]{40,250}(?![A-Za-z0-9_-])/y },
  { type: "openai_key", prefixes: ["sk-proj-", "sk-svcacct-", "sk-admin-"], pattern: /sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}(?![A-Za-z0-9_-])/y },
  { type: "openai_key", prefixes: ["sk-"], pattern: /sk-[A-Za-z0-9]{48}(?![A-Za-z0-9_-])/y },
  { type: "google_api_key", prefixes: ["AIza"], pattern: /AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/y },
  { type: "npm_token", prefixes: ["npm_"], pattern: /npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/y },
  { type: "sendgrid_key", prefixes: ["SG."], pattern: /SG\.(?:[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])|[A-Za-z0-9=_\-.]{66}(?![A-Za-z0-9=_\-.]))/y },
  { type: "twilio_key", prefixes: ["SK"], pattern: /SK[0-9a-fA-F]{32}(?![A-Za-z0-9_])/y },
  { type: "huggingface_token", prefixes: ["hf_"], pattern: /hf_[A-Za-z0-9]{34}(?![A-Za-z0-9_])/y },
  { type: "huggingface_token", prefixes: ["api_org_"], pattern: /api_org_[A-Za-z]{34}(?![A-Za-z0-9_])/y },
];

/** Longest token any rule accepts. */
const MAX_TOKEN = 300;

interface Entry {
  readonly rule: TokenRule;
  readonly prefix: string;
  /** Offset of the anchor character inside the prefix. */
  readonly offset: number;
}

/** Separators that anchor prefixes: `_`, `-`, and `:` for URLs (`https://…`). */
const SEPARATORS = ["_", "-", ":", "."] as const;

/**
 * Rules indexed by the anchor that finds them: a separator (then by the
 * character before it), or a literal for prefixes without one.
 */
function index(rules: readonly TokenRule[]) {
  const bySeparator = new Map<string, (Entry[] | undefined)[]>(SEPARATORS.map((s) => [s, Array.from({ length: 128 }, (): Entry[] | undefined => undefined)]));
  const literals: Entry[] = [];
  for (const rule of rules) {
    for (const prefix of rule.prefixes) {
      const candidates = SEPARATORS.map((s) => prefix.indexOf(s, 1)).filter((i) => i > 0);
      if (candidates.length === 0) {
        literals.push({ rule, prefix, offset: 0 });
        continue;
      }
      const offset = Math.min(...candidates);
      const byChar = bySeparator.get(prefix[offset] as string) as (Entry[] | undefined)[];
      const before = prefix.charCodeAt(offset - 1);
      byChar[before] = [...(byChar[before] ?? []), { rule, prefix, offset }];
    }
  }
  const literal = new RegExp([...new Set(literals.map((e) => e.prefix))].map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|"), "g");
  const used = SEPARATORS.filter((s) => (bySeparator.get(s) as (Entry[] | undefined)[]).some((e) => e !== undefined));
  // Every token holds its prefix, so the character that anchors it.
  const anchors = [...new Set([...literals.map((e) => e.prefix[0] as string), ...used])].join("");
  return { bySeparator, literals, literal, used, anchors };
}

/** Tries `entry` with the prefix starting at `start`; appends and returns true on a match. */
function tryRule(text: string, entry: Entry, start: number, from: number, out: Span[]): boolean {
  if (start < from || !text.startsWith(entry.prefix, start) || isWord(codeAt(text, start - 1))) return false;
  const pattern = entry.rule.pattern;
  pattern.lastIndex = start;
  const m = pattern.exec(text);
  if (m === null) return false;
  const secret = m[1] ?? m[0];
  const secretStart = start + m[0].length - secret.length;
  if (isPlaceholder(m[1] ?? m[0].slice(entry.prefix.length))) return false;
  out.push({ type: entry.rule.type, start: secretStart, end: start + m[0].length });
  return true;
}

/** Creates a detector for `rules` (by default every vendor format above). */
export function vendorTokenDetector(rules: readonly TokenRule[] = TOKEN_RULES): Detector {
  const { bySeparator, literals, literal, used, anchors } = index(rules);
  const scanSeparator = (text: string, separator: string, from: number, out: Span[], index: SeparatorIndex): void => {
    const byChar = bySeparator.get(separator) as (Entry[] | undefined)[];
    const positions = index.positions(separator);
    for (let k = SeparatorIndex.firstAtOrAfter(positions, from); k < positions.length; k++) {
      const at = positions[k] as number;
      const before = at > 0 ? text.charCodeAt(at - 1) : -1;
      const entries = before >= 0 && before < 128 ? byChar[before] : undefined;
      if (entries !== undefined) {
        for (const entry of entries) if (tryRule(text, entry, at - entry.offset, from, out)) break;
      }
    }
  };
  return {
    types: [...new Set(rules.map((r) => r.type))],
    reach: MAX_TOKEN,
    triggers: anchors,
    lookbehind: 16,
    scan(text, from, out, separators) {
      for (const separator of used) scanSeparator(text, separator, from, out, separators);
      if (literals.length === 0) return;
      literal.lastIndex = from;
      let m: RegExpExecArray | null;
      while ((m = literal.exec(text)) !== null) {
        for (const entry of literals) if (tryRule(text, entry, m.index, from, out)) break;
        literal.lastIndex = m.index + 1;
      }
    },
  };
}
