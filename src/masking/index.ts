/**
 * Masking engine: detectors with validators, strategies, deep and streaming
 * masking, and a reversible token vault.
 *
 * @module
 */

export { BUILTIN_TYPES, PII_TYPES, SECRET_TYPES } from "./catalog.js";
export type { CustomDetector, CustomFunctionDetector, CustomPatternDetector } from "./custom.js";
export { MaskingBlockedError } from "./errors.js";
export type { Masker, MaskerOptions } from "./masker.js";
export { createMasker } from "./masker.js";
export type { RedisVaultClient, RedisVaultOptions } from "./redis-vault.js";
export { redisVault } from "./redis-vault.js";
export type { MaskingStream } from "./stream.js";
export type {
  BuiltinType,
  DeepFinding,
  DeepMaskResult,
  DetectorName,
  Finding,
  MaskCallOptions,
  MaskResult,
  PiiType,
  SecretType,
  Span,
  Strategy,
  UnmaskOptions,
} from "./types.js";
export type { MemoryVaultOptions, Vault } from "./vault.js";
export { memoryVault } from "./vault.js";
