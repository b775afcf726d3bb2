/**
 * `createMasker`: validates the options once and returns a masker that finds
 * personal data and secrets in text, replaces them according to per-type
 * rules, and works on strings, structured values and streams.
 *
 * @module
 */
import type { CountryCode } from "libphonenumber-js/max";
import { z } from "zod";
import { PolicyError } from "../errors.js";
import { parseOptions } from "../validate.js";
import { BUILTIN_TYPES, builtinDetectors, CUSTOM_PRIORITY, expandName, GROUPS, type MaskStyle, TYPE_INFO } from "./catalog.js";
import { type CustomDetector, compileCustom } from "./custom.js";
import { forEachString, mapDeep, mapStrings } from "./deep.js";
import { isPhoneRegion } from "./detectors/phone-validation.js";
import { createEngine, type Engine, resolveOverlaps } from "./engine.js";
import { MaskingBlockedError } from "./errors.js";
import { createPseudonymizer, type Pseudonymizer } from "./pseudonym.js";
import { masked, redacted, STRATEGIES } from "./strategies.js";
import { createStream, type MaskingStream, type SliceRenderer } from "./stream.js";
import { TOKEN_PATTERN, TokenVault } from "./token-vault.js";
import type { BuiltinType, DeepFinding, DeepMaskResult, DetectorName, Finding, MaskCallOptions, MaskResult, Span, Strategy, UnmaskOptions } from "./types.js";
import { memoryVault, type Vault } from "./vault.js";

/** Options of {@link createMasker}. */
export interface MaskerOptions {
  /** Built-in types (or groups `ip`, `pii`, `secrets`) to look for. Default: all. */
  readonly detectors?: readonly DetectorName[];
  /** Additional detectors for types of your own. */
  readonly custom?: readonly CustomDetector[];
  /** Strategy of every type without a rule. Default `redact`. */
  readonly strategy?: Strategy;
  /**
   * Strategy per type or group: `{ credit_card: "mask", email: "hash", jwt: "block", secrets: "redact" }`.
   * A type's own rule wins over its group's (`ip` before `pii` and `secrets`).
   */
  readonly rules?: Readonly<Partial<Record<DetectorName, Strategy>>> | Readonly<Record<string, Strategy>>;
  /** Key of the `hash` strategy (HMAC-SHA256), at least 16 bytes; required when a rule hashes. */
  readonly hashKey?: string | Uint8Array;
  /** Where `tokenize` keeps encrypted values. Default: a {@link memoryVault}. */
  readonly vault?: Vault;
  /**
   * Key material for token ids and value encryption, at least 16 bytes.
   * Required with a shared vault (every instance must use the same one);
   * random per masker otherwise.
   */
  readonly vaultKey?: string | Uint8Array;
  /**
   * Regions (ISO 3166 alpha-2) whose national numbering plans phone numbers
   * written without `+` are read in, tried in order: `["US", "GB", "DE"]`.
   * Numbers written with `+` are read in their own country's plan whatever
   * this says. Default `["US"]`.
   */
  readonly phoneRegions?: readonly CountryCode[];
  /** One region for numbers written without `+`: the same as `phoneRegions: [phoneCountry]`; not with `phoneRegions`. */
  readonly phoneCountry?: CountryCode;
}

/** Finds and masks personal data and secrets. */
export interface Masker {
  /** The types this masker looks for. */
  readonly types: readonly string[];
  /** Masks a string. Throws {@link MaskingBlockedError} when a `block` type is found. */
  mask(text: string, options?: MaskCallOptions): MaskResult;
  /**
   * Masks a structured value as a model or a serialiser will see it, returning
   * a copy of the same shape (the input is not modified; cycles are kept):
   * every string (read after its key, `phone: …`, so a label before a value
   * counts as it does in the serialised text); every number and bigint as the
   * text JSON gives it (a masked number becomes its placeholder string);
   * object keys and string `Map` keys (a masked key that meets a name already
   * taken gets `#2`, `#3`, …, so no value is lost); and adjacent text blocks
   * (`{ type: "text", text }`) as one text, a value split across blocks being
   * rendered whole in the block where it ends. A finding in a key has the path
   * of the object holding it. Throws `NestingLimitError` past `MAX_NESTING`.
   */
  maskDeep<T>(value: T, options?: MaskCallOptions): DeepMaskResult<T>;
  /** Starts masking a stream of chunks; the output equals `mask` of the whole text. */
  stream(options?: MaskCallOptions): MaskingStream;
  /** Restores the tokens of `options.tenant` in `text`; other tokens stay as they are. */
  unmask(text: string, options?: UnmaskOptions): Promise<string>;
  /** Restores the tokens of `options.tenant` in every string of a value (a copy of the same shape; the value itself when no string holds a token). */
  unmaskDeep<T>(value: T, options?: UnmaskOptions): Promise<T>;
  /** Waits until every token made so far is stored in the vault (needed before another instance restores it). */
  flush(): Promise<void>;
}

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Fewest digits of a number in which a built-in detector may find a value
 * (the shortest the detectors accept, a local phone number after a phone
 * word, has seven; one less for margin).
 */
