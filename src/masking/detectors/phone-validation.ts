/**
 * libphonenumber-js's `parsePhoneNumberFromString(text, { defaultCountry,
 * extract: false })` followed by `isValid()` and `formatNational()`, with the
 * metadata's regular expressions compiled once instead of on every call.
 *
 * libphonenumber-js (full metadata) stays the authority: every pattern,
 * length list, prefix rule and format comes from its `Metadata` class. What
 * it costs is the way it applies them: each check builds a `new RegExp` from
 * a metadata string (`matchesEntirely`, `search(leadingDigits)`, the national
 * prefix and IDD prefix patterns), and resolving a number of a calling code
 * shared by several countries (`+1`: the United States, Canada and 23 more)
 * runs the full type check of one country after the other. A call took 10–30
 * µs, and hundreds of µs after a full garbage collection, when V8 has dropped
 * its cache of compiled expressions. Here each numbering plan's expressions
 * are compiled on first use and kept (a few hundred plans at most), and the
 * same steps run on them: a number costs a few µs.
 *
 * The port covers text made only of ASCII digits, spaces, `+`, `(`, `)`, `-`
 * and `.` (what the phone scanner hands over); other text goes to
 * libphonenumber itself. On that alphabet the library's text-level steps
 * reduce to simple facts, each noted where it is used: no RFC 3966 `tel:` or
 * `;phone-context=` part, no extension (every extension syntax needs a
 * letter, `#`, `,`, `;` or `~`), and the input is viable exactly when `+`
 * occurs at most as its first character and it holds three digits or more
 * (or is exactly two digits). The rest follows the library's source step by step
 * (`parse.js`, `extractCountryCallingCode`, `stripIddPrefix`,
 * `extractNationalNumber`, `getCountryByCallingCode`, `getNumberType`,
 * `isValid`, `format`), and test/masking/phone-validation.test.ts compares
 * the two on a large seeded set of inputs.
 *
 * @module
 */
import { createRequire } from "node:module";
import type { CountryCode, PhoneNumber } from "libphonenumber-js/max";

/** The functions of libphonenumber-js's metadata-free core read here, each given the metadata. */
interface Core {
  Metadata: new (metadata: object) => unknown;
  parsePhoneNumberFromString(text: string, options: { defaultCountry: CountryCode; extract: false }, metadata: object): PhoneNumber | undefined;
  isSupportedCountry(code: string, metadata: object): boolean;
}

/** libphonenumber-js's core and its full metadata (the `max` build's), once loaded. */
let library: { readonly core: Core; readonly metadata: object } | undefined;

/**
 * libphonenumber-js with its full metadata (what its `max` build uses),
 * loaded on first use rather than when the masking module is imported: a
 * process that never reads a phone number, or masks without the `phone`
 * type, never loads the metadata. Loaded synchronously, so masking stays
 * synchronous.
 */
function libphonenumber(): { readonly core: Core; readonly metadata: object } {
  if (library === undefined) {
    const require = createRequire(import.meta.url);
    library = { core: require("libphonenumber-js/core") as Core, metadata: require("libphonenumber-js/metadata.max.json") as object };
  }
  return library;
}

/** Whether libphonenumber knows the region `code` (ISO 3166 alpha-2). Loads the metadata. */
export function isPhoneRegion(code: string): boolean {
  const { core, metadata } = libphonenumber();
  return core.isSupportedCountry(code, metadata);
}

import { isDigit } from "../chars.js";

/** A phone-number type of the metadata (only its pattern and lengths are read). */
interface NumberTypeView {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}

/** A national format of the metadata. */
export interface NumberFormatView {
  /** Pattern of the whole national number, one capturing group per digit group. */
  pattern(): string;
  /** Replacement that writes the groups (`($1) $2-$3`). */
  format(): string;
  /** Patterns of the leading digits the format applies to, most specific last. */
  leadingDigitsPatterns(): string[];
  /** How the national prefix is written with the first group (`0$1`), if any. */
  nationalPrefixFormattingRule(): string | undefined;
}

/**
 * The part of libphonenumber's (undocumented) `NumberingPlan` class read
 * here: the metadata of one country, or of a non-geographic calling code.
 */
