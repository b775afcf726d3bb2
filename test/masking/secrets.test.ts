/**
 * Secret formats, gitleaks style: for every format, realistic-looking (fake)
 * samples that must be found, and near misses that must not be.
 */
import { describe, expect, it } from "vitest";
import { createMasker } from "../../src/masking/index.js";
import { ALNUM, BASE32, defaultMasker, filler, HEX } from "./helpers.js";

const B64URL = `${ALNUM}-_`;
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

interface Format {
  readonly type: string;
  readonly truePositives: readonly string[];
  readonly falsePositives: readonly string[];
}

const FORMATS: readonly Format[] = [
  {
    type: "github_token",
    truePositives: [
      `ghp_${filler(ALNUM, 36)}`,
      `gho_${filler(ALNUM, 36, 3)}`,
      `ghu_${filler(ALNUM, 36, 5)}`,
      `ghs_${filler(ALNUM, 36, 7)}`,
      `ghr_${filler(ALNUM, 36, 11)}`,
      "ghp_R8tY1cW6hJ5gF0dSaZ3kQ9mX2pL7vB4nR8tY",
      `github_pat_${filler(ALNUM, 22)}_${filler(ALNUM, 59, 2)}`,
    ],
    falsePositives: [
      `ghp_${filler(ALNUM, 35)}`,
      `ghp_${filler(ALNUM, 37)}`,
      `xghp_${filler(ALNUM, 36)}`,
      `ghx_${filler(ALNUM, 36)}`,
      `ghp-${filler(ALNUM, 36)}`,
      `github_pat_${filler(ALNUM, 60)}`,
    ],
  },
  {
    type: "gitlab_token",
    truePositives: [`glpat-${filler(ALNUM, 20)}`, "glpat-x9Kd_2LmQ-7pR4tVw8Zs", `glpat-${filler(`${ALNUM}-_`, 20, 4)}`],
    falsePositives: [`glpat-${filler(ALNUM, 19)}`, `glpat_${filler(ALNUM, 20)}`, `glpat-${filler(ALNUM, 21)}`],
  },
  {
    type: "slack_token",
    truePositives: [
      `xoxb-${filler("0123456789", 12)}-${filler("0123456789", 13, 3)}-${filler(ALNUM, 24)}`,
      `xoxp-${filler("0123456789", 12)}-${filler("0123456789", 12, 1)}-${filler("0123456789", 13, 2)}-${filler(HEX, 32)}`,
      `xoxa-2-${filler(ALNUM, 40)}`,
      `xoxr-${filler(ALNUM, 32)}`,
      `xoxs-${filler("0123456789", 10)}-${filler("0123456789", 12)}-${filler("0123456789", 12, 5)}-${filler(HEX, 64)}`,
    ],
    falsePositives: ["xoxb-12345", `xoxc-${filler("0123456789", 12)}-${filler(ALNUM, 24)}`, `axoxb-${filler("0123456789", 12)}-${filler(ALNUM, 24)}`, "xoxb-"],
  },
  {
    type: "slack_webhook",
    truePositives: [
      `https://hooks.slack.com/services/T${filler(BASE32, 8)}/B${filler(BASE32, 10)}/${filler(ALNUM, 24)}`,
      `https://hooks.slack.com/workflows/T${filler(BASE32, 8)}/A${filler(BASE32, 10)}/${filler("0123456789", 18)}/${filler(ALNUM, 24)}`,
    ],
    falsePositives: [
      "https://hooks.slack.com/services/",
      "https://hooks.slack.com/apps/T000/B000/xyz",
      `https://hooks.slack.example.com/services/T${filler(BASE32, 8)}/B${filler(BASE32, 10)}/${filler(ALNUM, 24)}`,
    ],
  },
  {
    type: "stripe_key",
    truePositives: [
      `sk_live_${filler(ALNUM, 24)}`,
      `sk_prod_${filler(ALNUM, 24, 2)}`,
      `rk_prod_${filler(ALNUM, 30, 4)}`,
      `sk_test_${filler(ALNUM, 99)}`,
      `rk_live_${filler(ALNUM, 24, 1)}`,
      `rk_test_${filler(ALNUM, 32, 2)}`,
    ],
    falsePositives: ["sk_live_short", `pk_live_${filler(ALNUM, 24)}`, `sk_dev_${filler(ALNUM, 24)}`, `ask_live_${filler(ALNUM, 24)}`, `sk_live_${"x".repeat(24)}`],
  },
  {
    type: "openai_key",
    truePositives: [
      `sk-${filler(ALNUM, 20)}T3BlbkFJ${filler(ALNUM, 20, 3)}`,
      `sk-${filler(ALNUM, 48, 9)}`,
      `sk-proj-${filler(`${ALNUM}-_`, 156)}`,
      `sk-svcacct-${filler(`${ALNUM}-_`, 120, 4)}`,
    ],
    falsePositives: [`sk-${filler(ALNUM, 47)}`, `sk-${filler(ALNUM, 49)}`, `task-${filler(ALNUM, 48)}`, "sk-proj-short", `sk-${filler(ALNUM, 20)}-${filler(ALNUM, 27)}`],
  },
  {
    type: "anthropic_key",
    truePositives: [`sk-ant-api03-${filler(`${ALNUM}-_`, 93)}AA`, `sk-ant-admin01-${filler(`${ALNUM}-_`, 93, 6)}AA`],
    falsePositives: [`sk-ant-api03-${filler(ALNUM, 20)}`, `sk-ant-${filler(ALNUM, 95)}`],
  },
  {
    type: "google_api_key",
    truePositives: [`AIza${filler(`${ALNUM}-_`, 35)}`, "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
    falsePositives: [`AIza${filler(ALNUM, 34)}`, `AIzb${filler(ALNUM, 35)}`, `xAIza${filler(ALNUM, 35)}`, `AIza${filler(ALNUM, 36)}`],
  },
  {
    type: "npm_token",
    truePositives: [`npm_${filler(ALNUM, 36)}`, `npm_${filler(ALNUM, 36, 13)}`],
    falsePositives: [`npm_${filler(ALNUM, 35)}`, `npm_${filler(ALNUM, 37)}`, `mynpm_${filler(ALNUM, 36)}`],
  },
  {
    type: "sendgrid_key",
    truePositives: [`SG.${filler(`${ALNUM}-_`, 22)}.${filler(`${ALNUM}-_`, 43, 1)}`],
    falsePositives: [`SG.${filler(ALNUM, 21)}.${filler(ALNUM, 43)}`, `SG.${filler(ALNUM, 22)}.${filler(ALNUM, 42)}`, `SG-${filler(ALNUM, 22)}.${filler(ALNUM, 43)}`],
  },
  {
    type: "twilio_key",
    truePositives: [`SK${filler(HEX, 32)}`, `SK${filler(HEX, 32, 5)}`],
    falsePositives: [`SK${filler(HEX, 31)}`, `SK${filler("ghijklmnopqrstuv", 32)}`, `ASK${filler(HEX, 32)}`, `SK${filler(HEX, 33)}`],
  },
  {
    type: "huggingface_token",
    truePositives: [`hf_${filler("abcdefghijklmnopqrstuvwxyzABCDEFGH", 34)}`, `hf_${filler(ALNUM, 34, 8)}`],
    falsePositives: [`hf_${filler(ALNUM, 33)}`, `hf_${filler(ALNUM, 35)}`, `chf_${filler(ALNUM, 34)}`],
  },
  {
    type: "aws_access_key",
    truePositives: ["AKIAJ3XTQ2MVWRZ5K6BD", `ASIA${filler(BASE32, 16)}`, `AKIA${filler(BASE32, 16, 3)}`, `A3TX${filler(BASE32, 16, 1)}`],
    // AWS's published example and filler are placeholders, not keys.
    falsePositives: [
      "AKIAIOSFODNN7EXAMPLE",
      "AKIAI44QH8DHBEXAMPLE",
      "AKIAXXXXXXXXXXXXXXXX",
      `AKIA${filler(BASE32, 15)}`,
      `AKIA${filler(BASE32, 16).toLowerCase()}`,
      `XAKIA${filler(BASE32, 16)}`,
      "AKIAIOSFODNN7EXAMPL1",
      `AKIA${filler(BASE32, 17)}`,
    ],
  },
  {
    type: "jwt",
    truePositives: [
      `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ sub: "1234567890", name: "Jane Doe", iat: 1516239022 })}.${filler(B64URL, 43)}`,
      `${b64url({ alg: "RS256", kid: "k1" })}.${b64url({ iss: "https://idp.example.com/", aud: "api" })}.${filler(B64URL, 342, 2)}`,
    ],
    falsePositives: [
      `${b64url({ typ: "JWT" })}.${b64url({ sub: "1" })}.${filler(B64URL, 43)}`,
      `${b64url({ alg: "HS256" })}.${Buffer.from("plain text").toString("base64url")}.${filler(B64URL, 43)}`,
      `${b64url({ alg: "HS256" })}.${b64url({ sub: "1" })}`,
      "eyJhbGciOi.eyJzdWIi.sig",
    ],
  },
];

/** Whether `sample`, embedded in a sentence, is found whole as `type`. */
function foundWhole(type: string, sample: string): boolean {
  const text = `config: ${sample} end`;
  const start = text.indexOf(sample);
  return defaultMasker.mask(text).findings.some((f) => f.type === type && f.start === start && f.end === start + sample.length);
}

describe("secret formats", () => {
  for (const format of FORMATS) {
    it(`${format.type}: finds every true sample and none of the near misses`, () => {
      for (const sample of format.truePositives) expect(foundWhole(format.type, sample), sample).toBe(true);
      for (const sample of format.falsePositives) {
        const hits = defaultMasker.mask(`config: ${sample} end`).findings.filter((f) => f.type === format.type);
        expect(hits, sample).toEqual([]);
      }
    });
  }

  it("private_key: finds every kind of private key block, not public material", () => {
    const body = `${filler(`${ALNUM}+/`, 64)}\n${filler(`${ALNUM}+/`, 64, 3)}\n${filler(ALNUM, 20)}==`;
    for (const label of ["RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]) {
      const block = `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
      expect(foundWhole("private_key", block), label).toBe(true);
      expect(foundWhole("private_key", block.replace(/\n/g, "\\n")), `${label} in JSON`).toBe(true);
    }
    for (const placeholder of ["...", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "<your private key here>", "YOUR_PRIVATE_KEY_HERE\n..."]) {
      const block = `-----BEGIN RSA PRIVATE KEY-----\n${placeholder}\n-----END RSA PRIVATE KEY-----`;
      expect(defaultMasker.mask(block).findings, placeholder).toEqual([]);
    }
    for (const label of ["PUBLIC KEY", "CERTIFICATE", "RSA PUBLIC KEY", "PGP PUBLIC KEY BLOCK"]) {
      expect(defaultMasker.mask(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`).findings.filter((f) => f.type === "private_key")).toEqual([]);
    }
  });

  it("aws_access_key: an id written all in lower case is found, with the secret beside it; mixed case and published examples are not", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8vT3kLmN";
    const text = `aws_access_key_id = akiaj3xtq2mvwrz5k6bd\naws_secret_access_key = ${secret}`;
    const masked = defaultMasker.mask(text);
    expect(masked.findings.map((f) => f.type).sort()).toEqual(["aws_access_key", "aws_secret_key"]);
    expect(masked.text).not.toContain("akiaj3xtq2mvwrz5k6bd");
    expect(masked.text).not.toContain(secret);
    for (const lookalike of ["id akiaJ3XTQ2MVWRZ5K6BD", "id akiaiosfodnn7example", "id akiaxxxxxxxxxxxxxxxx", "bakiaj3xtq2mvwrz5k6bd", "id akiaj3xtq2mvwrz5k6bdx"]) {
      expect(defaultMasker.mask(lookalike).findings, lookalike).toEqual([]);
    }
  });

  it("a password that contains a placeholder word is still a secret; a word after an id prefix is not a key id", () => {
    for (const [text, secret] of [
      ["password=Summer1234567!", "Summer1234567!"],
      ["postgres://admin:Example99pw@db.internal/app", "Example99pw"],
    ] as const) {
      expect(defaultMasker.mask(text).text, text).not.toContain(secret);
    }
    for (const text of ["api_key=your_api_key_here", "password=changeme", 'msgstr "Näytä asiakirjamallikansio."']) {
      expect(defaultMasker.mask(text).findings, text).toEqual([]);
    }
  });

  it("aws_secret_key: found next to an access key id or a secret-key name, not alone", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8vT3kLmN";
    expect(foundWhole("aws_secret_key", secret)).toBe(false);
    for (const text of [
      `aws_access_key_id = AKIAJ3XTQ2MVWRZ5K6BD\naws_secret_access_key = ${secret}`,
      `<SecretAccessKey>${secret}</SecretAccessKey>`,
      `{"SecretAccessKey": "${secret}", "AccessKeyId": "ASIA${filler(BASE32, 16)}"}`,
      `AWS_SECRET_ACCESS_KEY=${secret}`,
      `key AKIAJ3XTQ2MVWRZ5K6BD secret ${secret}`,
    ]) {
      const start = text.indexOf(secret);
      expect(
        defaultMasker.mask(text).findings.some((f) => f.type === "aws_secret_key" && f.start === start && f.end === start + 40),
        text,
      ).toBe(true);
    }
    for (const text of [
      `hash ${secret} only`,
      `aws_secret_access_key = ${secret}X`,
      `aws_secret_access_key = ${"a".repeat(40)}`,
      `sha1 ${filler(HEX, 40)} near AKIAJ3XTQ2MVWRZ5K6BD`,
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ]) {
      expect(
        defaultMasker.mask(text).findings.filter((f) => f.type === "aws_secret_key"),
        text,
      ).toEqual([]);
    }
  });

  it("url_credentials and generic_secret: values found, look-alikes not", () => {
    for (const [text, value] of [
      ["mongodb+srv://svc_reader:Tq8vK2mZp4Lx@cluster0.example.net/db", "svc_reader:Tq8vK2mZp4Lx"],
      ["amqp://guest:Gu3st-Pass@rabbit:5672", "guest:Gu3st-Pass"],
    ] as const) {
      expect(
        foundWhole("url_credentials", value) || defaultMasker.mask(text).findings.some((f) => f.type === "url_credentials" && text.slice(f.start, f.end) === value),
        text,
      ).toBe(true);
    }
    for (const text of [
      "postgres://app:${DB_PASSWORD}@db.internal/app",
      "https://user:password@example.com/",
      "redis://default:xxxxxxxxxxxx@cache:6379",
      "mysql://root:<password>@localhost/db",
    ]) {
      expect(
        defaultMasker.mask(text).findings.filter((f) => f.type === "url_credentials"),
        text,
      ).toEqual([]);
    }
    for (const [text, value] of [
      ["SECRET_KEY=dj4n9F2kL8qP3xV7", "dj4n9F2kL8qP3xV7"],
      ['"passwd": "t7Y#k2Lm9Q"', "t7Y#k2Lm9Q"],
      ["--password=Zq3Lr8Tn2Wx5", "Zq3Lr8Tn2Wx5"],
      ["apiKey: 'b6f1c9e2a7d4'", "b6f1c9e2a7d4"],
    ] as const) {
      const hits = defaultMasker
        .mask(text)
        .findings.filter((f) => f.type === "generic_secret")
        .map((f) => text.slice(f.start, f.end));
      expect(hits, text).toEqual([value]);
    }
  });
});