const MIN_NUMBER_DIGITS = 6;

/** Digits in a number's text. */
function digitCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) count++;
  }
  return count;
}
const strategySchema = z.enum(STRATEGIES);
const keySchema = z.union([z.string(), z.instanceof(Uint8Array)]).refine((k) => (typeof k === "string" ? Buffer.byteLength(k) : k.byteLength) >= 16, {
  message: "must be at least 16 bytes",
});
const typeName = z.string().regex(TYPE_NAME, "must start with a letter and hold only letters, digits and _");
const maxLength = z.number().int().positive().max(65_536).optional();
const customSchema = z.union([
  z.strictObject({ type: typeName, pattern: z.instanceof(RegExp), maxLength }),
  z.strictObject({ type: typeName, detect: z.custom<CustomDetector>((v) => typeof v === "function", { message: "expected a function" }), maxLength }),
]);
const region = z.string().refine((c) => isPhoneRegion(c), { message: "unknown region code" });
const optionsSchema = z.strictObject({
  detectors: z.array(z.string().refine((n) => expandName(n) !== undefined, { message: "unknown detector" })).optional(),
  custom: z.array(customSchema).optional(),
  strategy: strategySchema.optional(),
  rules: z.record(z.string(), strategySchema).optional(),
  hashKey: keySchema.optional(),
  vault: z
    .custom<Vault>((v) => typeof v === "object" && v !== null && typeof (v as Vault).set === "function" && typeof (v as Vault).get === "function", {
      message: "expected a vault (memoryVault(), redisVault(...))",
    })
    .optional(),
  vaultKey: keySchema.optional(),
  phoneRegions: z.array(region).min(1).optional(),
  phoneCountry: region.optional(),
});

/** Strategy per enabled type, from the rules, group rules and the default. */
function strategies(types: readonly string[], rules: Readonly<Record<string, Strategy>>, fallback: Strategy): Map<string, Strategy> {
  const result = new Map<string, Strategy>();
  const groupOf = (type: string, group: keyof typeof GROUPS) => (GROUPS[group] as readonly string[]).includes(type);
  // Own keys only: a custom type named `constructor` must not pick up Object.prototype's.
  const rule = (name: string): Strategy | undefined => (Object.hasOwn(rules, name) ? rules[name] : undefined);
  for (const type of types) {
    const strategy =
      rule(type) ??
      (groupOf(type, "ip") ? rule("ip") : undefined) ??
      (groupOf(type, "pii") ? rule("pii") : undefined) ??
      (groupOf(type, "secrets") ? rule("secrets") : undefined) ??
      fallback;
    result.set(type, strategy);
  }
  return result;
}

/** Types a `reveal` list stands for (groups expanded; unknown names kept as custom types). */
function revealSet(reveal: readonly string[] | undefined): ReadonlySet<string> {
  const set = new Set<string>();
  for (const name of reveal ?? []) for (const type of expandName(name) ?? [name]) set.add(type);
  return set;
}

/**
 * Creates a masker. Options are validated once; an invalid option throws
 * `PolicyError` naming it (`masking.rules.email`, `masking.hashKey`, …).
 *
 * @example
 * ```ts
 * const masker = createMasker({ rules: { credit_card: "mask", email: "hash", jwt: "block" }, hashKey });
 * masker.mask("Card 4242 4242 4242 4242, mail ana@example.com").text;
 * // "Card ************4242, mail <EMAIL:5d1c09ab>"
 * ```
 */
