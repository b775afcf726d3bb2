import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json.js";

/** `sha256:<hex>` of the canonical JSON of `value`: identifies a value without revealing it. */
export function digest(value: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(value)).digest("hex")}`;
}
