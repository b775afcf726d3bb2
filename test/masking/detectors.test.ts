import { describe, expect, it } from "vitest";
import { createWarden, memorySink, PolicyError } from "../../src/index.js";
import { createMasker } from "../../src/masking/index.js";
import { ALNUM, filler, found, only, types } from "./helpers.js";

describe("email", () => {
  const email = only("email");
  it("finds addresses and leaves sentence punctuation out", () => {
    expect(found("Write to ana.lopez+news@mail.example.co.uk. Thanks", email)).toEqual(["email:ana.lopez+news@mail.example.co.uk"]);
    expect(found("<bob_99@example.org>, carol@sub-domain.example.io;", email)).toEqual(["email:bob_99@example.org", "email:carol@sub-domain.example.io"]);
  });
  it("refuses addresses without a real domain", () => {
    expect(found("user@localhost, a@b.c, x@-bad.com, @example.com, name@@example.com, me@example.123", email)).toEqual([]);
  });
  it("does not read user:password@host as an address", () => {
    expect(found("postgres://admin:pw@db.example.com/app", email)).toEqual([]);
    expect(found("mailto:ana@example.org", email)).toEqual(["email:ana@example.org"]);
  });
});

describe("phone", () => {
  const phone = only("phone");
  it("finds valid numbers in national and international formats", () => {
    for (const number of [
      "(415) 555-2671",
      "415-555-2671",
      "415.555.2671",
      "415 555 2671",
      "+1 415 555 2671",
      "+1-415-555-2671",
      "1-800-555-0199",
      "+44 20 7946 0958",
      "+49 30 901820",
      "+33 1 42 68 53 00",
      "+91 98765 43210",
      "+61 2 9374 4000",
    ]) {
      expect(found(`Call ${number} today`, phone), number).toEqual([`phone:${number}`]);
    }
  });
  it("reads bare digit runs as phone numbers only after a phone word", () => {
    expect(found("order id 4155552671 shipped", phone)).toEqual([]);
    expect(found("mobile: 4155552671", phone)).toEqual(["phone:4155552671"]);
    expect(found("+14155552671", phone)).toEqual(["phone:+14155552671"]);
  });
  it("leaves invalid numbers, dates, versions, IPs and odd groupings alone", () => {
    for (const text of ["(123) 456-7890", "555-0132", "2024-03-15", "10.0.19041.1", "192.168.10.20", "4155 5526 71", "415555 2671", "ORD-2024-000123", "$1,415,555.26", "+1 234"]) {
      expect(found(`value ${text} end`, phone), text).toEqual([]);
    }
  });
  it("finds a number after another number in the same run", () => {
    expect(found("Ticket 2024 415-555-2671", phone)).toEqual(["phone:415-555-2671"]);
  });
  it("uses the configured default country for national numbers", () => {
    const uk = createMasker({ detectors: ["phone"], phoneCountry: "GB" });
    expect(found("Ring 020 7946 0958 please", uk)).toEqual(["phone:020 7946 0958"]);
    expect(found("Ring 020 7946 0958 please", phone)).toEqual([]);
  });
  it("reads national numbers in each of the configured regions, and E.164 numbers in every region", () => {
    const europe = createMasker({ detectors: ["phone"], phoneRegions: ["DE", "GB", "IL"] });
    expect(found("Ring 020 7946 0958, 030 901820 or 09-7625400", europe)).toEqual(["phone:020 7946 0958", "phone:030 901820", "phone:09-7625400"]);
    expect(found("Ring 020 7946 0958, 030 901820 or 09-7625400", phone)).toEqual([]);
    for (const number of ["+1 415 555 2671", "+55 11 98456 5666", "+972 9-762-5400", "+81 3-1234-5678"]) {
      expect(found(`Ring ${number} please`, europe), number).toEqual([`phone:${number}`]);
    }
  });
  it("refuses unknown or empty phone regions at createMasker and createWarden, naming the option", () => {
    const secret = "0123456789abcdef0123456789abcdef";
    for (const [options, path] of [
      [{ phoneRegions: ["US", "XX"] }, "masking.phoneRegions[1]"],
      [{ phoneRegions: [] }, "masking.phoneRegions"],
      [{ phoneRegions: "US" }, "masking.phoneRegions"],
      [{ phoneRegions: ["US"], phoneCountry: "GB" }, "masking.phoneCountry"],
    ] as const) {
      for (const create of [
        () => createMasker(options as never),
        () => createWarden({ audit: { sink: memorySink() }, identity: { issuer: "i", audience: "a", secret }, policy: { tools: {} }, masking: options as never }),
      ]) {
        let caught: unknown;
        try {
          create();
        } catch (error) {
          caught = error;
        }
        expect(caught, JSON.stringify(options)).toBeInstanceOf(PolicyError);
        expect((caught as PolicyError).path).toBe(path);
      }
    }
    expect(createMasker({ detectors: ["phone"], phoneRegions: ["GB"] }).mask("Ring 020 7946 0958").text).toBe("Ring [PHONE]");
  });
  it("reads a phone-shaped number right after a phone word even where the plan leaves it unassigned", () => {
    for (const text of [
      "call 555-234-5678",
      "Phone: (555) 234-5678",
      "mobile # 555 234 5678",
      "tel. 555.234.5678",
      "cell 5552345678",
      "fax: 555-234-5678",
      "WhatsApp me at 555-234-5678",
    ]) {
      expect(found(text, phone), text).toHaveLength(1);
    }
    for (const text of ["ref 555-234-5678", "call the office about order 555-234-5678", "called 1721460606 times"]) {
      expect(found(text, phone), text).toEqual([]);
    }
  });
  it("finds no number inside a longer sequence of digit groups", () => {
    const europe = createMasker({ detectors: ["phone"], phoneRegions: ["US", "GB", "DE", "FR", "IL", "IN", "CA", "BR"] });
    for (const text of ["AT61 1904 3002 3457 3202", "XK05 1212 0123 4567 8907", "AE07 0331 2345 6789 0123 457"]) {
      expect(found(text, europe), text).toEqual([]);
    }
  });
});