export function createMasker(options: MaskerOptions = {}): Masker {
  const parsed = parseOptions(optionsSchema, options, "masking");
  const custom = (options.custom ?? []) as readonly CustomDetector[];
  custom.forEach((c, i) => {
    if (expandName(c.type) !== undefined) throw new PolicyError(`masking.custom[${i}].type`, `"${c.type}" is a built-in type or group`);
  });
  const customTypes = [...new Set(custom.map((c) => c.type))];
  const rules = (parsed.rules ?? {}) as Record<string, Strategy>;
  for (const name of Object.keys(rules)) {
    if (expandName(name) === undefined && !customTypes.includes(name)) throw new PolicyError(`masking.rules.${name}`, "unknown type");
  }

  const builtin = new Set<BuiltinType>();
  for (const name of parsed.detectors ?? BUILTIN_TYPES) for (const type of expandName(name) ?? []) builtin.add(type);
  const types = [...BUILTIN_TYPES.filter((t) => builtin.has(t)), ...customTypes];
  const strategyOf = strategies(types, rules, parsed.strategy ?? "redact");
  const uses = (s: Strategy) => [...strategyOf.values()].includes(s);

  if (uses("hash") && parsed.hashKey === undefined) throw new PolicyError("masking.hashKey", "required by the hash strategy");
  const pseudonym: Pseudonymizer | undefined = parsed.hashKey === undefined ? undefined : createPseudonymizer(parsed.hashKey);
  const vault = options.vault ?? memoryVault();
  if (uses("tokenize") && vault.shared && parsed.vaultKey === undefined) {
    throw new PolicyError("masking.vaultKey", "required with a shared vault: every instance must use the same key");
  }
  const tokens = new TokenVault(vault, parsed.vaultKey);

  const priorities = new Map<string, number>();
  for (const type of BUILTIN_TYPES) priorities.set(type, TYPE_INFO[type].priority);
  for (const type of customTypes) priorities.set(type, CUSTOM_PRIORITY);
  const styleOf = (type: string): MaskStyle => (Object.hasOwn(TYPE_INFO, type) ? TYPE_INFO[type as BuiltinType].maskStyle : "hidden");
  if (parsed.phoneRegions !== undefined && parsed.phoneCountry !== undefined) {
    throw new PolicyError("masking.phoneCountry", "give phoneRegions or phoneCountry, not both");
  }
  const phoneRegions = (parsed.phoneRegions ?? [parsed.phoneCountry ?? "US"]) as readonly CountryCode[];
  const detectors = [...builtinDetectors(new Set(types), phoneRegions), ...custom.map(compileCustom)];
  const engine: Engine = createEngine(detectors, new Set(types), priorities, (tag, id) => tokens.issued(tag, id));
  const placeholders = new Map(types.map((type) => [type, redacted(type)]));
  // Numbers shorter than this cannot hold a value of a built-in type; custom detectors see every number.
  const numberFloor = custom.length > 0 ? 0 : MIN_NUMBER_DIGITS;

  /** A renderer of `text[from, to)` with `spans` (sorted, disjoint, inside the range) replaced, for one call's options. */
  const makeRenderer = (call: MaskCallOptions | undefined): SliceRenderer => {
    const reveal = revealSet(call?.reveal);
    const tenant = call?.tenant ?? "";
    return (text: string, from: number, to: number, spans: readonly Span[], offset: number, findings: Finding[]): string => {
      if (spans.length === 0) return from === 0 && to === text.length ? text : text.slice(from, to);
      let blocked: string[] | undefined;
      let blockedCount = 0;
      for (const span of spans) {
        if (!reveal.has(span.type) && strategyOf.get(span.type) === "block") {
          blocked ??= [];
          if (!blocked.includes(span.type)) blocked.push(span.type);
          blockedCount++;
        }
      }
      if (blocked !== undefined) throw new MaskingBlockedError(blocked, blockedCount);
      // Concatenation, not an array join: V8 links the pieces and copies them once when the
      // result is first read, which costs about half of what join does on large texts.
      let out = "";
      let position = from;
      for (const span of spans) {
        out += text.slice(position, span.start);
        position = span.end;
        if (reveal.has(span.type)) {
          out += text.slice(span.start, span.end);
          findings.push({ type: span.type, start: span.start + offset, end: span.end + offset, strategy: "reveal" });
          continue;
        }
        const strategy = strategyOf.get(span.type) ?? "redact";
        switch (strategy) {
          case "mask":
            out += masked(text.slice(span.start, span.end), styleOf(span.type));
            break;
          case "hash":
            out += (pseudonym as Pseudonymizer)(span.type, text.slice(span.start, span.end));
            break;
          case "tokenize":
            out += tokens.tokenize(tenant, span.type, text.slice(span.start, span.end));
            break;
          default:
            out += placeholders.get(span.type) ?? redacted(span.type);
        }
        findings.push({ type: span.type, start: span.start + offset, end: span.end + offset, strategy });
      }
      return out + text.slice(position, to);
    };
  };

  const defaultRenderer = makeRenderer(undefined);
  const renderWith = (call: MaskCallOptions | undefined): SliceRenderer => (call === undefined ? defaultRenderer : makeRenderer(call));

  const maskWith = (text: string, render: SliceRenderer): MaskResult => {
    if (typeof text !== "string") throw new TypeError("mask() takes a string; use maskDeep() for other values");
    const findings: Finding[] = [];
    const spans = resolveOverlaps(engine.spans(text, 0), engine.priority);
    return { text: render(text, 0, text.length, spans, 0, findings), findings };
  };

  /**
   * Masks `parts` as one text and renders those from `first` on: earlier
   * parts are only context, read by detectors that look before a value but
   * never the start of a finding. A value crossing parts is rendered whole in
   * the part where it ends. Findings carry the part they were rendered in and
   * offsets in it (a value begun in an earlier part starts at 0).
   */
  const maskJoined = (parts: readonly string[], render: SliceRenderer, first: number): { texts: string[]; found: { finding: Finding; part: number }[] } => {
    const text = parts.length === 1 ? (parts[0] as string) : parts.join("");
    let partStart = 0;
    for (let i = 0; i < first; i++) partStart += (parts[i] as string).length;
    const spans = resolveOverlaps(engine.spans(text, partStart), engine.priority);
    // Nothing found: every part as it is.
    if (spans.length === 0) return { texts: parts.slice(), found: [] };
    const texts = parts.slice(0, first);
    const found: { finding: Finding; part: number }[] = [];
    const rendered: Finding[] = [];
    let next = 0;
    let from = partStart;
    for (let i = first; i < parts.length; i++) {
      const partEnd = partStart + (parts[i] as string).length;
      const inside: Span[] = [];
      while (next < spans.length && (spans[next] as Span).end <= partEnd) inside.push(spans[next++] as Span);
      const crossing = spans[next];
      const to = crossing !== undefined && crossing.start < partEnd ? Math.max(from, crossing.start) : partEnd;
      const before = rendered.length;
      texts.push(render(text, from, to, inside, 0, rendered));
      for (const finding of rendered.slice(before)) {
        found.push({ finding: { ...finding, start: Math.max(0, finding.start - partStart), end: finding.end - partStart }, part: i });
      }
      from = to;
      partStart = partEnd;
    }
    return { texts, found };
  };

  return {
    types,
    mask(text, call) {
      return maskWith(text, renderWith(call));
    },
    maskDeep<T>(value: T, call?: MaskCallOptions): DeepMaskResult<T> {
      const render = renderWith(call);
      const findings: DeepFinding[] = [];
      // Texts (after their key) in which nothing was found: keys and values repeat across rows.
      const clean = new Set<string>();
      // A value is read after its key, as in the serialised value (`"phone":14155552671`).
      const maskText = (text: string, path: readonly (string | number)[], key: string | undefined): string => {
        const seen = key === undefined ? text : `${key}\u0000${text}`;
        if (clean.has(seen)) return text;
        const { texts, found } = key === undefined ? maskJoined([text], render, 0) : maskJoined([`${key}: `, text], render, 1);
        if (found.length === 0) clean.add(seen);
        for (const { finding } of found) findings.push({ ...finding, path: [...path] });
        return texts.at(-1) as string;
      };
      const copy = mapDeep(value, {
        keys: true,
        text: maskText,
        number: (written, path, key) => (digitCount(written) < numberFloor ? written : maskText(written, path, key)),
        textRun(texts, paths) {
          const result = maskJoined(texts, render, 0);
          for (const { finding, part } of result.found) findings.push({ ...finding, path: [...(paths[part] as readonly (string | number)[])] });
          return result.texts;
        },
      });
      return { value: copy as T, findings };
    },
    stream(call) {
      return createStream(engine, renderWith(call));
    },
    async unmask(text, call) {
      if (typeof text !== "string") throw new TypeError("unmask() takes a string; use unmaskDeep() for other values");
      const [restored] = await tokens.restore([text], call?.tenant ?? "");
      return restored as string;
    },
    async unmaskDeep<T>(value: T, call?: UnmaskOptions): Promise<T> {
      const withTokens: string[] = [];
      forEachString(value, (text) => {
        if (TOKEN_PATTERN.test(text)) withTokens.push(text);
      });
      // Nothing that looks like a token: the value itself, not a copy.
      if (withTokens.length === 0) return value;
      const restored = await tokens.restore(withTokens, call?.tenant ?? "");
      const byText = new Map(withTokens.map((text, i) => [text, restored[i] as string]));
      return mapStrings(value, (text) => byText.get(text) ?? text) as T;
    },
    flush() {
      return tokens.flush();
    },
  };
}
