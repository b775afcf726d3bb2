import { describe, expect, it } from "vitest";
import { PolicyError, WardenError } from "../../src/errors.js";
import { createMasker, MaskingBlockedError } from "../../src/masking/index.js";

const HASH_KEY = "test-hash-key-0123456789abcdef";
const TEXT = "Card 4242 4242 4242 4242, mail ana.lopez@example.com, phone (415) 555-2671, SSN 123-45-6789, IBAN DE89 3704 0044 0532 0130 00, ip 10.1.2.3";

describe("strategies", () => {
  it("redacts by default with the type in brackets", () => {
    expect(createMasker().mask(TEXT).text).toBe("Card [CREDIT_CARD], mail [EMAIL], phone [PHONE], SSN [SSN], IBAN [IBAN], ip [IPV4]");
  });

  it("masks partially: last four digits of numbers, first letter and domain of emails, nothing of the rest", () => {
    const masker = createMasker({ strategy: "mask" });
    expect(masker.mask(TEXT).text).toBe("Card ************4242, mail a***@example.com, phone ******2671, SSN *****6789, IBAN ******************3000, ip ********");
    expect(masker.mask("token ghp_R8tY1cW6hJ5gF0dSaZ3kQ9mX2pL7vB4nR8tY").text).toBe("token ********");
  });

  it("hashes into stable keyed pseudonyms that tell values apart", () => {
    const masker = createMasker({ strategy: "hash", hashKey: HASH_KEY });
    const first = masker.mask("ana@example.com wrote to bob@example.com, then ana@example.com again").text;
    expect(first).toMatch(/^<EMAIL:[0-9a-f]{8}> wrote to <EMAIL:[0-9a-f]{8}>, then <EMAIL:[0-9a-f]{8}> again$/);
    const [a, b, c] = first.match(/<EMAIL:[0-9a-f]{8}>/g) ?? [];
    expect(a).toBe(c);
    expect(a).not.toBe(b);
    expect(createMasker({ strategy: "hash", hashKey: HASH_KEY }).mask("ana@example.com").text).toBe(a);
    expect(createMasker({ strategy: "hash", hashKey: new TextEncoder().encode(HASH_KEY) }).mask("ana@example.com").text).toBe(a);
    expect(createMasker({ strategy: "hash", hashKey: `${HASH_KEY}-other` }).mask("ana@example.com").text).not.toBe(a);
  });

  it("requires a hash key, of at least 16 bytes, when a rule hashes", () => {
    expect(() => createMasker({ strategy: "hash" })).toThrow(PolicyError);
    expect(() => createMasker({ rules: { email: "hash" } })).toThrow(/masking\.hashKey/);
    expect(() => createMasker({ rules: { email: "hash" }, hashKey: "short" })).toThrow(/masking\.hashKey/);
    expect(() => createMasker({ rules: { email: "redact" } })).not.toThrow();
  });

  it("tokenizes reversibly", async () => {
    const masker = createMasker({ strategy: "tokenize" });
    const { text } = masker.mask("mail ana@example.com and ana@example.com, card 4242 4242 4242 4242");
    expect(text).toMatch(/^mail <EMAIL_TOKEN:[a-z2-7]{16}> and <EMAIL_TOKEN:[a-z2-7]{16}>, card <CREDIT_CARD_TOKEN:[a-z2-7]{16}>$/);
    const tokens = text.match(/<EMAIL_TOKEN:[a-z2-7]{16}>/g) ?? [];
    expect(tokens[0]).toBe(tokens[1]);
    expect(await masker.unmask(text)).toBe("mail ana@example.com and ana@example.com, card 4242 4242 4242 4242");
  });

  it("blocks with a coded error that carries no value", () => {
    const masker = createMasker({ rules: { jwt: "block", credit_card: "block" } });
    const jwt = `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from('{"sub":"ana"}').toString("base64url")}.c2lnbmF0dXJl`;
    let error: unknown;
    try {
      masker.mask(`token ${jwt} card 4242 4242 4242 4242 and 4111111111111111`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MaskingBlockedError);
    expect(error).toBeInstanceOf(WardenError);
    const blocked = error as MaskingBlockedError;
    expect(blocked.code).toBe("WARDEN_MASK_BLOCKED");
    expect(blocked.types).toEqual(["jwt", "credit_card"]);
    expect(blocked.count).toBe(3);
    for (const secret of [jwt, "4242", "4111", "ana"]) expect(`${blocked.message} ${JSON.stringify(blocked)} ${String(blocked.stack)}`).not.toContain(secret);
    expect(masker.mask("nothing blocked here, ana@example.com").text).toBe("nothing blocked here, [EMAIL]");
  });

  it("picks the strategy per type, then per group, then the default", () => {
    const masker = createMasker({
      strategy: "mask",
      hashKey: HASH_KEY,
      rules: { credit_card: "redact", pii: "hash", ip: "redact", secrets: "redact" },
    });
    const { text, findings } = masker.mask("4242 4242 4242 4242 ana@example.com 10.1.2.3 ghp_R8tY1cW6hJ5gF0dSaZ3kQ9mX2pL7vB4nR8tY");
    expect(text).toMatch(/^\[CREDIT_CARD\] <EMAIL:[0-9a-f]{8}> \[IPV4\] \[GITHUB_TOKEN\]$/);
    expect(findings.map((f) => f.strategy)).toEqual(["redact", "hash", "redact", "redact"]);
    const custom = createMasker({ strategy: "mask", custom: [{ type: "order", pattern: /ORD-\d+/ }], rules: { order: "redact" } });
    expect(custom.mask("ORD-77 for ana@example.com").text).toBe("[ORDER] for a***@example.com");
  });

  it("reveals the types a caller may see and reports them as revealed", () => {
    const masker = createMasker({ rules: { credit_card: "block" } });
    const result = masker.mask("ana@example.com 4242 4242 4242 4242 10.1.2.3", { reveal: ["email", "credit_card"] });
    expect(result.text).toBe("ana@example.com 4242 4242 4242 4242 [IPV4]");
    expect(result.findings.map((f) => [f.type, f.strategy])).toEqual([
      ["email", "reveal"],
      ["credit_card", "reveal"],
      ["ipv4", "redact"],
    ]);
    expect(masker.mask("10.1.2.3 ana@example.com", { reveal: ["pii"] }).text).toBe("10.1.2.3 ana@example.com");
  });

  it("reports findings with offsets in the input and never any part of a value", () => {
    const masker = createMasker({ strategy: "tokenize" });
    const { findings } = masker.mask(TEXT);
    expect(findings.map((f) => TEXT.slice(f.start, f.end))).toEqual([
      "4242 4242 4242 4242",
      "ana.lopez@example.com",
      "(415) 555-2671",
      "123-45-6789",
      "DE89 3704 0044 0532 0130 00",
      "10.1.2.3",
    ]);
    for (const finding of findings) {
      expect(Object.keys(finding).sort()).toEqual(["end", "start", "strategy", "type"]);
      const serialized = JSON.stringify(finding);
      for (const value of ["4242", "ana", "555", "6789", "DE89", "10.1"]) expect(serialized).not.toContain(value);
    }
  });

  it("returns the input itself when nothing is found", () => {
    const text = "Nothing sensitive in this sentence.";
    const result = createMasker().mask(text);
    expect(result.text).toBe(text);
    expect(result.findings).toEqual([]);
  });
});

describe("options", () => {
  it("takes names every object inherits as the custom types they are", () => {
    const masker = createMasker({
      strategy: "mask",
      custom: [
        { type: "constructor", pattern: /BLD-\d+/ },
        { type: "valueOf", pattern: /VAL-\d+/ },
      ],
      rules: { constructor: "redact" as const },
    });
    const { text, findings } = masker.mask("build BLD-123 and VAL-77, mail ana.lopez@example.com");
    expect(text).toContain("[CONSTRUCTOR]");
    expect(text).not.toContain("VAL-77");
    expect(findings.map((f) => f.type).sort()).toEqual(["constructor", "email", "valueOf"]);
    expect(masker.mask("BLD-1 ana.lopez@example.com", { reveal: ["toString", "constructor"] }).text).toContain("BLD-1");
  });

  it("names the offending option", () => {
    const cases: [unknown, RegExp][] = [
      [{ detectors: ["email", "nope"] }, /masking\.detectors\[1\]/],
      [{ strategy: "shred" }, /masking\.strategy/],
      [{ rules: { email: "shred" } }, /masking\.rules\.email/],
      [{ rules: { nope: "redact" } }, /masking\.rules\.nope/],
      [{ custom: [{ type: "email", pattern: /x/ }] }, /masking\.custom\[0\]\.type/],
      [{ custom: [{ type: "bad type", pattern: /x/ }] }, /masking\.custom\[0\]/],
      [{ custom: [{ type: "x" }] }, /masking\.custom\[0\]/],
      [{ phoneCountry: "XX" }, /masking\.phoneCountry/],
      // Names every object inherits are neither types nor groups.
      [{ detectors: ["toString"] }, /masking\.detectors\[0\]/],
      [{ rules: { hasOwnProperty: "block" } }, /masking\.rules\.hasOwnProperty/],
      [{ vault: {} }, /masking\.vault/],
      [{ unknown: 1 }, /masking/],
    ];
    for (const [options, path] of cases) {
      expect(() => createMasker(options as never), JSON.stringify(options)).toThrow(path);
    }
  });
});