describe("credit cards", () => {
  const card = only("credit_card");
  it("finds every brand with Luhn-valid numbers, with spaces, dashes or none", () => {
    for (const number of [
      "4111 1111 1111 1111",
      "4111-1111-1111-1111",
      "4111111111111111",
      "4222222222222",
      "5555 5555 5555 4444",
      "2223 0031 2200 3222",
      "3782 822463 10005",
      "6011 1111 1111 1117",
      "3530 1113 3330 0000",
      "3056 930902 5904",
      "6200000000000005",
    ]) {
      expect(found(`pay with ${number}.`, card), number).toEqual([`credit_card:${number}`]);
    }
  });
  it("refuses failed checksums, unknown prefixes, mixed separators and longer numbers", () => {
    for (const number of [
      "4111 1111 1111 1112",
      "9111 1111 1111 1111",
      "4111 1111-1111 1111",
      "41111111111111112222",
      "1234 5678 9012 3456",
      "978-3-16-148410-0",
      "9780306406157",
    ]) {
      expect(found(`value ${number} end`, card), number).toEqual([]);
    }
  });
  it("finds UATP, Dankort and Maestro UK numbers", () => {
    for (const number of [
      "122000000000003",
      "1220 0000 0000 003",
      "5019717010103742",
      "5019 7170 1010 3742",
      "6759649826438453",
      "675964982648",
      "6767 7000 0000 0005",
      "6767740000000000003",
    ]) {
      expect(found(`pay with ${number}.`, card), number).toEqual([`credit_card:${number}`]);
    }
    for (const number of ["122000000000004", "5019717010103743", "675964982644", "6759 6498 2643 8454"]) expect(found(`pay with ${number}.`, card), number).toEqual([]);
  });
  it("finds no card inside a longer group of digits: an IBAN's digits, a 20-digit number, one group of many", () => {
    // 4111 1111 1111 1111 is a valid Visa number in each of these.
    for (const text of ["DE89 4111 1111 1111 1111 00", "XX00-4111-1111-1111-1111", "41111111111111111111", "2024 4111 1111 1111 1111", "4111 1111 1111 1111 1234"]) {
      expect(found(`value ${text} end`, card), text).toEqual([]);
    }
    expect(found("4111 1111 1111 1111 12/27 and 4111-1111-1111-1111 5555 5555 5555 4444", card)).toEqual([
      "credit_card:4111 1111 1111 1111",
      "credit_card:4111-1111-1111-1111",
      "credit_card:5555 5555 5555 4444",
    ]);
  });
});

