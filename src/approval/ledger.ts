/** How long ledger entries are kept by default (longer than any approval's lifetime in practice). */
export const DEFAULT_LEDGER_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Most entries the ledger keeps of each kind by default. */
export const DEFAULT_LEDGER_MAX_ENTRIES = 10_000;

/** Bounds of the approval ledger (`createWarden({ approvals: { ledger } })`). */
export interface ApprovalLedgerOptions {
  /**
   * Most entries kept of each kind — answers seen, verdicts, runs — (default
   * {@link DEFAULT_LEDGER_MAX_ENTRIES}); past it the oldest is forgotten.
   */
  maxEntries?: number;
  /** How long an entry is kept, in ms (default {@link DEFAULT_LEDGER_RETENTION_MS}: a day). */
  retentionMs?: number;
}

/** How an approved run ended: what a replay of it is given again. */
type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** A run still going (its promise, for a concurrent replay to join), or its outcome once it ended. */
type RunEntry = { at: number; pending?: Promise<unknown>; settled?: Settled };

/**
 * Remembers, per process, which approval events were already recorded and
 * which approved requests already ran. LangGraph re-executes a node from its
 * start on every resume, so the same decision is seen again: it must not be
 * recorded twice, and an approved action must not run twice.
 *
 * Bounded: each kind of entry is kept for `retentionMs` and at most
 * `maxEntries` of it. A run is kept as its promise only while it runs; once it
 * ends only its outcome is kept (never the call's context). Forgetting is
 * safe: the approval store's claim still refuses a second run of the same
 * decision (`replayed`).
 */
export class ApprovalLedger {
  private readonly seen = new Map<string, number>();
  private readonly runs = new Map<string, RunEntry>();
  private readonly verdicts = new Map<string, { result: unknown; at: number }>();
  /** How long entries are kept, in ms. */
  readonly retentionMs: number;
  /** Most entries kept of each kind. */
  readonly maxEntries: number;

  /** @throws RangeError on a bound that is not a positive whole number (`retentionMs`: a positive number) */
  constructor(options: ApprovalLedgerOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_LEDGER_RETENTION_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_LEDGER_MAX_ENTRIES;
    if (!(this.retentionMs > 0)) throw new RangeError("approvals.ledger.retentionMs must be a positive number of ms");
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError("approvals.ledger.maxEntries must be a positive whole number");
  }

  /** Entries kept, per kind (for tests and monitoring). */
  get size(): { seen: number; verdicts: number; runs: number } {
    return { seen: this.seen.size, verdicts: this.verdicts.size, runs: this.runs.size };
  }

  /**
   * Makes room for one more entry in `map` (oldest first, in insertion order):
   * forgets entries past the retention, and the oldest while at the bound.
   */
  private makeRoom(map: Map<string, unknown>, now: number): void {
    for (const [key, entry] of map) {
      const at = typeof entry === "number" ? entry : (entry as { at: number }).at;
      if (map.size < this.maxEntries && now - at <= this.retentionMs) break;
      map.delete(key);
    }
  }

  /** True the first time `key` is seen. */
  first(key: string, now: number): boolean {
    if (this.seen.has(key)) return false;
    this.makeRoom(this.seen, now);
    this.seen.set(key, now);
    return true;
  }

  /** A verdict remembered for an answer. */
  verdict(key: string): unknown {
    return this.verdicts.get(key)?.result;
  }

  /** Remembers the verdict on an answer, so a replay of it is judged the same. */
  rememberVerdict(key: string, verdict: unknown, now: number): void {
    this.verdicts.delete(key);
    this.makeRoom(this.verdicts, now);
    this.verdicts.set(key, { result: verdict, at: now });
  }

  /** The run of an approved request, if it already started in this process: its promise, or its outcome again. */
  run(key: string): Promise<unknown> | undefined {
    const entry = this.runs.get(key);
    if (entry === undefined) return undefined;
    if (entry.pending !== undefined) return entry.pending;
    const settled = entry.settled as Settled;
    return settled.ok ? Promise.resolve(settled.value) : Promise.reject(settled.error);
  }

  /** Remembers the run of an approved request: its promise while it runs, then only how it ended. */
  remember(key: string, result: Promise<unknown>, now: number): void {
    this.runs.delete(key);
    this.makeRoom(this.runs, now);
    const entry: RunEntry = { at: now, pending: result };
    this.runs.set(key, entry);
    const settle = (settled: Settled): void => {
      entry.pending = undefined;
      entry.settled = settled;
    };
    result.then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
  }
}