export interface NumberingPlanView {
  /** Calling code, without `+`. */
  callingCode(): string;
  /** Pattern of the international (IDD) prefix dialled from this country (`011`). */
  IDDPrefix(): string | undefined;
  /** Pattern every national significant number of the plan matches. */
  nationalNumberPattern(): string;
  /** Possible lengths of a national significant number, ascending. */
  possibleLengths(): number[] | undefined;
  /** The national (trunk) prefix (`0`, `1`). */
  nationalPrefix(): string | undefined;
  /** Pattern of what national parsing strips (the national prefix, carrier codes), else the national prefix. */
  nationalPrefixForParsing(): string | undefined;
  /** Replacement for what {@link nationalPrefixForParsing} matched, when it captured groups. */
  nationalPrefixTransformRule(): string | undefined;
  /** Leading digits that tell this country apart among those sharing its calling code. */
  leadingDigits(): string | undefined;
  /** Whether the plan has per-type patterns (fixed line, mobile, …). */
  hasTypes(): boolean;
  /** One per-type pattern (`FIXED_LINE`, `MOBILE`, …), if the plan has it. */
  type(type: string): NumberTypeView | undefined;
  /** National formats (the main country's when the plan has none). */
  formats(): NumberFormatView[];
}

/** The part of libphonenumber's `Metadata` class read here. */
interface MetadataView {
  numberingPlan: NumberingPlanView | undefined;
  selectNumberingPlan(countryOrCallingCode: string): unknown;
  hasCallingCode(callingCode: string): boolean | undefined;
  getCountryCodesForCallingCode(callingCode: string): CountryCode[] | undefined;
}

function newMetadata(): MetadataView {
  const { core, metadata } = libphonenumber();
  return new core.Metadata(metadata) as MetadataView;
}
let shared: MetadataView | undefined;
/** For look-ups that do not depend on a selected plan. */
const metadata = (): MetadataView => (shared ??= newMetadata());

/**
 * The numbering plan of a country (`US`) or of a calling code (`1`: the
 * plan of its main country; `800`: a non-geographic plan), from
 * libphonenumber's full metadata. Throws for an unknown one.
 */
export function numberingPlanOf(countryOrCallingCode: string): NumberingPlanView {
  const selecting = newMetadata();
  selecting.selectNumberingPlan(countryOrCallingCode);
  return selecting.numberingPlan as NumberingPlanView;
}

/** The types `getNumberType` tries, in its order: a number is valid when it is of one of them. */
const NUMBER_TYPES = ["FIXED_LINE", "MOBILE", "PREMIUM_RATE", "TOLL_FREE", "SHARED_COST", "VOIP", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL"];
/** The first `$n` of a format, where the national prefix formatting rule goes (libphonenumber's `FIRST_GROUP_PATTERN`). */
const FIRST_GROUP = /(\$\d)/;
/** libphonenumber's `MIN_LENGTH_FOR_NSN` and `MAX_LENGTH_FOR_NSN`. */
const MIN_NATIONAL_LENGTH = 2;
const MAX_NATIONAL_LENGTH = 17;
/** libphonenumber's `MAX_LENGTH_COUNTRY_CODE`. */
const MAX_CALLING_CODE_LENGTH = 3;
/** libphonenumber's `MAX_INPUT_STRING_LENGTH`: longer text is not parsed. */
const MAX_INPUT_LENGTH = 250;
/** The alphabet the port covers. */
const PORTED_TEXT = /^[\d ()+.-]*$/;

/** libphonenumber's `matchesEntirely`, compiled. */
const entirely = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);

type LengthVerdict = "IS_POSSIBLE" | "TOO_SHORT" | "TOO_LONG" | "INVALID_LENGTH";

/** libphonenumber's `checkNumberLength` for a plan's (sorted) possible lengths. */
function checkLength(lengths: readonly number[] | undefined, length: number): LengthVerdict {
  if (lengths === undefined) return "IS_POSSIBLE";
  const shortest = lengths[0] as number;
  if (shortest === length) return "IS_POSSIBLE";
  if (shortest > length) return "TOO_SHORT";
  if ((lengths[lengths.length - 1] as number) < length) return "TOO_LONG";
  return lengths.indexOf(length, 1) >= 0 ? "IS_POSSIBLE" : "INVALID_LENGTH";
}

/** A phone-number type with its pattern compiled. */
interface CompiledType {
  readonly pattern: RegExp;
  readonly lengths: readonly number[] | undefined;
}

