/** Interleaved rounds: the way every ratio in these benchmarks is measured. */
import { fixed, median } from "./stats.js";

// Many short rounds, each running every variant in turn: a burst of noise from the shared
// machine then falls on the variants of one round alike, and the median ratio ignores it.
export const ROUNDS = 31;
const ROUND_MS = 60;

export interface Variant {
  key: string;
  call: () => Promise<unknown>;
  /** Runs between rounds, outside the timed section (e.g. clearing a memory sink). */
  reset?: () => void;
}

/** What {@link compare} measured: medians, and each round's µs per call of every variant. */
export interface Comparison {
  /** Median µs per call of each variant. */
  us: Record<string, number>;
  /** Median over rounds of each variant's ratio to the first variant. */
  ratio: Record<string, number>;
  /** Each round's µs per call, per variant (same round order for every variant). */
  rounds: Record<string, number[]>;
}

/** One variant against another of the same comparison, round by round. */
export interface Pair {
  /** Median µs per call of the baseline and of the subject. */
  baseUs: number;
  subjectUs: number;
  /** Median over rounds of subject / baseline. */
  ratio: number;
  /** Median over rounds of subject − baseline, in µs per call. */
  addedUs: number;
}

/**
 * What a round's time is: `"wall"` (elapsed time) or `"cpu"` (the process's
 * user + system CPU time, every thread: main, GC, libuv). On a shared machine
 * whose other processes take turns on the cores, CPU time does not count the
 * time a variant waited for a core, so its ratios move less from run to run;
 * a variant that waits on I/O (a network round trip) must use wall time.
 */
export type BenchClock = "wall" | "cpu";

/** Mean µs per call of `variant` over `n` sequential calls, by `clock`. */
export async function timeCalls(variant: Variant, n: number, clock: BenchClock = "wall"): Promise<number> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await variant.call();
  let us: number;
  if (clock === "cpu") {
    const used = process.cpuUsage(cpu);
    us = (used.user + used.system) / n;
  } else {
    us = ((performance.now() - wall) * 1000) / n;
  }
  variant.reset?.();
  return us;
}

/**
 * Runs every variant in each round (alternating the order), and returns the
 * median over rounds of each variant's µs per call and of its ratio to the
 * first variant (the baseline), with every round's figures for {@link pair}.
 * Each variant is first called `warmCalls` times, untimed: V8 goes on
 * optimising the code of a large call (a LangGraph run) for thousands of
 * calls, on background threads whose CPU time a `"cpu"` clock counts.
 */
export async function compare(variants: Variant[], rounds = ROUNDS, clock: BenchClock = "wall", warmCalls = 500): Promise<Comparison> {
  const calls = new Map<string, number>();
  for (const variant of variants) {
    // The last 500 warm-up calls size the rounds.
    if (warmCalls > 500) await timeCalls(variant, warmCalls - 500, clock);
    const warm = await timeCalls(variant, 500, clock);
    calls.set(variant.key, Math.max(100, Math.round((ROUND_MS * 1000) / warm)));
  }
  const us: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const perCall: Record<string, number> = {};
    for (const variant of order) perCall[variant.key] = await timeCalls(variant, calls.get(variant.key) ?? 100, clock);
    const base = perCall[variants[0]!.key]!;
    for (const variant of variants) {
      (us[variant.key] ??= []).push(perCall[variant.key]!);
      (ratios[variant.key] ??= []).push(perCall[variant.key]! / base);
    }
  }
  return {
    us: Object.fromEntries(Object.entries(us).map(([k, v]) => [k, fixed(median(v))])),
    ratio: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, fixed(median(v), 3)])),
    rounds: us,
  };
}

/** `subject` against `base`, two variants of one {@link compare}: medians of the per-round ratio and µs added. */
export function pair(result: Comparison, base: string, subject: string): Pair {
  const b = result.rounds[base]!;
  const s = result.rounds[subject]!;
  return {
    baseUs: fixed(median(b)),
    subjectUs: fixed(median(s)),
    ratio: fixed(median(s.map((v, i) => v / b[i]!)), 3),
    addedUs: fixed(median(s.map((v, i) => v - b[i]!)), 1),
  };
}

/** A pair as one line of a report: `×1.08 (+12.3 µs: 150.2 → 162.5 µs)`, with its target when it has one. */
export function describe(p: Pair, target?: number): string {
  const verdict = target === undefined ? "" : ` (target ≤ ×${target}: ${p.ratio <= target ? "met" : "NOT met"})`;
  return `×${p.ratio} (${p.addedUs >= 0 ? "+" : ""}${p.addedUs} µs: ${p.baseUs} → ${p.subjectUs} µs)${verdict}`;
}
