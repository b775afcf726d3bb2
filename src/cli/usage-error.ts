/**
 * The error of a command that cannot run as asked: bad arguments, a key that
 * cannot be read, a log that cannot be read. The CLI prints its message (never
 * a stack) and exits with 2.
 *
 * @module
 */

/** Stable codes of {@link UsageError}. */
export type UsageErrorCode =
  /** Bad or missing arguments. */
  | "WARDEN_CLI_USAGE"
  /** A key file that cannot be read or holds no usable key. */
  | "WARDEN_CLI_KEY"
  /** A log (file or table) that cannot be read, or an output that cannot be written. */
  | "WARDEN_CLI_IO";

/** A command that cannot run as asked; its message is safe to print. */
export class UsageError extends Error {
  /** Stable machine-readable code. */
  readonly code: UsageErrorCode;

  /**
   * @param message - what is wrong, safe to print (no key, token or credential)
   * @param code - the kind of failure (default `WARDEN_CLI_USAGE`)
   */
  constructor(message: string, code: UsageErrorCode = "WARDEN_CLI_USAGE") {
    super(message);
    this.code = code;
    this.name = "UsageError";
  }
}