/** A national format with its patterns compiled and its national-format replacement resolved. */
interface CompiledFormat {
  /** The last leading-digits pattern, which must match at the start of the number. */
  readonly leadingDigits: RegExp | undefined;
  /** The format's pattern, matching the whole number. */
  readonly whole: RegExp;
  /** The format's pattern as `replace` applies it. */
  readonly pattern: RegExp;
  /** The replacement with the national prefix formatting rule applied. */
  readonly national: string;
}

/** One numbering plan with its regular expressions compiled. */
class CompiledPlan {
  readonly callingCode: string;
  readonly nationalNumber: RegExp;
  readonly possibleLengths: readonly number[] | undefined;
  readonly iddPrefix: RegExp | undefined;
  readonly nationalPrefix: RegExp | undefined;
  readonly nationalPrefixTransformRule: string | undefined;
  readonly leadingDigits: RegExp | undefined;
  /** The plan's types with a pattern; undefined when the plan has no types. */
  readonly types: readonly CompiledType[] | undefined;
  #formats: readonly CompiledFormat[] | undefined;

  constructor(private readonly plan: NumberingPlanView) {
    this.callingCode = plan.callingCode();
    this.nationalNumber = entirely(plan.nationalNumberPattern());
    this.possibleLengths = plan.possibleLengths();
    const idd = plan.IDDPrefix();
    this.iddPrefix = idd ? new RegExp(idd) : undefined;
    const nationalPrefix = plan.nationalPrefixForParsing();
    this.nationalPrefix = nationalPrefix ? new RegExp(`^(?:${nationalPrefix})`) : undefined;
    this.nationalPrefixTransformRule = plan.nationalPrefixTransformRule();
    const leading = plan.leadingDigits();
    this.leadingDigits = leading ? new RegExp(leading) : undefined;
    if (!plan.hasTypes()) return;
    const types: CompiledType[] = [];
    for (const name of NUMBER_TYPES) {
      const type = plan.type(name);
      if (type === undefined || !type.pattern()) continue;
      types.push({ pattern: entirely(type.pattern()), lengths: type.possibleLengths() });
    }
    this.types = types;
  }

  /** libphonenumber's `getNumberType(...) !== undefined`: the number fits the plan and one of its types. */
  hasType(nationalNumber: string): boolean {
    if (this.types === undefined || !this.nationalNumber.test(nationalNumber)) return false;
    for (const type of this.types) {
      if (type.lengths !== undefined && type.lengths.indexOf(nationalNumber.length) < 0) continue;
      if (type.pattern.test(nationalNumber)) return true;
    }
    return false;
  }

  /** libphonenumber's `isValid`: of one of the plan's types or, for a plan without types, of its national pattern. */
  isValid(nationalNumber: string): boolean {
    return this.types === undefined ? this.nationalNumber.test(nationalNumber) : this.hasType(nationalNumber);
  }

  /** The plan's national formats (the main country's when it has none), compiled on first use. */
  formats(): readonly CompiledFormat[] {
    this.#formats ??= this.plan.formats().map((format) => {
      const leading = format.leadingDigitsPatterns();
      const last = leading[leading.length - 1];
      const rule = format.nationalPrefixFormattingRule();
      return {
        leadingDigits: last === undefined ? undefined : new RegExp(last),
        whole: entirely(format.pattern()),
        pattern: new RegExp(format.pattern()),
        national: rule ? format.format().replace(FIRST_GROUP, rule) : format.format(),
      };
    });
    return this.#formats;
  }
}

/** Compiled plans by country or non-geographic calling code: metadata, the same for every parser. */
const compiledPlans = new Map<string, CompiledPlan>();

function planOf(countryOrCallingCode: string): CompiledPlan {
  let plan = compiledPlans.get(countryOrCallingCode);
  if (plan === undefined) {
    plan = new CompiledPlan(numberingPlanOf(countryOrCallingCode));
    compiledPlans.set(countryOrCallingCode, plan);
  }
  return plan;
}

/** The plan `selectNumberingPlan(callingCode)` selects: its main country's, or a non-geographic one. */
const planOfCallingCode = (callingCode: string): CompiledPlan => planOf(metadata().getCountryCodesForCallingCode(callingCode)?.[0] ?? callingCode);

