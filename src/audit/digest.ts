import * as crypto from "node:crypto";
import { canonicalJson } from "../canonical-json.js";

type OneShotHash = (algorithm: string, data: string, encoding: "hex") => string;
/** Node's one-shot `crypto.hash` (Node 20.12+), else the streaming API. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** Hex SHA-256 of a string. */
export function sha256Hex(data: string): string {
  return oneShot ? oneShot("sha256", data, "hex") : crypto.createHash("sha256").update(data).digest("hex");
}

/** `sha256:<hex>` of the canonical JSON of `value`: identifies a value without revealing it. */
export function digest(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}
