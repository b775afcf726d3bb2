/** Entries older than this are forgotten (longer than any approval's lifetime in practice). */
const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
const MAX_ENTRIES = 50_000;

/**
 * Remembers, per process, which approval events were already recorded and
 * which approved requests already ran. LangGraph re-executes a node from its
 * start on every resume, so the same decision is seen again: it must not be
 * recorded twice, and an approved action must not run twice.
 */
export class ApprovalLedger {
  private readonly seen = new Map<string, number>();
  private readonly runs = new Map<string, { result: Promise<unknown>; at: number }>();
  private readonly verdicts = new Map<string, { result: unknown; at: number }>();
  private readonly retentionMs: number;

  /** @param retentionMs - how long entries are kept */
  constructor(retentionMs = DEFAULT_RETENTION_MS) {
    this.retentionMs = retentionMs;
  }

  /** Forgets entries older than the retention; a map still over its bound loses its oldest half. */
  private prune(now: number): void {
    for (const map of [this.seen, this.runs, this.verdicts] as Map<string, unknown>[]) {
      if (map.size < MAX_ENTRIES) continue;
      for (const [key, entry] of map) {
        const at = typeof entry === "number" ? entry : (entry as { at: number }).at;
        if (now - at <= this.retentionMs && map.size < MAX_ENTRIES / 2) break;
        map.delete(key);
      }
    }
  }

  /** True the first time `key` is seen. */
  first(key: string, now: number): boolean {
    this.prune(now);
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }

  /** A verdict remembered for an answer. */
  verdict(key: string): unknown {
    return this.verdicts.get(key)?.result;
  }

  /** Remembers the verdict on an answer, so a replay of it is judged the same. */
  rememberVerdict(key: string, verdict: unknown, now: number): void {
    this.prune(now);
    this.verdicts.set(key, { result: verdict, at: now });
  }

  /** The run of an approved request, if it already started in this process. */
  run(key: string): Promise<unknown> | undefined {
    return this.runs.get(key)?.result;
  }

  /** Remembers the run of an approved request. */
  remember(key: string, result: Promise<unknown>, now: number): void {
    this.prune(now);
    this.runs.set(key, { result, at: now });
  }
}
