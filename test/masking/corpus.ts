/**
 * A labelled corpus for the masking engine, generated with faker from a seed:
 * prose mixed with values of every built-in type (each label says where the
 * value is) and decoys that look like sensitive values but are not (each must
 * come through unmasked). Used by the quality tests and by the benchmark.
 */
import { base, en, Faker } from "@faker-js/faker";
import { type CountryCode, getExampleNumber, isValidPhoneNumber, parsePhoneNumberFromString } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { formatApiKey } from "../../src/identity/api-key-format.js";

/** Where a value of a type sits in a document. */
export interface Label {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

/** One generated document. */
export interface CorpusDocument {
  readonly text: string;
  /** Values that must be found, with their type. */
  readonly entities: readonly Label[];
  /** Look-alikes that must not be masked; `type` names the kind of decoy. */
  readonly decoys: readonly Label[];
}

/** A generated piece: text around the value, the value, text after it. */
interface Piece {
  readonly before: string;
  readonly value: string;
  readonly after: string;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX = "0123456789abcdef";
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

function luhnDigit(partial: string): string {
  let sum = 0;
  let double = true;
  for (let i = partial.length - 1; i >= 0; i--) {
    let d = partial.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

function ibanCheck(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    remainder = code >= 65 ? (remainder * 100 + (code - 55)) % 97 : (remainder * 10 + (code - 48)) % 97;
  }
  return String(98 - remainder).padStart(2, "0");
}

const groupsOf = (text: string, size: number): string => text.match(new RegExp(`.{1,${size}}`, "g"))?.join(" ") ?? text;

/** Generators of labelled values and of decoys, driven by one seeded faker. */
export function generators(seed = 42) {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  const pick = <T>(items: readonly T[]): T => faker.helpers.arrayElement(items);
  const chars = (alphabet: string, length: number): string => faker.string.fromCharacters(alphabet, length);
  const digits = (length: number): string => faker.string.numeric({ length, allowLeadingZeros: true });
  const int = (min: number, max: number): number => faker.number.int({ min, max });
  const piece = (value: string, before: readonly string[], after: readonly string[] = [".", ",", " today.", " as requested.", ""]): Piece => ({
    before: pick(before),
    value,
    after: pick(after),
  });

  const card = (): string => {
    const brand = pick(["visa16", "visa13", "mc", "mc2", "amex", "discover", "jcb", "diners", "unionpay"]);
    const [prefix, length] =
      brand === "visa16"
        ? ["4", 16]
        : brand === "visa13"
          ? ["4", 13]
          : brand === "mc"
            ? [String(int(51, 55)), 16]
            : brand === "mc2"
              ? [String(int(2221, 2720)), 16]
              : brand === "amex"
                ? [pick(["34", "37"]), 15]
                : brand === "discover"
                  ? [pick(["6011", "65", String(int(644, 649))]), 16]
                  : brand === "jcb"
                    ? [String(int(3528, 3589)), 16]
                    : brand === "diners"
                      ? [pick(["36", "38", String(int(300, 305))]), 14]
                      : ["62", 16];
    const partial = prefix + digits((length as number) - prefix.length - 1);
    const number = partial + luhnDigit(partial);
    const style = pick(["plain", "space", "dash"]);
    if (style === "plain") return number;
    const sep = style === "space" ? " " : "-";
    if (number.length === 15) return [number.slice(0, 4), number.slice(4, 10), number.slice(10)].join(sep);
    if (number.length === 14) return [number.slice(0, 4), number.slice(4, 10), number.slice(10)].join(sep);
    if (number.length === 13) return number;
    return number.match(/.{1,4}/g)?.join(sep) ?? number;
  };

  const phone = (): string => {
    for (;;) {
      const country = pick<CountryCode>(["US", "US", "US", "GB", "DE", "FR", "AU", "IN", "CA", "ES"]);
      const example = getExampleNumber(country, examples);
      if (example === undefined) continue;
      const national = String(example.nationalNumber);
      const keep = Math.max(2, Math.ceil(national.length / 2) - 1);
      const mutated = national.slice(0, keep) + digits(national.length - keep);
      const parsed = parsePhoneNumberFromString(mutated, country);
      if (parsed === undefined || !parsed.isValid()) continue;
      const text =
        country === "US" || country === "CA"
          ? pick([
              parsed.formatNational(),
              parsed.formatInternational(),
              parsed.formatNational().replace(/[()]/g, "").replace(" ", "-"),
              `${national.length === 10 ? mutated.slice(0, 3) : ""}.${mutated.slice(3, 6)}.${mutated.slice(6)}`.replace(/^\./, ""),
            ])
          : parsed.formatInternational();
      if (isValidPhoneNumber(text, "US")) return text;
    }
  };

  const ssn = (): string => {
    let area = int(1, 899);
    if (area === 666) area = 667;
    const sep = pick(["-", "-", " "]);
    return `${String(area).padStart(3, "0")}${sep}${String(int(1, 99)).padStart(2, "0")}${sep}${String(int(1, 9999)).padStart(4, "0")}`;
  };

  const iban = (): string => {
    const country = pick(["DE", "GB", "FR", "NL", "ES", "IT", "CH", "BE", "AT", "PL", "SE", "IE", "PT", "NO", "DK"]);
    const bban: Record<string, () => string> = {
      DE: () => digits(18),
      GB: () => chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4) + digits(14),
      FR: () => digits(10) + chars("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 11) + digits(2),
      NL: () => chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4) + digits(10),
      ES: () => digits(20),
      IT: () => chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1) + digits(10) + chars("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 12),
      CH: () => digits(5) + chars("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 12),
      BE: () => digits(12),
      AT: () => digits(16),
      PL: () => digits(24),
      SE: () => digits(20),
      IE: () => chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4) + digits(14),
      PT: () => digits(21),
      NO: () => digits(11),
      DK: () => digits(14),
    };
    const body = (bban[country] as () => string)();
    const compact = country + ibanCheck(country, body) + body;
    return faker.datatype.boolean() ? groupsOf(compact, 4) : compact;
  };

  const aba = (): string => {
    const prefix = String(pick([int(1, 12), int(21, 32), int(61, 72)])).padStart(2, "0");
    const partial = prefix + digits(6);
    const w = [3, 7, 1, 3, 7, 1, 3, 7];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += (partial.charCodeAt(i) - 48) * (w[i] as number);
    return partial + String((10 - (sum % 10)) % 10);
  };

  const ipv4 = (): string => [int(1, 223), int(0, 255), int(0, 255), int(1, 254)].join(".");
  const ipv6 = (): string =>
    pick([
      faker.internet.ipv6(),
      `2001:db8:${chars(HEX, 4)}::${chars(HEX, int(1, 4))}`,
      `fe80::${chars(HEX, 4)}:${chars(HEX, 4)}:${chars(HEX, 4)}:${chars(HEX, 4)}`,
      `::ffff:${ipv4()}`,
    ]);
  const mac = (): string => {
    const value = faker.internet.mac();
    return pick([value, value.replace(/:/g, "-"), value.toUpperCase()]);
  };
  const password = (length: number): string => chars(`${ALNUM}!*_.-`, length);
  const urlCredentials = (): { prefix: string; value: string; suffix: string } => ({
    prefix: `${pick(["postgres", "mysql", "https", "redis", "amqp", "mongodb+srv"])}://`,
    value: `${faker.internet.username().replace(/[^A-Za-z0-9._-]/g, "")}:${password(int(10, 24))}`,
    suffix: `@${faker.internet.domainName()}${pick([":5432/app", "/", "/v1/data", ":6379", ""])}`,
  });
  const jwt = (): string => {
    const header = b64url({ alg: pick(["HS256", "RS256", "ES256"]), typ: "JWT" });
    const payload = b64url({ sub: faker.string.uuid(), name: faker.person.fullName(), iat: int(1_600_000_000, 1_800_000_000), scope: "orders:read" });
    return `${header}.${payload}.${chars(B64URL, pick([43, 86, 342]))}`;
  };
  const pem = (): string => {
    const label = pick(["RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]);
    const lines = Array.from({ length: int(4, 26) }, () => chars(B64, 64));
    lines.push(`${chars(B64, int(4, 60))}${pick(["", "=", "=="])}`);
    const eol = pick(["\n", "\n", "\\n"]);
    return `-----BEGIN ${label}-----${eol}${lines.join(eol)}${eol}-----END ${label}-----`;
  };
  const awsKeyId = (): string => `${pick(["AKIA", "ASIA"])}${chars(BASE32, 16)}`;
  const awsSecret = (): string => {
    for (;;) {
      const value = chars(B64, 40);
      if (/[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9/+]/.test(value)) return value;
    }
  };

  /** Secret formats: a generator of valid samples per type. */
  const secrets: Record<string, () => string> = {
    github_token: () =>
      faker.datatype.boolean({ probability: 0.8 }) ? `${pick(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])}${chars(ALNUM, 36)}` : `github_pat_${chars(ALNUM, 22)}_${chars(ALNUM, 59)}`,
    gitlab_token: () => `glpat-${chars(`${ALNUM}-_`, 20)}`,
    slack_token: () =>
      pick([
        `xoxb-${digits(12)}-${digits(13)}-${chars(ALNUM, 24)}`,
        `xoxp-${digits(12)}-${digits(12)}-${digits(13)}-${chars(HEX, 32)}`,
        `xoxa-2-${chars(ALNUM, 40)}`,
        `xoxr-${chars(ALNUM, 32)}`,
        `xoxs-${digits(10)}-${digits(12)}-${digits(12)}-${chars(HEX, 64)}`,
      ]),
    slack_webhook: () => `https://hooks.slack.com/services/T${chars(BASE32, 8)}/B${chars(BASE32, 10)}/${chars(ALNUM, 24)}`,
    stripe_key: () => `${pick(["sk", "rk"])}_${pick(["live", "test"])}_${chars(ALNUM, pick([24, 99]))}`,
    openai_key: () => (faker.datatype.boolean() ? `sk-${chars(ALNUM, 20)}T3BlbkFJ${chars(ALNUM, 20)}` : `sk-proj-${chars(`${ALNUM}-_`, 156)}`),
    anthropic_key: () => `sk-ant-api03-${chars(`${ALNUM}-_`, 93)}AA`,
    google_api_key: () => `AIza${chars(`${ALNUM}-_`, 35)}`,
    npm_token: () => `npm_${chars(ALNUM, 36)}`,
    sendgrid_key: () => `SG.${chars(`${ALNUM}-_`, 22)}.${chars(`${ALNUM}-_`, 43)}`,
    twilio_key: () => `SK${chars(HEX, 32)}`,
    huggingface_token: () => `hf_${chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34)}`,
    warden_api_key: () => formatApiKey({ environment: pick(["live", "test", "staging"]), id: chars(ALNUM, 16), secret: chars(ALNUM, 43) }),
  };

  const secretContexts = ["key: ", "using ", "export TOKEN_VALUE ", "auth with ", "credential ", "found ", "[ci] leaked ", "value "];

  /** A labelled value of `type` with words around it. */
  const entity = (type: string): Piece => {
    switch (type) {
      case "email":
        return piece(faker.internet.email().replace(/[^A-Za-z0-9._%+@-]/g, ""), ["Contact ", "Email: ", "Reply to ", "cc ", "from <", "sent by "]);
      case "phone":
        return piece(phone(), ["Call ", "Phone: ", "reach me at ", "Tel ", "mobile ", "dial "]);
      case "credit_card":
        return piece(card(), ["Card ", "charged to card ", "PAN: ", "card number ", "paid with "]);
      case "ssn":
        return piece(ssn(), ["SSN ", "social security number ", "SSN: ", "ssn="]);
      case "iban":
        return piece(iban(), ["IBAN ", "wire to ", "account ", "IBAN: "]);
      case "aba_routing":
        return piece(aba(), ["routing number ", "ABA ", "RTN: ", "routing_number=", "Routing no. "]);
      case "ipv4":
        return piece(ipv4(), ["from IP ", "host ", "client ", "server at ", "addr="]);
      case "ipv6":
        return piece(ipv6(), ["from ", "host ", "peer ", "addr=", "["], ["", " ", "]", "."]);
      case "mac_address":
        return piece(mac(), ["MAC ", "device ", "hw addr ", "ether "]);
      case "jwt":
        return piece(jwt(), ["Authorization: Bearer ", "token ", "jwt ", "id_token "]);
      case "private_key":
        return piece(pem(), ["key:\n", "here is the key ", "\n"], ["\n", " done.", ""]);
      case "aws_access_key":
        return piece(awsKeyId(), ["aws_access_key_id = ", "AccessKeyId: ", "key id ", "AWS key "]);
      case "generic_secret": {
        const name = pick(["password", "DB_PASSWORD", "passwd", "secret", "client_secret", "api_key", "API_KEY", "token", "auth_token", "X-Api-Key"]);
        const op = pick(["=", ": ", " = ", "="]);
        const quote = pick(["", "", '"', "'"]);
        return { before: `${name}${op}${quote}`, value: password(int(12, 32)), after: `${quote}${pick([" ", ";", ",", ""])}` };
      }
      default: {
        const make = secrets[type];
        if (make === undefined) throw new Error(`no generator for ${type}`);
        return piece(make(), secretContexts, [" ", ".", ",", ""]);
      }
    }
  };

  const isbn13 = (): string => {
    const partial = `978${digits(9)}`;
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += (partial.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
    const full = partial + String((10 - (sum % 10)) % 10);
    return faker.datatype.boolean() ? full : `${full.slice(0, 3)}-${full.slice(3, 4)}-${full.slice(4, 6)}-${full.slice(6, 12)}-${full.slice(12)}`;
  };
  const badCard = (): string => {
    const value = card();
    const last = value.charCodeAt(value.length - 1) - 48;
    return value.slice(0, -1) + String((last + int(1, 9)) % 10);
  };
  const badIban = (): string => {
    const value = iban().replace(/ /g, "");
    const i = int(4, value.length - 1);
    const c = value[i] as string;
    const swapped = /\d/.test(c) ? String((Number(c) + int(1, 9)) % 10) : c === "A" ? "B" : "A";
    return value.slice(0, i) + swapped + value.slice(i + 1);
  };

  /** Decoys: look-alikes that must not be masked. */
  const decoys: Record<string, () => Piece> = {
    isbn: () => piece(isbn13(), ["ISBN ", "isbn: ", "book "]),
    uuid: () => piece(faker.string.uuid(), ["request id ", "trace ", "uuid="]),
    order: () => piece(`ORD-${int(2019, 2026)}-${digits(6)}`, ["order ", "Order #", "ref "]),
    date: () =>
      piece(
        pick([
          faker.date.past().toISOString().slice(0, 10),
          `${int(1, 12)}/${int(1, 28)}/${int(2000, 2030)}`,
          `${int(10, 28)}.${String(int(1, 12)).padStart(2, "0")}.${int(2000, 2030)}`,
        ]),
        ["on ", "due ", "dated "],
      ),
    version: () =>
      piece(pick([`v${int(1, 9)}.${int(0, 20)}.${int(0, 20)}.${int(0, 99)}`, `${int(1, 9)}.${int(0, 9)}.${int(0, 9)}.${int(0, 9)}`, `10.0.${int(10000, 22000)}.${int(1, 999)}`]), [
        "version ",
        "build ",
        "release ",
        "firmware ",
      ]),
    version_v: () => piece(`v${int(1, 9)}.${int(0, 20)}.${int(0, 20)}.${int(0, 99)}`, ["at ", "tag ", "upgraded to "]),
    price: () =>
      piece(pick([`$${int(1, 99)},${digits(3)}.${digits(2)}`, `€${int(1, 999)}.${digits(2)}`, `USD ${int(10, 99)},${digits(3)}.${digits(2)}`]), ["for ", "total ", "price "]),
    git_sha: () => piece(faker.datatype.boolean() ? faker.git.commitSha() : faker.git.commitSha().slice(0, 7), ["commit ", "sha ", "fixed in "]),
    bad_card: () => piece(badCard(), ["card ", "number "]),
    bad_iban: () => piece(badIban(), ["IBAN ", "account "]),
    nine_digits: () => piece(faker.datatype.boolean() ? aba() : digits(9).replace(/^0/, "1"), ["ticket ", "customer no. ", "id ", "batch "]),
    bad_ssn: () =>
      piece(
        pick([
          `000-${String(int(1, 99)).padStart(2, "0")}-${String(int(1, 9999)).padStart(4, "0")}`,
          `666-12-${digits(4).replace(/^0+$/, "1234")}`,
          `9${digits(2)}-${String(int(10, 99))}-${String(int(1000, 9999))}`,
          `${int(100, 599)}-00-${int(1000, 9999)}`,
          `${int(100, 599)}-${int(10, 99)}-0000`,
        ]),
        ["ssn ", "number "],
      ),
    timestamp: () => piece(String(int(1_500_000_000, 1_800_000_000)), ["ts=", "created ", "epoch "]),
    time: () => piece(`${String(int(0, 23)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}`, ["at ", "started "]),
    cpp: () => piece(pick(["std::vector", "Foo::bar", "a :: b"]), ["uses ", "see "]),
    placeholder: () => {
      const [before, value] = pick([
        ["password=", "********"],
        ["token=", "${API_TOKEN}"],
        ["api_key: ", "<your-api-key>"],
        ["secret: ", "changeme"],
        ["max_tokens: ", "2048"],
        ["token_count=", "123456789"],
      ] as const);
      return { before, value, after: " " };
    },
    short_token: () =>
      piece(
        pick([
          `ghp_${chars(ALNUM, 20)}`,
          `AKIA${chars(BASE32, 10)}`,
          `sk-${chars(ALNUM, 20)}`,
          `xoxb-${chars(ALNUM, 5)}`,
          `AIza${chars(ALNUM, 12)}`,
          `glpat-${chars(ALNUM, 8)}`,
          `npm_${chars(ALNUM, 12)}`,
        ]),
        ["saw ", "prefix "],
      ),
    // A Warden API key with one character changed: its checksum no longer holds.
    bad_warden_key: () => {
      const key = formatApiKey({ environment: "live", id: chars(ALNUM, 16), secret: chars(ALNUM, 43) });
      let i = int(9, key.length - 1);
      // Not the separator between id and secret: only a letter or digit is changed.
      if (key[i] === "_") i++;
      const c = key[i] as string;
      return piece(key.slice(0, i) + ALNUM[(ALNUM.indexOf(c) + int(1, 61)) % 62] + key.slice(i + 1), ["saw ", "prefix "]);
    },
    fake_jwt: () => piece(`${b64url({ alg: "none" })}.${Buffer.from("not json").toString("base64url")}.${chars(B64URL, 20)}`, ["blob "]),
    bad_ip: () => piece(pick([`${int(1, 255)}.${int(1, 255)}.${int(1, 255)}.${int(256, 999)}`, `${int(1, 9)}.${int(0, 9)}.${int(0, 9)}.${int(0, 9)}.${int(0, 9)}`]), ["value "]),
    hex_hash: () => piece(faker.string.hexadecimal({ length: 64, casing: "lower", prefix: "" }), ["sha256 "]),
    short_number: () => piece(`${int(200, 999)}-${digits(4)}`, ["ext. ", "room "]),
  };

  const sentence = (): string =>
    pick([() => faker.lorem.sentence({ min: 6, max: 16 }), () => faker.hacker.phrase(), () => `${faker.company.catchPhrase()}.`, () => faker.commerce.productDescription()])();

  return { faker, pick, int, entity, decoys, sentence, secrets, awsKeyId, awsSecret, urlCredentials };
}

/** Types whose values the corpus labels. */
export const CORPUS_TYPES = [
  "email",
  "phone",
  "credit_card",
  "ssn",
  "iban",
  "aba_routing",
  "ipv4",
  "ipv6",
  "mac_address",
  "url_credentials",
  "jwt",
  "private_key",
  "aws_access_key",
  "aws_secret_key",
  "github_token",
  "gitlab_token",
  "slack_token",
  "slack_webhook",
  "stripe_key",
  "openai_key",
  "anthropic_key",
  "google_api_key",
  "npm_token",
  "sendgrid_key",
  "twilio_key",
  "huggingface_token",
  "warden_api_key",
  "generic_secret",
] as const;

/** Options of {@link generateCorpus}. */
export interface CorpusOptions {
  readonly seed?: number;
  /** Number of documents. */
  readonly documents?: number;
  /** Labelled values per document. */
  readonly entitiesPerDocument?: number;
  /** Decoys per document. */
  readonly decoysPerDocument?: number;
  /** Sentences of prose between two pieces (at least one). */
  readonly proseBetween?: number;
}

/**
 * Generates labelled documents. Types rotate so every type appears about
 * equally often; each piece is separated from the next by prose so context
 * words of one value never reach another.
 */
export function generateCorpus(options: CorpusOptions = {}): CorpusDocument[] {
  const g = generators(options.seed ?? 42);
  const documents: CorpusDocument[] = [];
  const decoyKinds = Object.keys(g.decoys);
  let turn = 0;
  let decoyTurn = 0;
  for (let d = 0; d < (options.documents ?? 200); d++) {
    let text = "";
    const entities: Label[] = [];
    const decoys: Label[] = [];
    const prose = () => {
      for (let i = 0; i < (options.proseBetween ?? 1); i++) text += `${g.sentence()} `;
    };
    const add = (piece: Piece, label: (start: number, end: number) => void) => {
      text += piece.before;
      const start = text.length;
      text += piece.value;
      label(start, text.length);
      text += `${piece.after} `;
    };
    const plan: ("entity" | "decoy")[] = [...Array<"entity">(options.entitiesPerDocument ?? 8).fill("entity"), ...Array<"decoy">(options.decoysPerDocument ?? 6).fill("decoy")];
    g.faker.helpers.shuffle(plan, { inplace: true });
    prose();
    for (const kind of plan) {
      if (kind === "decoy") {
        const decoyKind = decoyKinds[decoyTurn++ % decoyKinds.length] as string;
        add((g.decoys[decoyKind] as () => Piece)(), (start, end) => decoys.push({ type: decoyKind, start, end }));
      } else {
        const type = CORPUS_TYPES[turn++ % CORPUS_TYPES.length] as string;
        if (type === "aws_secret_key") {
          const keyId = g.awsKeyId();
          const secret = g.awsSecret();
          text += g.pick(["aws_access_key_id = ", "AccessKeyId: ", "key "]);
          entities.push({ type: "aws_access_key", start: text.length, end: text.length + keyId.length });
          text += `${keyId}${g.pick(["\naws_secret_access_key = ", ", SecretAccessKey: ", " secret "])}`;
          entities.push({ type: "aws_secret_key", start: text.length, end: text.length + secret.length });
          text += `${secret} `;
        } else if (type === "url_credentials") {
          const parts = g.urlCredentials();
          text += `connect to ${parts.prefix}`;
          entities.push({ type, start: text.length, end: text.length + parts.value.length });
          text += `${parts.value}${parts.suffix} `;
        } else {
          add(g.entity(type), (start, end) => entities.push({ type, start, end }));
        }
      }
      prose();
    }
    documents.push({ text, entities, decoys });
  }
  return documents;
}

/**
 * Concatenated corpus text of `size` characters, for benchmarks. With the
 * default three sentences of prose between pieces, about one value in 450
 * characters is sensitive.
 */
export function corpusText(size: number, seed = 7, proseBetween = 3): string {
  const parts: string[] = [];
  let length = 0;
  let round = 0;
  while (length < size) {
    for (const doc of generateCorpus({ seed: seed + round++, documents: 50, proseBetween })) {
      parts.push(doc.text, "\n");
      length += doc.text.length + 1;
      if (length >= size) break;
    }
  }
  return parts.join("").slice(0, size);
}