describe("SSN", () => {
  const ssn = only("ssn");
  it("finds dashed and spaced numbers", () => {
    expect(found("SSN 123-45-6789 or 078 05 1120", ssn)).toEqual(["ssn:123-45-6789", "ssn:078 05 1120"]);
  });
  it("refuses numbers the SSA never issues and longer runs", () => {
    for (const text of ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "1123-45-6789", "123-45-67890", "12-123-45-6789", "123456789", "123-45 6789"]) {
      expect(found(`id ${text} end`, ssn), text).toEqual([]);
    }
  });
  it("finds dotted numbers, and nine bare digits after an SSN word", () => {
    expect(found("SSN 078.05.1123, 078.05-1123", ssn)).toEqual(["ssn:078.05.1123"]);
    for (const text of ["SSN 123456789", "SSN#: 123456789", "ss# 123456789", "social security number 123456789", "Social Security no. 123456789"]) {
      expect(found(text, ssn), text).toEqual(["ssn:123456789"]);
    }
    for (const text of ["order 123456789", "SSN 000456789", "SSN 1234567890", "lessn 123456789", "SSN 666456789"]) expect(found(text, ssn), text).toEqual([]);
  });
});

describe("IBAN", () => {
  const iban = only("iban");
  it("finds compact and grouped IBANs with valid checksums", () => {
    expect(found("IBAN DE89370400440532013000.", iban)).toEqual(["iban:DE89370400440532013000"]);
    expect(found("to GB82 WEST 1234 5698 7654 32 today", iban)).toEqual(["iban:GB82 WEST 1234 5698 7654 32"]);
    expect(found("FR14 2004 1010 0505 0001 3M02 606", iban)).toEqual(["iban:FR14 2004 1010 0505 0001 3M02 606"]);
  });
  it("refuses bad checksums, wrong lengths and unknown countries", () => {
    for (const text of ["DE89370400440532013001", "DE8937040044053201300", "DE893704004405320130000", "ZZ89370400440532013000", "XDE89370400440532013000"]) {
      expect(found(`acct ${text} end`, iban), text).toEqual([]);
    }
  });
  it("finds IBANs written with hyphens or in lower case, one separator and one case each", () => {
    for (const text of ["DE89-3704-0044-0532-0130-00", "de89370400440532013000", "de89 3704 0044 0532 0130 00", "gb82 west 1234 5698 7654 32"]) {
      expect(found(`to ${text}.`, iban), text).toEqual([`iban:${text}`]);
    }
    for (const text of [
      "DE89-3704 0044-0532-0130-00",
      "GB82 wEST 1234 5698 7654 32",
      "gb82 WEST 1234 5698 7654 32",
      "AL47/2121/1009/0000/0002/3569/8741",
      "DE89-3704-0044-0532-0130-00-12",
    ]) {
      expect(found(`to ${text}.`, iban), text).toEqual([]);
    }
  });
});

describe("ABA routing numbers", () => {
  const aba = only("aba_routing");
  it("needs a valid checksum and a routing word before the number", () => {
    expect(found("routing number 021000021", aba)).toEqual(["aba_routing:021000021"]);
    expect(found('{"routing_number": "011401533"}', aba)).toEqual(["aba_routing:011401533"]);
    expect(found("ABA# 121000248, RTN: 026009593", aba)).toEqual(["aba_routing:121000248", "aba_routing:026009593"]);
    expect(found("customer 021000021 ordered", aba)).toEqual([]);
    expect(found("routing number 021000022", aba)).toEqual([]);
    expect(found("abandoned 021000021", aba)).toEqual([]);
  });
  it("finds the cheque form XXXX-YYYY-C without a routing word", () => {
    expect(found("3222-7162-7 and 0711-0130-7", aba)).toEqual(["aba_routing:3222-7162-7", "aba_routing:0711-0130-7"]);
    for (const text of ["1234-0000-0", "3222-7162-8", "3222-7162-77", "13222-7162-7"]) expect(found(`no ${text} end`, aba), text).toEqual([]);
  });
});

