import { describe, expect, it } from "vitest";
import { createMasker, type Finding, MaskingBlockedError } from "../../src/masking/index.js";
import { generateCorpus } from "./corpus.js";
import { ALNUM, filler } from "./helpers.js";

const masker = createMasker();
const documents = generateCorpus({ seed: 7, documents: 40 });

/** Deterministic pseudo-random sizes. */
function sizes(seed: number) {
  let state = seed;
  return (max: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return 1 + (state % max);
  };
}

/** Streams `chunks` through a fresh stream; returns every emitted piece and the stream's findings. */
function streamPieces(chunks: readonly string[], options?: Parameters<typeof masker.stream>[0], m = masker): { pieces: string[]; findings: readonly Finding[] } {
  const stream = m.stream(options);
  const pieces = chunks.map((chunk) => stream.push(chunk));
  pieces.push(stream.end());
  return { pieces, findings: stream.findings };
}

describe("streaming", () => {
  it("gives exactly the masked whole text for a split at every position", () => {
    for (const doc of documents.slice(0, 3)) {
      const whole = masker.mask(doc.text).text;
      for (let cut = 0; cut <= doc.text.length; cut++) {
        const { pieces } = streamPieces([doc.text.slice(0, cut), doc.text.slice(cut)]);
        if (pieces.join("") !== whole) expect(pieces.join(""), `cut at ${cut}`).toBe(whole);
      }
    }
  });

  it("gives exactly the masked whole text for random chunk sizes, and the same findings", () => {
    documents.forEach((doc, index) => {
      const expected = masker.mask(doc.text);
      const next = sizes(index + 1);
      for (const max of [3, 17, 64, 400]) {
        const chunks: string[] = [];
        for (let i = 0; i < doc.text.length; ) {
          const n = next(max);
          chunks.push(doc.text.slice(i, i + n));
          i += n;
        }
        const { pieces, findings } = streamPieces(chunks);
        expect(pieces.join(""), `document ${index}, chunks up to ${max}`).toBe(expected.text);
        expect(findings).toEqual(expected.findings);
      }
    });
  });

  it("emits text early and never a raw value or part of a placeholder", () => {
    const doc = documents[0] as (typeof documents)[number];
    const whole = masker.mask(doc.text).text;
    const placeholders = [...whole.matchAll(/\[[A-Z0-9_]+\]/g)].map((m) => [m.index, m.index + m[0].length] as const);
    const chars = [...doc.text];
    const { pieces } = streamPieces(chars);
    expect(pieces.filter((p) => p.length > 0).length).toBeGreaterThan(3);
    let offset = 0;
    for (const piece of pieces) {
      offset += piece.length;
      for (const [start, end] of placeholders) expect(offset > start && offset < end, `cut inside a placeholder at ${offset}`).toBe(false);
    }
    const emitted = pieces.join("");
    for (const entity of doc.entities) expect(emitted).not.toContain(doc.text.slice(entity.start, entity.end));
  });

  it("holds a PEM block until its END line, then masks it whole", () => {
    const body = Array.from({ length: 40 }, (_, i) => filler(`${ALNUM}+/`, 64, i)).join("\n");
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`;
    const text = `${"Intro sentence. ".repeat(40)}${key}\n${"Outro sentence. ".repeat(40)}`;
    const stream = masker.stream();
    let out = "";
    for (let i = 0; i < text.length; i += 5) {
      out += stream.push(text.slice(i, i + 5));
      expect(out).not.toContain("OPENSSH");
      expect(out).not.toContain(body.slice(0, 20));
    }
    out += stream.end();
    expect(out).toBe(masker.mask(text).text);
    expect(out).toContain("[PRIVATE_KEY]");
  });

  it("holds a long JWT until it ends", () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const jwt = `${part({ alg: "RS256" })}.${part({ sub: "x", roles: filler(ALNUM, 3000) })}.${filler(ALNUM, 342)}`;
    const text = `Authorization: Bearer ${jwt}\nnext line`;
    const { pieces } = streamPieces(text.match(/[\s\S]{1,7}/g) ?? []);
    expect(pieces.join("")).toBe("Authorization: Bearer [JWT]\nnext line");
  });

  it("applies per-stream options and strategies", async () => {
    const tokenizer = createMasker({ strategy: "tokenize" });
    const text = `${"Lorem ipsum dolor sit amet. ".repeat(30)}mail ana@example.com now`;
    const { pieces } = streamPieces(text.match(/[\s\S]{1,9}/g) ?? [], { tenant: "acme" }, tokenizer);
    const out = pieces.join("");
    expect(out).toMatch(/<EMAIL_TOKEN:[a-z2-7]{16}>/);
    expect(await tokenizer.unmask(out, { tenant: "acme" })).toBe(text);
    expect(streamPieces([text], { reveal: ["email"] }).pieces.join("")).toBe(text);
  });

  it("fails a push that would emit a blocked value, and refuses pushes after end", () => {
    const blocking = createMasker({ rules: { email: "block" } });
    const stream = blocking.stream();
    expect(() => {
      stream.push(`${"x ".repeat(400)}ana@example.com ${"y ".repeat(400)}`);
      stream.end();
    }).toThrow(MaskingBlockedError);
    const done = masker.stream();
    done.end();
    expect(() => done.push("more")).toThrow();
    expect(done.end()).toBe("");
  });
});