/** libphonenumber's `getCountryByCallingCode`: the country of a national number among those sharing its calling code. */
function countryOf(callingCode: string, nationalNumber: string): CountryCode | undefined {
  const countries = metadata().getCountryCodesForCallingCode(callingCode);
  if (countries === undefined) return undefined;
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const plan = planOf(country);
    if (plan.leadingDigits !== undefined) {
      if (nationalNumber && nationalNumber.search(plan.leadingDigits) === 0) return country;
    } else if (plan.hasType(nationalNumber)) {
      return country;
    }
  }
  return undefined;
}

/**
 * libphonenumber's `extractNationalNumberFromPossiblyIncompleteNumber`: the
 * number without the national prefix (and carrier code), or transformed by
 * the plan's rule (`VI`: `2345678` becomes `3402345678`).
 */
function stripNationalPrefix(number: string, plan: CompiledPlan): string {
  if (!number || plan.nationalPrefix === undefined) return number;
  const match = plan.nationalPrefix.exec(number);
  if (match === null) return number;
  const groups = match.length - 1;
  const captured = groups > 0 && Boolean(match[groups]);
  if (plan.nationalPrefixTransformRule && captured) return number.replace(plan.nationalPrefix, plan.nationalPrefixTransformRule);
  return number.slice(match[0].length);
}

/**
 * libphonenumber's `extractNationalNumber`: strips the national prefix unless
 * the number fits the plan only with it, or is too short or of an impossible
 * length without it.
 */
function nationalNumberOf(number: string, plan: CompiledPlan): string {
  const stripped = stripNationalPrefix(number, plan);
  if (stripped === number) return number;
  if (plan.nationalNumber.test(number) && !plan.nationalNumber.test(stripped)) return number;
  if (plan.possibleLengths !== undefined) {
    const country = countryOf(plan.callingCode, stripped);
    const lengths = country === undefined ? plan.possibleLengths : planOf(country).possibleLengths;
    const verdict = checkLength(lengths, stripped.length);
    if (verdict === "TOO_SHORT" || verdict === "INVALID_LENGTH") return number;
  }
  return stripped;
}

/** The parts of a parsed number that phone detection reads (a subset of libphonenumber's `PhoneNumber`). */
export interface ParsedPhoneNumber {
  /** Country of the number; undefined for non-geographic numbers (`+800`). */
  readonly country?: CountryCode | undefined;
  /** Calling code, without `+`. */
  readonly countryCallingCode: string;
  /** National significant number: digits after the calling code and national prefix. */
  readonly nationalNumber: string;
  /** Whether the number is valid for its country (libphonenumber's `isValid()`). */
  isValid(): boolean;
  /**
   * Whether the national number has a length its country's plan allows
   * (libphonenumber's `isPossible()`): shaped like a number of the country,
   * assigned or not.
   */
  isPossible(): boolean;
  /** The number as its country writes it nationally (libphonenumber's `formatNational()`). */
  formatNational(): string;
}

/** A number parsed by the port. */
class PortedPhoneNumber implements ParsedPhoneNumber {
  constructor(
    readonly country: CountryCode | undefined,
    readonly countryCallingCode: string,
    readonly nationalNumber: string,
  ) {}

  /** The plan `isValid` and `format` select: the country's, else the calling code's. */
  #plan(): CompiledPlan {
    return this.country === undefined ? planOfCallingCode(this.countryCallingCode) : planOf(this.country);
  }

  isValid(): boolean {
    return this.#plan().isValid(this.nationalNumber);
  }

  isPossible(): boolean {
    return checkLength(this.#plan().possibleLengths, this.nationalNumber.length) === "IS_POSSIBLE";
  }

  formatNational(): string {
    const number = this.nationalNumber;
    for (const format of this.#plan().formats()) {
      if (format.leadingDigits !== undefined && number.search(format.leadingDigits) !== 0) continue;
      if (format.whole.test(number)) return number.replace(format.pattern, format.national);
    }
    return number;
  }
}

/**
 * Parses phone numbers as libphonenumber-js's
 * `parsePhoneNumberFromString(text, { defaultCountry, extract: false })`
 * does (the whole text must be the number; numbers without `+` are read as
 * numbers of the default country), with the same results, for a fraction of
 * the cost on text of digits, spaces, `+`, `(`, `)`, `-` and `.`.
 */
export class PhoneNumberParser {
  readonly #defaultCountry: CountryCode | undefined;
  readonly #options: { readonly defaultCountry: CountryCode; readonly extract: false };