describe("IP and MAC addresses", () => {
  it("finds IPv4 addresses but not version strings or longer dotted sequences", () => {
    const ip = only("ipv4");
    expect(found("from 192.168.1.20, then 8.8.8.8.", ip)).toEqual(["ipv4:192.168.1.20", "ipv4:8.8.8.8"]);
    for (const text of ["v1.2.3.4", "version 1.2.3.4", "Version: 10.2.0.1", "build 10.0.19041.1", "1.2.3.4.5", "256.1.1.1", "01.02.03.04", "1.2.3"]) {
      expect(found(`got ${text} here`, ip), text).toEqual([]);
    }
  });
  it("finds IPv6 addresses validated by node:net", () => {
    const ip = only("ipv6");
    expect(found("peer 2001:db8::8a2e:370:7334 and [fe80::1]:8080, ::1.", ip)).toEqual(["ipv6:2001:db8::8a2e:370:7334", "ipv6:fe80::1", "ipv6:::1"]);
    expect(found("mapped ::ffff:192.168.1.1 ok", ip)).toEqual(["ipv6:::ffff:192.168.1.1"]);
    for (const text of ["std::vector", "10:30:00", "a :: b", "00:1A:2B:3C:4D:5E", "12:34"]) expect(found(`see ${text}`, ip), text).toEqual([]);
  });
  it("prefers the IPv6 finding when an IPv4 address is embedded in it", () => {
    expect(types("mapped ::ffff:192.168.1.1 ok", only("ip"))).toEqual(["ipv6"]);
  });
  it("keeps a CIDR prefix and a zone inside the address's span", () => {
    expect(found("nets 10.0.0.0/8, 192.168.1.1/32 and 10.0.0.0/123.", only("ipv4"))).toEqual(["ipv4:10.0.0.0/8", "ipv4:192.168.1.1/32", "ipv4:10.0.0.0"]);
    const ip = only("ipv6");
    expect(found("on fe80::1%eth0, 2001:db8::/32, fe80::1%eth0/64 and 2001:db8::/9999", ip)).toEqual([
      "ipv6:fe80::1%eth0",
      "ipv6:2001:db8::/32",
      "ipv6:fe80::1%eth0/64",
      "ipv6:2001:db8::",
    ]);
  });
  it("finds every compressed form, and a bare :: that is not a type annotation", () => {
    const ip = only("ipv6");
    expect(found("a ::1, 1::, ::ffff:1.2.3.4, 2001:db8::8a2e:370 ok", ip)).toEqual(["ipv6:::1", "ipv6:1::", "ipv6:::ffff:1.2.3.4", "ipv6:2001:db8::8a2e:370"]);
    expect(found("src=:: dst=::1, listen on ::/0, unspecified ::", ip)).toEqual(["ipv6:::", "ipv6:::1", "ipv6:::/0", "ipv6:::"]);
    for (const text of ["map :: a -> b", ":::", "std::cout", "MyClass::toString"]) expect(found(text, ip), text).toEqual([]);
  });
  it("keeps an embedded IPv4 address with a prefix inside one IPv6 finding", () => {
    expect(found("net ::ffff:192.168.1.0/96 ok", only("ip"))).toEqual(["ipv6:::ffff:192.168.1.0/96"]);
  });
  it("finds MAC addresses with colons or dashes", () => {
    const mac = only("mac_address");
    expect(found("hw 00:1A:2B:3C:4D:5E and 00-1a-2b-3c-4d-5e", mac)).toEqual(["mac_address:00:1A:2B:3C:4D:5E", "mac_address:00-1a-2b-3c-4d-5e"]);
    expect(found("00:1A:2B:3C:4D:5E:6F 00:1A-2B:3C:4D:5E 00:1A:2B:3C:4D", mac)).toEqual([]);
  });
  it("finds MAC addresses in Cisco's dotted form, and leaves broadcast and all-zero addresses alone", () => {
    const mac = only("mac_address");
    expect(found("hw 0123.4567.89ab and 00A0.C914.C829.", mac)).toEqual(["mac_address:0123.4567.89ab", "mac_address:00A0.C914.C829"]);
    for (const text of [
      "ff:ff:ff:ff:ff:ff",
      "FF-FF-FF-FF-FF-FF",
      "00:00:00:00:00:00",
      "ffff.ffff.ffff",
      "0000.0000.0000",
      "0123.4567.89ab.cdef",
      "x0123.4567.89ab",
      "0123.4567.89a",
    ]) {
      expect(found(`hw ${text} end`, mac), text).toEqual([]);
    }
  });
});

