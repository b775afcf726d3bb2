/**
 * The `warden_api_key` detector: a Warden API key that lands in a tool output,
 * a prompt or a log is masked wherever it sits; a look-alike whose checksum
 * does not hold is not.
 */
import { describe, expect, it } from "vitest";
import { formatApiKey, parseApiKey } from "../../src/identity/api-key-format.js";
import { createApiKey } from "../../src/identity/api-key-record.js";
import { createMasker, SECRET_TYPES } from "../../src/masking/index.js";
import { defaultMasker, found, only } from "./helpers.js";

const key = () => createApiKey({ sub: "svc" }).key;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("warden_api_key", () => {
  it("is a secret type, on by default", () => {
    expect(SECRET_TYPES).toContain("warden_api_key");
    const k = key();
    expect(defaultMasker.mask(`key ${k}`).text).toBe("key [WARDEN_API_KEY]");
  });

  it("finds a key wherever it sits: a header, JSON, a query string, a log line, quotes, the end of a sentence", () => {
    const k = key();
    const texts = [
      `X-Api-Key: ${k}`,
      `Authorization: Bearer ${k}`,
      JSON.stringify({ apiKey: k, note: "rotate monthly" }),
      `GET /v1/orders?api_key=${k}&page=2`,
      `2026-01-01T00:00:00Z WARN rejected key=${k} ip=10.0.0.1`,
      `the key is '${k}'.`,
      `${k}`,
      `keys: ${k},${key()}`,
    ];
    for (const text of texts) {
      const findings = found(text, only("warden_api_key"));
      expect(findings, text).toContain(`warden_api_key:${k}`);
      expect(defaultMasker.mask(text).text, text).not.toContain(parseApiKey(k)!.secret.slice(0, 10));
    }
  });

  it("wins over the generic secret detector where both apply (an assignment to a secret's name)", () => {
    const k = key();
    expect(found(`API_KEY=${k}`)).toEqual([`warden_api_key:${k}`]);
    expect(found(`"x-api-key": "${k}"`)).toEqual([`warden_api_key:${k}`]);
  });

  it("finds keys of every environment label", () => {
    for (const environment of ["live", "test", "staging", "eu1", "a", "abcdefghijkl"]) {
      const k = createApiKey({ sub: "svc", environment }).key;
      expect(found(`use ${k} now`, only("warden_api_key"))).toEqual([`warden_api_key:${k}`]);
    }
  });

  it("finds nothing in look-alikes: a changed character (checksum), a missing or extra character, glued text, wrong prefix or case", () => {
    const k = key();
    const parts = parseApiKey(k)!;
    const flip = (at: number) => k.slice(0, at) + BASE62[(BASE62.indexOf(k[at]!) + 1) % 62] + k.slice(at + 1);
    const lookAlikes = [
      flip(k.length - 1),
      flip(k.length - 10),
      flip(12),
      k.slice(0, -1),
      `${k}Q`,
      `${k}_x`,
      `${k}-x`,
      `x${k}`,
      `_${k}`,
      k.replace("wdn_", "wdm_"),
      k.replace("wdn_", "WDN_"),
      k.replace("_live_", "_LIVE_"),
      // The checksum of another body.
      `${k.slice(0, -6)}${formatApiKey({ ...parts, secret: "A".repeat(43) }).slice(-6)}`,
      "wdn_live_xxxxxxxxxxxxxxxx_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "wdn_live_",
      "wdn_",
    ];
    for (const text of lookAlikes) {
      expect(found(`value ${text} end`, only("warden_api_key")), text).toEqual([]);
    }
  });

  it("masks a key split across streamed chunks at every position", () => {
    const k = key();
    const text = `tool output: ${k} (do not share)`;
    const whole = defaultMasker.mask(text).text;
    expect(whole).toBe("tool output: [WARDEN_API_KEY] (do not share)");
    for (let cut = 0; cut <= text.length; cut++) {
      const stream = defaultMasker.stream();
      const out = stream.push(text.slice(0, cut)) + stream.push(text.slice(cut)) + stream.end();
      expect(out, `cut at ${cut}`).toBe(whole);
    }
  });

  it("masks keys deep inside structured values, and can be turned off like any type", () => {
    const k = key();
    const { value, findings } = defaultMasker.maskDeep({ service: { credentials: [k] } });
    expect(value).toEqual({ service: { credentials: ["[WARDEN_API_KEY]"] } });
    expect(findings).toMatchObject([{ type: "warden_api_key", path: ["service", "credentials", 0] }]);
    const without = createMasker({ detectors: ["email"] });
    expect(without.mask(`k ${k}`).text).toBe(`k ${k}`);
  });
});
