/**
 * Rates and budget windows as written in a policy: `"30/min"`, `"5/sec"`,
 * `"1000/day"`, and the `hour` / `day` windows of token budgets.
 *
 * @module
 */
import { z } from "zod";
import { PolicyError } from "../errors.js";

const UNIT_MS = {
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
} as const satisfies Record<string, number>;

type RateUnit = keyof typeof UNIT_MS;

const RATE_PATTERN = /^\s*(\d+)\s*\/\s*(sec|s|min|m|hour|h|day|d)\s*$/;
const RATE_HINT = 'expected a rate such as "30/min", "5/sec", "10/hour" or "1000/day" (units: s, sec, m, min, h, hour, d, day)';

/** A rate: at most `count` calls in any window of `windowMs` milliseconds. */
export interface Rate {
  /** Calls allowed per window (a positive integer). */
  readonly count: number;
  /** Length of the sliding window in milliseconds. */
  readonly windowMs: number;
  /** The rate as written, trimmed (e.g. `"30/min"`), for messages and audit records. */
  readonly text: string;
}

/** Parses a rate, or returns a reason it is not one. */
function readRate(text: string): Rate | string {
  const match = RATE_PATTERN.exec(text);
  if (!match) return RATE_HINT;
  const count = Number(match[1]);
  if (!Number.isSafeInteger(count) || count <= 0) return "the count of a rate must be a positive integer";
  return { count, windowMs: UNIT_MS[match[2] as RateUnit], text: text.trim() };
}

/**
 * Zod schema of a rate: a string such as `"30/min"`, `"5/sec"`, `"5/s"`,
 * `"10/hour"`, `"2/h"`, `"1000/day"` or `"1/d"`, with a positive integer count.
 * Parses to a {@link Rate}.
 */
export const rateSchema = z.string().transform((text, context): Rate => {
  const rate = readRate(text);
  if (typeof rate === "string") {
    context.addIssue({ code: "custom", message: rate, input: text });
    return z.NEVER;
  }
  return rate;
});

/**
 * Parses a rate such as `"30/min"` into its count and window.
 *
 * @param text - the rate as written
 * @param path - dotted path named by the error when `text` is not a rate (default `rate`)
 * @throws PolicyError when `text` is not a rate with a positive integer count
 */
export function parseRate(text: string, path = "rate"): Rate {
  const rate = typeof text === "string" ? readRate(text) : RATE_HINT;
  if (typeof rate === "string") throw new PolicyError(path, rate);
  return rate;
}

/** The windows a token budget counts over. */
export type BudgetWindow = "hour" | "day";

/** Length in milliseconds of each token budget window (sliding, like rates). */
export const budgetWindowMs: Readonly<Record<BudgetWindow, number>> = Object.freeze({ hour: 3_600_000, day: 86_400_000 });