describe("credentials", () => {
  it("masks the user-info of URLs, not the host", () => {
    const url = only("url_credentials");
    expect(found("DSN postgres://app_user:S3cr3t!x@db.internal:5432/app", url)).toEqual(["url_credentials:app_user:S3cr3t!x"]);
    expect(createMasker({ detectors: ["url_credentials"] }).mask("redis://:hunter2pass@cache:6379").text).toBe("redis://[URL_CREDENTIALS]@cache:6379");
    expect(found("https://user@example.com https://example.com/a:b@c mailto:a:b@example.com", url)).toEqual([]);
  });
  it("finds JWTs whose header and payload are JSON objects with an alg", () => {
    const jwt = only("jwt");
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const token = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "42" })}.${filler(ALNUM, 43)}`;
    expect(found(`Bearer ${token}`, jwt)).toEqual([`jwt:${token}`]);
    const unsecured = `${part({ alg: "none" })}.${part({ sub: "42" })}.`;
    expect(found(`t=${unsecured} next`, jwt)).toEqual([`jwt:${unsecured}`]);
    expect(found(`${part({ typ: "JWT" })}.${part({ sub: "1" })}.sig`, jwt)).toEqual([]);
    expect(found(`${part({ alg: "HS256" })}.${Buffer.from("not json").toString("base64url")}.sig`, jwt)).toEqual([]);
    expect(found(`${part({ alg: "HS256" })}.${part([1, 2])}.sig`, jwt)).toEqual([]);
  });
  it("masks whole PEM private key blocks and leaves public material alone", () => {
    const key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oWhaVwD5s7qfoAoGCCqGSM49\n-----END EC PRIVATE KEY-----";
    const masker = only("private_key");
    expect(masker.mask(`key:\n${key}\ndone`).text).toBe("key:\n[PRIVATE_KEY]\ndone");
    expect(masker.mask("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBF4\n-----END PGP PRIVATE KEY BLOCK-----").text).toBe("[PRIVATE_KEY]");
    expect(found("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY----- -----BEGIN CERTIFICATE-----", masker)).toEqual([]);
  });
  it("masks a truncated PEM block up to the end of its body", () => {
    const text = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabcDEF==\n\nNext paragraph.";
    expect(only("private_key").mask(text).text).toBe("[PRIVATE_KEY]\n\nNext paragraph.");
  });
  it("masks only the value of secrets assigned to telling names", () => {
    const generic = only("generic_secret");
    expect(found("password=Zx8Qw3Lp9Vt2 user=bob", generic)).toEqual(["generic_secret:Zx8Qw3Lp9Vt2"]);
    expect(found(`{"client_secret": "q8W2e9R4t7Y1u3I6"}`, generic)).toEqual(["generic_secret:q8W2e9R4t7Y1u3I6"]);
    expect(found("export DB_PASSWORD='Passw0rd!'", generic)).toEqual(["generic_secret:Passw0rd!"]);
    expect(found("X-Api-Key: 7f3c9a1e5b2d8f4a", generic)).toEqual(["generic_secret:7f3c9a1e5b2d8f4a"]);
    expect(found("GET /v1?token=hT5kL9mP2qR7sV4w&page=2", generic)).toEqual(["generic_secret:hT5kL9mP2qR7sV4w"]);
  });
  it("leaves placeholders, low-entropy words, references and unrelated names alone", () => {
    const generic = only("generic_secret");
    for (const text of [
      "password=changeme",
      "password: ********",
      "token=${API_TOKEN}",
      "api_key: <your-api-key>",
      "secret={{ vault_secret }}",
      "max_tokens: 40965321",
      "token_count=123456789",
      "passwd=xxxxxxxx",
      "token = process.env.API_TOKEN",
      "token = getToken()",
      "password=short",
      "if (a == b) token != c",
    ]) {
      expect(found(text, generic), text).toEqual([]);
    }
  });
});

describe("custom detectors and selection", () => {
  it("runs regex and function detectors with their own types", () => {
    const masker = createMasker({
      detectors: ["email"],
      custom: [
        { type: "employee_id", pattern: /\bEMP-\d{6}\b/ },
        { type: "ticket", detect: (text) => [...text.matchAll(/#T\d+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length })) },
      ],
    });
    expect(masker.mask("EMP-123456 filed #T42 for ana@example.org").text).toBe("[EMPLOYEE_ID] filed [TICKET] for [EMAIL]");
    expect(masker.types).toEqual(["email", "employee_id", "ticket"]);
  });
  it("ignores out-of-range offsets from function detectors", () => {
    const masker = createMasker({
      detectors: [],
      custom: [
        {
          type: "odd",
          detect: () => [
            { start: -1, end: 2 },
            { start: 3, end: 2 },
            { start: 0, end: 99 },
            { start: 0, end: 1.5 },
          ],
        },
      ],
    });
    expect(masker.mask("abc").findings).toEqual([]);
  });
  it("selects detectors by type and by group", () => {
    const text = `ana@example.org 10.0.0.1 ghp_${filler(ALNUM, 36)}`;
    expect(types(text, createMasker({ detectors: ["email"] }))).toEqual(["email"]);
    expect(types(text, createMasker({ detectors: ["ip"] }))).toEqual(["ipv4"]);
    expect(types(text, createMasker({ detectors: ["secrets"] }))).toEqual(["github_token"]);
    expect(types(text, createMasker({ detectors: ["pii"] }))).toEqual(["email", "ipv4"]);
    expect(types(text)).toEqual(["email", "ipv4", "github_token"]);
  });
});