describe("generic secrets in other languages' assignments", () => {
  const value = "Zq3Lr8Tn2Wx5Kp7V";
  it("finds exactly the value in every assignment form and name", () => {
    for (const text of [
      `DB_PASSWORD := "${value}"`,
      `  "password" => "${value}",`,
      `$dbPassword .= "${value}";`,
      `API_TOKEN ::= ${value}`,
      `API_TOKEN ?= ${value}`,
      `API_TOKEN += ${value}`,
      `<password>${value}</password>`,
      `<apiToken>\n  ${value}\n</apiToken>`,
      `props.setProperty("db.password", "${value}");`,
      `token = os.getenv("api_token", "${value}")`,
      `some_api_token_123 = "${value}"`,
      `mySecretString=${value}`,
      `creds = ${value}`,
      `"credentials": "${value}"`,
      `"user_auth": "${value}"`,
      `var gitlabToken string = "${value}"`,
      `secret_key: |\n  ${value}`,
      `Authorization: Bearer ${value}`,
      `The header was Authorization: Bearer ${value}. Then it failed.`,
      `send Authorization: Bearer ${value}.`,
      `\\"api_key\\": \\"${value}\\"`,
      `{"env": "DB_PASSWORD=${value}\\nDB_USER=admin\\nDB_HOST=db"}`,
    ]) {
      const hits = defaultMasker
        .mask(text)
        .findings.filter((f) => f.type === "generic_secret")
        .map((f) => text.slice(f.start, f.end));
      expect(hits, text).toEqual([value]);
    }
  });

  it("a JWT after Bearer at the end of a sentence is found as a JWT, without the full stop", () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const jwt = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "1", name: "Jo" })}.${filler(B64URL, 43)}`;
    const text = `Authorization: Bearer ${jwt}. Next sentence.`;
    expect(defaultMasker.mask(text).findings.map((f) => `${f.type}:${text.slice(f.start, f.end)}`)).toEqual([`jwt:${jwt}`]);
    // A full stop inside the credential, or one that is not followed by white space, stays part of it.
    const dotted = "Authorization: Bearer abc.def.Gh1jKl9mN0pQ.x";
    expect(defaultMasker.mask(dotted).findings.map((f) => dotted.slice(f.start, f.end))).toEqual(["abc.def.Gh1jKl9mN0pQ.x"]);
  });

  it("leaves names about a secret, and placeholders, alone", () => {
    for (const text of [
      `token_count = ${value}`,
      `secret_name: ${value}`,
      `credentialsId: '${value}'`,
      `public_key = "${value}"`,
      `csrf-token=${value}`,
      "api_key = your_api_key_here",
      "password: changeme",
      'API_TOKEN="<token>"',
      "password=${DB_PASSWORD}",
      'notes = "io.jsonwebtoken:jjwt-jackson-0.11.2"',
      "x => token => token.trim()",
    ]) {
      expect(defaultMasker.mask(text).findings, text).toEqual([]);
    }
  });
});

describe("assignment scanning on hostile input", () => {
  const SIZE = 200_000;
  for (const unit of ['"a",', "a,", "<a>", "<apiToken>", "token,", "a=>", "x := ", "password=<EMAIL_TOKEN:abcdefghijklmnop>", "Authorization: Bearer "]) {
    it(`masks ${JSON.stringify(unit)} repeated to ${SIZE / 1000} KB in linear time`, () => {
      const text = unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
      const start = performance.now();
      defaultMasker.mask(text);
      expect(performance.now() - start).toBeLessThan(1_500);
    });
  }
});

describe("token placeholders inside secrets", () => {
  const forged = "<EMAIL_TOKEN:abcdefghijklmnop>";
  const pemBody = `${filler(`${ALNUM}+/`, 64)}\n${filler(`${ALNUM}+/`, 64, 3)}`;
  const attacks = (placeholder: string) => [
    { name: "PEM block", text: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n${placeholder}\n${filler(ALNUM, 40, 5)}==\n-----END RSA PRIVATE KEY-----`, secret: pemBody },
    { name: "URL password", text: `postgres://admin:Tq8vK2mZp4Lx${placeholder}@db.example.net/app`, secret: "Tq8vK2mZp4Lx" },
    { name: "password= value", text: `password=Zq3Lr8Tn2Wx5${placeholder}`, secret: "Zq3Lr8Tn2Wx5" },
  ];

  it("a look-alike placeholder the vault did not issue does not switch masking off", () => {
    for (const strategy of ["redact", "tokenize"] as const) {
      const masker = createMasker({ strategy });
      for (const attack of attacks(forged)) {
        const { text, findings } = masker.mask(attack.text, { tenant: "acme" });
        expect(text, `${strategy}: ${attack.name}`).not.toContain(attack.secret);
        expect(findings.length, `${strategy}: ${attack.name}`).toBeGreaterThan(0);
      }
    }
  });

  it("a look-alike placeholder does not keep the characters it wraps visible", () => {
    const material = "k3v5q2m7x4c6w2zb";
    const block = `-----BEGIN PRIVATE KEY-----\n${pemBody}\n<EMAIL_TOKEN:${material}>\n-----END PRIVATE KEY-----`;
    for (const strategy of ["redact", "tokenize"] as const) {
      expect(createMasker({ strategy }).mask(block, { tenant: "acme" }).text, strategy).not.toContain(material);
    }
  });

  it("a placeholder the vault issued is left whole, and only its own characters", async () => {
    const masker = createMasker({ strategy: "tokenize" });
    const token = masker.mask("ana@example.com", { tenant: "acme" }).text;
    expect(token).toMatch(/^<EMAIL_TOKEN:[a-z2-7]{16}>$/);
    for (const attack of attacks(token)) {
      const { text } = masker.mask(attack.text, { tenant: "acme" });
      expect(text, attack.name).toContain(token);
      expect(text, attack.name).not.toContain(attack.secret);
    }
    // Another masker sharing the vault key recognises it without a lookup; one with another key does not.
    const sibling = createMasker({ strategy: "tokenize", vaultKey: "k".repeat(32) });
    const issued = sibling.mask("bob@example.com", { tenant: "acme" }).text;
    expect(createMasker({ strategy: "tokenize", vaultKey: "k".repeat(32) }).mask(`password=${issued}`, { tenant: "acme" }).text).toBe(`password=${issued}`);
    expect(createMasker({ strategy: "tokenize", vaultKey: "o".repeat(32) }).mask(`password=${issued}`, { tenant: "acme" }).text).not.toContain(issued);
  });
});
