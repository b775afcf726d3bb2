/**
 * The anchors the scans start from: where a value begins next to its anchor
 * character, at the start of the text, glued to another word, or beside a
 * look-alike, the detectors find exactly what their patterns describe.
 */
import { describe, expect, it } from "vitest";
import { resolveOverlaps } from "../../src/masking/engine.js";
import type { Span } from "../../src/masking/types.js";
import { ALNUM, BASE32, filler, found, HEX, only } from "./helpers.js";

const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
const JWT = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "42" })}.${filler(ALNUM, 43)}`;

describe("numeric runs", () => {
  it("start at the first digit, + or ( of a stretch that begins with separators", () => {
    expect(found("total .- 4111 1111 1111 1111 ok", only("credit_card"))).toEqual(["credit_card:4111 1111 1111 1111"]);
    expect(found("see -- (201) 555-0123 today", only("phone"))).toEqual(["phone:(201) 555-0123"]);
    expect(found("route ... 10.20.30.40 now", only("ipv4"))).toEqual(["ipv4:10.20.30.40"]);
  });

  it("skip stretches of separators alone or too short from their first digit", () => {
    expect(found("-------  ....  (((   )))", only("pii"))).toEqual([]);
    expect(found("a  .  12345 b", only("pii"))).toEqual([]);
  });
});

describe("JWT anchored on the J of eyJ", () => {
  it("finds tokens at the start of the text, side by side and after punctuation", () => {
    expect(found(JWT, only("jwt"))).toEqual([`jwt:${JWT}`]);
    expect(found(`${JWT} ${JWT},"${JWT}"`, only("jwt"))).toEqual([`jwt:${JWT}`, `jwt:${JWT}`, `jwt:${JWT}`]);
  });

  it("leaves tokens glued to a word, and J without ey, alone", () => {
    expect(found(`x${JWT} J${JWT} JJJ yJ eJ`, only("jwt"))).toEqual([]);
  });
});

describe("AWS access key ids anchored on A", () => {
  const body = filler(BASE32, 16);

  it("finds every prefix kind, at the start of the text too", () => {
    expect(found(`AKIA${body}`, only("aws_access_key"))).toEqual([`aws_access_key:AKIA${body}`]);
    expect(found(`ids A3T7${body} and ANVA${body}.`, only("aws_access_key"))).toEqual([`aws_access_key:A3T7${body}`, `aws_access_key:ANVA${body}`]);
  });

  it("leaves ids glued to a letter or digit, unknown prefixes and short bodies alone", () => {
    expect(found(`AAKIA${body} 9ASIA${body} AXYZ${body} A3Tx${body} AKIA${body.slice(1)}`, only("aws_access_key"))).toEqual([]);
  });
});

describe("vendor tokens without a separator", () => {
  it("finds AIza, SG. and SK prefixes each with indexOf, beside look-alikes", () => {
    const google = `AIza${filler(ALNUM, 35)}`;
    const twilio = `SK${filler(HEX, 32)}`;
    const sendgrid = `SG.${filler(ALNUM, 22)}.${filler(ALNUM, 43)}`;
    expect(found(`${google} SKSK${filler(HEX, 32)} ${twilio} x${sendgrid} ${sendgrid}`, only("secrets"))).toEqual([
      `google_api_key:${google}`,
      `twilio_key:${twilio}`,
      `sendgrid_key:${sendgrid}`,
    ]);
  });
});

describe("overlap settling", () => {
  const priority = (type: string): number => Number(type.slice(1));

  it("orders spans the same way below and above the insertion-sort threshold", () => {
    for (const count of [5, 40]) {
      const spans: Span[] = [];
      for (let i = 0; i < count; i++) spans.push({ type: `p${i % 3}`, start: Math.floor(i / 2) * 10, end: Math.floor(i / 2) * 10 + 3 + (i % 4) });
      const expected = resolveOverlaps(spans, priority);
      expect(resolveOverlaps([...spans].reverse(), priority)).toEqual(expected);
      expect(expected.every((span, i) => i === 0 || span.start >= (expected[i - 1] as Span).end)).toBe(true);
    }
  });
});
