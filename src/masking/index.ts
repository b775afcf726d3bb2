/**
 * Masking engine: detectors with validators, strategies, deep and streaming
 * masking, and a reversible token vault.
 *
 * @module
 */
export { createMasker } from "./masker.js";
export type { Masker, MaskerOptions } from "./masker.js";
export type { MaskingStream } from "./stream.js";
export { memoryVault } from "./vault.js";
export type { Vault, MemoryVaultOptions } from "./vault.js";
export { redisVault } from "./redis-vault.js";
export type { RedisVaultClient, RedisVaultOptions } from "./redis-vault.js";
export { MaskingBlockedError } from "./errors.js";
export { BUILTIN_TYPES, PII_TYPES, SECRET_TYPES } from "./catalog.js";
export type { CustomDetector, CustomPatternDetector, CustomFunctionDetector } from "./custom.js";
export type {
  BuiltinType,
  PiiType,
  SecretType,
  DetectorName,
  Strategy,
  Span,
  Finding,
  DeepFinding,
  MaskResult,
  DeepMaskResult,
  MaskCallOptions,
  UnmaskOptions,
} from "./types.js";
