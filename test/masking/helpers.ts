import { createMasker, type Masker, type MaskerOptions } from "../../src/masking/index.js";

/** A masker with every detector and the default strategy (redact). */
export const defaultMasker: Masker = createMasker();

/** The values found in `text`, as `type:value` strings, in order. */
export function found(text: string, masker: Masker = defaultMasker): string[] {
  return masker.mask(text).findings.map((f) => `${f.type}:${text.slice(f.start, f.end)}`);
}

/** The types found in `text`, in order. */
export function types(text: string, masker: Masker = defaultMasker): string[] {
  return masker.mask(text).findings.map((f) => f.type);
}

/** A masker for one detector (or a few). */
export function only(...detectors: NonNullable<MaskerOptions["detectors"]>): Masker {
  return createMasker({ detectors });
}

/** `length` characters cycling through `alphabet` from `offset`: deterministic filler for fake secrets. */
export function filler(alphabet: string, length: number, offset = 0): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[(i * 7 + offset) % alphabet.length];
  return out;
}

export const ALNUM = "aZ3kQ9mX2pL7vB4nR8tY1cW6hJ5gF0dS";
export const HEX = "0123456789abcdef";
export const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
