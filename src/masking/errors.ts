/**
 * The error of the `block` strategy.
 *
 * @module
 */
import { WardenError } from "../errors.js";

/**
 * A value of a type whose rule is `block` was found, so nothing was returned.
 * The message and properties name the types and count the values; they never
 * contain a value or any part of the text.
 */
export class MaskingBlockedError extends WardenError {
  /** The blocked types found, in order of first appearance. */
  readonly types: readonly string[];
  /** How many blocked values were found. */
  readonly count: number;

  /**
   * @param types - the blocked types found
   * @param count - how many blocked values were found
   */
  constructor(types: readonly string[], count: number) {
    super("WARDEN_MASK_BLOCKED", `Blocked: the text contains ${count === 1 ? "a value" : `${count} values`} of a blocked type (${types.join(", ")})`);
    this.types = [...types];
    this.count = count;
  }
}