  constructor(defaultCountry: CountryCode) {
    // As parsePhoneNumberFromString: an unsupported default country is no default country.
    this.#defaultCountry = isPhoneRegion(defaultCountry) ? defaultCountry : undefined;
    this.#options = { defaultCountry, extract: false };
  }

  /** The number `text` is, or undefined when it is none (libphonenumber's result, field for field). */
  parse(text: string): ParsedPhoneNumber | undefined {
    if (!PORTED_TEXT.test(text)) {
      const { core, metadata } = libphonenumber();
      return core.parsePhoneNumberFromString(text, this.#options, metadata);
    }
    if (text.length > MAX_INPUT_LENGTH) return undefined;
    // Viability (isViablePhoneNumber): on this alphabet, a `+` only first and
    // three digits or more, or exactly two digits.
    let digits = "";
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (isDigit(c)) digits += text[i];
      else if (c === 43 && i > 0) return undefined;
    }
    if (digits.length < 3 && !(digits.length === 2 && text.length === 2)) return undefined;
    return text.charCodeAt(0) === 43 ? this.#international(digits) : this.#national(digits);
  }

  /** Digits written without `+`: an IDD prefix, the default country's calling code, or a national number. */
  #national(digits: string): ParsedPhoneNumber | undefined {
    const country = this.#defaultCountry;
    if (country === undefined) return undefined;
    const afterIdd = this.#stripIddPrefix(digits, planOf(country));
    if (afterIdd && afterIdd !== digits) return this.#international(afterIdd);
    const withCallingCode = this.#callingCodeWithoutPlus(digits, country);
    if (withCallingCode !== undefined) return this.#complete(undefined, withCallingCode.callingCode, withCallingCode.number);
    return this.#complete(country, planOf(country).callingCode, digits);
  }

  /** Digits after `+` (or an IDD prefix): the calling code, then the national number. */
  #international(digits: string): ParsedPhoneNumber | undefined {
    if (digits[0] === "0") return undefined;
    for (let length = 1; length <= MAX_CALLING_CODE_LENGTH && length <= digits.length; length++) {
      const callingCode = digits.slice(0, length);
      if (metadata().hasCallingCode(callingCode)) return this.#complete(undefined, callingCode, digits.slice(length));
    }
    return undefined;
  }

  /** libphonenumber's `stripIddPrefix`: the digits after the default country's international prefix, if any. */
  #stripIddPrefix(digits: string, plan: CompiledPlan): string | undefined {
    if (plan.iddPrefix === undefined || digits.search(plan.iddPrefix) !== 0) return undefined;
    const rest = digits.slice((plan.iddPrefix.exec(digits) as RegExpExecArray)[0].length);
    return rest[0] === "0" ? undefined : rest;
  }

  /**
   * libphonenumber's `extractCountryCallingCodeFromInternationalNumberWithoutPlusSign`:
   * digits that start with the default country's calling code are an
   * international number when they fit the plan only without it, or are too
   * long with it.
   */
  #callingCodeWithoutPlus(digits: string, country: CountryCode): { callingCode: string; number: string } | undefined {
    const plan = planOf(country);
    const callingCode = plan.callingCode;
    if (!digits.startsWith(callingCode)) return undefined;
    const shorter = digits.slice(callingCode.length);
    const shorterNational = nationalNumberOf(shorter, plan);
    const national = nationalNumberOf(digits, plan);
    const fitsOnlyShorter = !plan.nationalNumber.test(national) && plan.nationalNumber.test(shorterNational);
    if (fitsOnlyShorter || checkLength(plan.possibleLengths, national.length) === "TOO_LONG") return { callingCode, number: shorter };
    return undefined;
  }

  /**
   * The end of libphonenumber's `parse`: the national number in the plan of
   * the country or calling code, the exact country among those sharing the
   * calling code, and the length limits.
   */
  #complete(country: CountryCode | undefined, callingCode: string, number: string): ParsedPhoneNumber | undefined {
    if (!number) return undefined;
    const plan = country === undefined ? planOfCallingCode(callingCode) : planOf(country);
    const nationalNumber = nationalNumberOf(number, plan);
    const exactCountry = countryOf(callingCode, nationalNumber) ?? country;
    if (nationalNumber.length < MIN_NATIONAL_LENGTH || nationalNumber.length > MAX_NATIONAL_LENGTH) return undefined;
    return new PortedPhoneNumber(exactCountry, callingCode, nationalNumber);
  }
}
