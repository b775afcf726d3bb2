import { createHash, randomUUID } from "node:crypto";
import { canonicalJson } from "../canonical-json.js";
import type { Clock } from "../clock.js";
import { AuditWriteError } from "../errors.js";
import type { AuditEvent, AuditEventInput, AuditSink } from "./event.js";

/** What happens when the sink cannot take an event. */
export type AuditFailMode = "closed" | "open";

/** Hash that the first event of a chain points back to. */
export const GENESIS_HASH = "0".repeat(64);

/** Options of an {@link AuditLog}. */
export interface AuditLogOptions {
  sink: AuditSink;
  clock: Clock;
  /** `closed` (default): a failed write refuses the action. `open`: the loss is counted. */
  failMode?: AuditFailMode;
  /** Chain id; defaults to a fresh UUID per instance so instances never interleave a chain. */
  chain?: string;
}

/**
 * Numbers, chains and writes audit events. Events of one log form a SHA-256
 * hash chain (`prev` → `hash`) over their canonical JSON.
 */
export class AuditLog {
  /** This instance's chain id. */
  readonly chain: string;
  /** `closed` or `open`. */
  readonly failMode: AuditFailMode;
  private readonly sink: AuditSink;
  private readonly clock: Clock;
  private seq = 0;
  private head = GENESIS_HASH;
  private lostCount = 0;

  /** @param options - sink, clock, fail mode and chain id */
  constructor(options: AuditLogOptions) {
    this.sink = options.sink;
    this.clock = options.clock;
    this.failMode = options.failMode ?? "closed";
    this.chain = options.chain ?? randomUUID();
  }

  /** Events that could not be written (only ever non-zero with `failMode: "open"`). */
  get lost(): number {
    return this.lostCount;
  }

  /**
   * Records one event. With `failMode: "closed"` a sink failure throws
   * {@link AuditWriteError}, and the caller must not proceed.
   */
  async record(input: AuditEventInput): Promise<AuditEvent> {
    const unsigned = {
      v: 1 as const,
      id: randomUUID(),
      chain: this.chain,
      seq: ++this.seq,
      ts: new Date(this.clock.now()).toISOString(),
      ...input,
      prev: this.head,
    };
    const hash = createHash("sha256").update(canonicalJson(unsigned)).digest("hex");
    const event: AuditEvent = { ...unsigned, hash };
    this.head = hash;
    try {
      await this.sink.write(event);
    } catch (error) {
      if (this.failMode === "closed") throw new AuditWriteError(undefined, { cause: error });
      this.lostCount++;
    }
    return event;
  }

  /** Flushes the sink. */
  async flush(): Promise<void> {
    await this.sink.flush?.();
  }

  /** Flushes and closes the sink. */
  async close(): Promise<void> {
    await this.sink.close?.();
  }
}
