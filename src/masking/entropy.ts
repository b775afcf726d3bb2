/**
 * Shannon entropy, used to tell a random secret (`Zx8Qw3Lp9Vt2`) from a
 * placeholder or a word (`changeit`, `********`, `${TOKEN}`).
 *
 * @module
 */

/**
 * Counts of ASCII characters, reused between calls (values are short and calls
 * synchronous). A plain array, like the character table (see `chars`).
 */
const ascii: number[] = Array.from({ length: 128 }, () => 0);

/** Shannon entropy of `text` in bits per character (0 for an empty string). */
export function shannonEntropy(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  let others: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) ascii[code] = (ascii[code] as number) + 1;
    else (others ??= new Map()).set(code, (others.get(code) ?? 0) + 1);
  }
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128) continue;
    const count = ascii[code] as number;
    if (count === 0) continue;
    ascii[code] = 0;
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  for (const count of others?.values() ?? []) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * The entropy a value of `length` characters must reach to count as random:
 * 3 bits per character, relaxed for short values whose maximum possible
 * entropy (all characters distinct) is `log2(length)`.
 */
export function entropyThreshold(length: number): number {
  return Math.min(3, Math.log2(Math.max(length, 1)) - 0.25);
}

/**
 * Entropy below which a token body is filler (`XXXXXXXXXXX-XXXXXXXX`,
 * `aaaa…b`), not a generated value: random tokens of every vendor format
 * measure above 3 bits per character.
 */
export const FILLER_ENTROPY = 2;

/**
 * Words that documentation and templates put where a real value goes: AWS's
 * published `…EXAMPLE` keys, `your_api_key_here`, `changeme`, `<placeholder>`,
 * `REDACTED`, counting runs (`1234567`, `abcdefg`). A generated secret does
 * not spell them.
 */
const PLACEHOLDER_WORDS =
  /example|placeholder|change[_-]?me|replace[_-]?me|your[_-]?(?:own[_-]?)?(?:api|access|secret|token|key|pass|client|app|auth)|(?:token|key|secret|password|string)[_-]?here|redacted|dummy|0123456|1234567|abcdefg/i;

/**
 * Template syntax standing where a value goes (`${VAR}`, `{{var}}`,
 * `<your-token>`, `%s`, `$VAR`, `...`), or a value that only names what it
 * stands for (`password`, `secret`).
 */
const TEMPLATE = /^(?:\$\{[^}]*\}|\{\{[^}]*\}\}|<[^>]*>|%\(?\w*\)?s|\$[A-Za-z_]\w*|\.{3,}|password|passwd|pass|pwd|secret|token)$/i;

/**
 * Whether `value` (a whole secret, or a token's part after its vendor prefix)
 * is a placeholder rather than a secret: template syntax, a documented
 * example or template word, or filler of too little entropy. No detector
 * reports one.
 */
export function isPlaceholder(value: string): boolean {
  return TEMPLATE.test(value) || shannonEntropy(value) < FILLER_ENTROPY || PLACEHOLDER_WORDS.test(value);
}

/** Placeholder words, and the words that name what a placeholder stands for, anywhere in a value. */
const PLACEHOLDER_PARTS = new RegExp(`${PLACEHOLDER_WORDS.source}|api|access|secret|token|key|pass(?:word)?|client|auth|here|value|string|id`, "gi");

/**
 * Whether a password or assigned secret is a placeholder: template syntax,
 * filler, or a value made only of placeholder words and punctuation
 * (`changeme`, `your_api_key_here`, `<dummy-token>`). Unlike
 * {@link isPlaceholder}, a placeholder word inside a value with anything else
 * in it does not count: people choose passwords such as `Summer1234567!` or
 * `dummy2024`, and those are secrets.
 */
export function isPlaceholderSecret(value: string): boolean {
  if (TEMPLATE.test(value) || shannonEntropy(value) < FILLER_ENTROPY) return true;
  if (!PLACEHOLDER_WORDS.test(value)) return false;
  // An instruction in capitals (`ADD_YOUR_HUGGING_FACE_TOKEN_HERE`) or a published example (`…EXAMPLEKEY`).
  if (/^[A-Z_]+$/.test(value) || /EXAMPLE(?:KEY)?$/.test(value)) return true;
  return !/[A-Za-z0-9]/.test(value.replace(PLACEHOLDER_PARTS, ""));
}
