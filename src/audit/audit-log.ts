import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { JWK } from "jose";
import { canonicalJson } from "../canonical-json.js";
import type { Clock } from "../clock.js";
import { AuditWriteError } from "../errors.js";
import { type AuditDigester, type AuditDigestKey, createDigester, resolveDigestKey, sha256Hex } from "./digest.js";
import type { AuditEvent, AuditEventInput, AuditOrigin, AuditSigning, AuditSink } from "./event.js";
import { createHashSigner, type HashSigner } from "./signer.js";

/** What happens when the sink cannot take an event. */
export type AuditFailMode = "closed" | "open";

/** Hash that the first event of a chain points back to. */
export const GENESIS_HASH = "0".repeat(64);

/** The newest event of a chain: pass it as `expectHead` to detect a truncated log. */
export interface AuditHead {
  chain: string;
  seq: number;
  hash: string;
}

/**
 * The JSON of the last object serialised in one position of an event, kept by
 * identity: the events a guard records for one call share their actor, run and
 * target objects, which are never changed once built.
 */
class LastJson {
  private value: object | undefined;
  private json = "";

  /** `JSON.stringify(value)`, reused when `value` is the object serialised last. */
  of(value: object): string {
    if (value !== this.value) {
      this.json = JSON.stringify(value);
      this.value = value;
    }
    return this.json;
  }
}

/** JSON forms of the few strings every event repeats: types, outcomes, key ids. */
const quotedStrings = new Map<string, string>();

/** `JSON.stringify(text)`, remembered for the first 256 distinct strings of up to 100 characters. */
function quoted(text: string): string {
  let json = quotedStrings.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (text.length <= 100 && quotedStrings.size < 256) quotedStrings.set(text, json);
  }
  return json;
}

/**
 * An event whose objects are already in canonical key order, optionally with
 * a serialiser of its `data`, called only when the event is recorded:
 * `dataJson()` must return exactly `JSON.stringify(data)`. The guards build
 * their lifecycle events so. @internal
 */
export interface OrderedAuditEventInput extends AuditEventInput {
  readonly dataJson?: () => string;
}

/** Runs an `onCheckpoint` callback: the event is stored already, so a callback that throws changes nothing. */
function publishCheckpoint(publish: () => void): void {
  try {
    publish();
  } catch {
    // The hook's own failure is the hook's to report.
  }
}

/** Options of an {@link AuditLog}. */
export interface AuditLogOptions {
  /** Where events go. */
  sink: AuditSink;
  /** Time source of event timestamps. */
  clock: Clock;
  /** `closed` (default): a failed write refuses the action. `open`: the loss is counted. */
  failMode?: AuditFailMode;
  /** Chain id; a fresh UUID per instance by default, so instances never interleave a chain. Must be unique per running instance. */
  chain?: string;
  /** Private Ed25519 JWK that signs checkpoints (see `generateAuditKeys()`). Without it events are chained but unsigned. */
  signingKey?: JWK;
  /**
   * Secret key (at least 32 bytes) of the digests events hold (`argsDigest`,
   * `outputDigest`, …: HMAC-SHA256). Keep it apart from the log. Default: derived
   * from `signingKey` (HKDF-SHA256, info `"langchain-warden audit digests v1"`);
   * without a signing key, random per instance (digests are then comparable
   * within one chain only).
   */
  digestKey?: AuditDigestKey;
  /** Sign every Nth event (default 1000). `1` signs every event. */
  signEvery?: number;
  /**
   * Sign the next event, or a checkpoint when none comes, once unsigned events
   * are this old, in ms (default 1000; 0: no time bound, no timer).
   */
  signIntervalMs?: number;
  /** Service name recorded in each event's origin. */
  service?: string;
  /**
   * Called with each signed event once the sink has it durably (after its
   * fsync, for a JSONL file), e.g. to publish the signed head somewhere the
   * log's writer cannot rewrite. An error it throws is ignored.
   */
  onCheckpoint?: (checkpoint: AuditEvent) => void;
}

/**
 * Numbers, chains, signs and writes audit events. Events of one log form a
 * SHA-256 hash chain (`prev` → `hash`) over their canonical JSON (RFC 8785).
 * With a signing key, the first event, every `signEvery`th event, a checkpoint
 * every `signIntervalMs` while events are unsigned, and a final checkpoint at
 * `close()` carry an Ed25519 signature over their hash — which covers every
 * event before them.
 */
export class AuditLog implements AuditDigester {
  /** This instance's chain id. */
  readonly chain: string;
  /** `closed` or `open`. */
  readonly failMode: AuditFailMode;
  private readonly sink: AuditSink;
  private readonly clock: Clock;
  private readonly signer: HashSigner | undefined;
  private readonly digester: AuditDigester;
  /** How this chain signs, written into every signed event, and its JSON. */
  private readonly signing: AuditSigning;
  private readonly signingJson: string;
  private readonly origin: AuditOrigin;
  private readonly originJson: string;
  private readonly chainJson: string;
  private readonly onCheckpoint: ((checkpoint: AuditEvent) => void) | undefined;
  /** The latest checkpoint waiting for the sink to hold it durably before it is published: `close()` waits for it. */
  private publishing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private head = GENESIS_HASH;
  private lastTs = 0;
  private lastIso = "";
  private unsigned = 0;
  /** Time of the oldest event not yet covered by a signature. */
  private firstUnsignedTs = 0;
  private lostCount = 0;
  private closed = false;
  /** Why the chain cannot go on: an event other events were chained to was refused (closed mode). */
  private broken: unknown;
  /** The last object serialised in each nested position, and its JSON: the events of one call share them. */
  private readonly lastActor = new LastJson();
  private readonly lastRun = new LastJson();
  private readonly lastTarget = new LastJson();

  /** @param options - sink, clock, fail mode, chain id and signing settings */
  constructor(options: AuditLogOptions) {
    this.sink = options.sink;
    this.clock = options.clock;
    this.failMode = options.failMode ?? "closed";
    this.chain = options.chain ?? randomUUID();
    this.signer = options.signingKey ? createHashSigner(options.signingKey) : undefined;
    this.digester = createDigester(resolveDigestKey(options));
    this.onCheckpoint = options.onCheckpoint;
    this.origin = Object.freeze({ host: hostname(), pid: process.pid, ...(options.service !== undefined ? { service: options.service } : {}) });
    this.originJson = canonicalJson(this.origin);
    this.chainJson = JSON.stringify(this.chain);
    this.signing = Object.freeze({ every: options.signEvery ?? 1000, intervalMs: options.signIntervalMs ?? 1_000 });
    this.signingJson = `,"signing":${canonicalJson(this.signing)}`;
    if (this.signer && this.signing.intervalMs > 0) {
      this.timer = setInterval(() => void this.checkpoint().catch(() => undefined), this.signing.intervalMs);
      this.timer.unref();
    }
  }

  /** Events that could not be written (only ever non-zero with `failMode: "open"`). */
  get lost(): number {
    return this.lostCount;
  }

  /** The newest event's chain, seq and hash. */
  get latest(): AuditHead {
    return { chain: this.chain, seq: this.seq, hash: this.head };
  }

  /** Id of the digest key, written into every digest this log's events hold. */
  get digestKeyId(): string {
    return this.digester.digestKeyId;
  }

  /**
   * The keyed digest (`hmac-sha256:<digestKeyId>:<hex>`) of `value`'s canonical JSON:
   * what events record instead of a value. Throws for a value canonical JSON refuses.
   */
  digest(value: unknown): string {
    return this.digester.digest(value);
  }

  /** {@link digest} of a value already serialised as canonical JSON (`canonicalJson(value)`). */
  digestJson(json: string): string {
    return this.digester.digestJson(json);
  }

  /** Key id of the signing key, if any. */
  get kid(): string | undefined {
    return this.signer?.kid;
  }

  /**
   * Records one event. With `failMode: "closed"` a sink failure throws
   * {@link AuditWriteError}, and the caller must not proceed.
   */
  async record(input: AuditEventInput): Promise<AuditEvent> {
    return this.append(input, false, false);
  }

  /**
   * Records an event whose objects are already in canonical key order (the
   * guards build them so), without re-sorting them. Returns the event at once
   * when the sink takes it synchronously, else a promise. @internal
   */
  recordOrdered(input: OrderedAuditEventInput): AuditEvent | Promise<AuditEvent> {
    return this.append(input, false, true);
  }

  private append(input: OrderedAuditEventInput, forceSign: boolean, ordered: boolean): AuditEvent | Promise<AuditEvent> {
    if (this.closed) throw new AuditWriteError("The audit log is closed; the action was refused");
    if (this.broken !== undefined) {
      throw new AuditWriteError("An earlier audit event could not be written; the action was refused", { cause: this.broken });
    }
    // The seq and head move only once the event is built: an event that cannot be
    // serialised (e.g. circular data) throws without leaving a gap in the chain.
    const seq = this.seq + 1;
    // Time never goes backwards within a chain; the ISO form is reused within a millisecond.
    const now = Math.max(this.clock.now(), this.lastTs);
    if (now !== this.lastTs || this.lastIso === "") {
      this.lastTs = now;
      this.lastIso = new Date(now).toISOString();
    }
    // Signed: the first event, every signEvery-th, and any event that finds unsigned ones
    // signIntervalMs old, so the unsigned tail is bounded in count and in time (the timer only
    // covers a tail that no further event comes to sign).
    const due =
      forceSign ||
      seq === 1 ||
      this.unsigned + 1 >= this.signing.every ||
      (this.signing.intervalMs > 0 && this.unsigned > 0 && now - this.firstUnsignedTs >= this.signing.intervalMs);
    const signer = due ? this.signer : undefined;
    const id = randomUUID();
    const event: AuditEvent = {
      actor: input.actor,
      chain: this.chain,
      data: input.data,
      hash: "",
      id,
      kid: signer?.kid,
      origin: this.origin,
      outcome: input.outcome,
      prev: this.head,
      reason: input.reason,
      run: input.run,
      seq,
      sig: undefined,
      signing: signer ? this.signing : undefined,
      target: input.target,
      ts: this.lastIso,
      type: input.type,
      v: 1,
    };
    // The canonical JSON of the event without hash and sig, assembled key by key in
    // sorted order (RFC 8785); nested values are canonicalised on their own, or
    // taken as they are when the caller built them in canonical order.
    const actor = ordered ? this.lastActor.of(input.actor) : canonicalJson(input.actor);
    const data = input.data === undefined ? "" : `,"data":${!ordered ? canonicalJson(input.data) : input.dataJson ? input.dataJson() : JSON.stringify(input.data)}`;
    const kid = signer ? `,"kid":${quoted(signer.kid)}` : "";
    const reason = input.reason !== undefined ? `,"reason":${JSON.stringify(input.reason)}` : "";
    const run = input.run !== undefined ? `,"run":${ordered ? this.lastRun.of(input.run) : canonicalJson(input.run)}` : "";
    const target = ordered ? this.lastTarget.of(input.target) : canonicalJson(input.target);
    const json =
      `{"actor":${actor},"chain":${this.chainJson}${data},"id":"${id}"${kid},"origin":${this.originJson},"outcome":${quoted(input.outcome)}` +
      `,"prev":"${this.head}"${reason}${run},"seq":${seq}${signer ? this.signingJson : ""},"target":${target},"ts":"${this.lastIso}","type":${quoted(input.type)},"v":1}`;
    const hash = sha256Hex(json);
    event.hash = hash;
    if (signer) event.sig = signer.sign(hash);
    const { unsigned, firstUnsignedTs } = this;
    this.seq = seq;
    this.head = hash;
    if (signer) this.unsigned = 0;
    else if (this.unsigned++ === 0) this.firstUnsignedTs = now;
    let written: void | Promise<void>;
    try {
      // For text sinks: the canonical JSON plus hash and signature, a complete JSON line.
      written = this.sink.writesLines
        ? this.sink.write(event, `${json.slice(0, -1)},"hash":"${hash}"${event.sig !== undefined ? `,"sig":"${event.sig}"` : ""}}`)
        : this.sink.write(event);
    } catch (error) {
      // Not taken: the chain goes on from the event before, so a lost event leaves no gap.
      this.takeBack(event, unsigned, firstUnsignedTs);
      return this.lose(error, event);
    }
    if (written === undefined) return this.taken(event, signer !== undefined);
    return written.then(
      () => this.taken(event, signer !== undefined),
      (error: unknown) => {
        // Refused later: taken back while no event is chained to it. Otherwise the chain has
        // a hole: with failMode "closed" every further event is refused rather than written
        // after it; with "open" the verifier will report it as missing.
        if (this.seq === seq) this.takeBack(event, unsigned, firstUnsignedTs);
        else if (this.failMode === "closed") this.broken ??= error;
        return this.lose(error, event);
      },
    );
  }

  /**
   * Takes back a refused event while no later event is chained to it, so the
   * chain stays whole and the refusal leaves no gap for the verifier to report
   * as a deletion.
   */
  private takeBack(event: AuditEvent, unsigned: number, firstUnsignedTs: number): void {
    this.seq = event.seq - 1;
    this.head = event.prev;
    this.unsigned = unsigned;
    this.firstUnsignedTs = firstUnsignedTs;
  }

  private taken(event: AuditEvent, signed: boolean): AuditEvent {
    if (signed && this.onCheckpoint) {
      // Published once durable: a head that a power failure could still take away would later
      // read as a truncation.
      const publish = this.onCheckpoint.bind(undefined, event);
      const durable = this.sink.durable?.();
      if (durable === undefined) publishCheckpoint(publish);
      else
        this.publishing = durable.then(
          () => publishCheckpoint(publish),
          () => undefined,
        );
    }
    return event;
  }

  private lose(error: unknown, event: AuditEvent): AuditEvent {
    if (this.failMode === "closed") throw new AuditWriteError(undefined, { cause: error });
    this.lostCount++;
    return event;
  }

  /**
   * Makes sure every event recorded so far is stored by the sink (not only
   * queued) before an action it allows proceeds. With `failMode: "closed"` a
   * failure throws {@link AuditWriteError}.
   */
  commit(): void | Promise<void> {
    if (!this.sink.commit) return;
    const fail = (error: unknown): void => {
      if (this.failMode === "closed") throw new AuditWriteError(undefined, { cause: error });
      this.lostCount++;
    };
    let pending: void | Promise<void>;
    try {
      pending = this.sink.commit();
    } catch (error) {
      return fail(error);
    }
    return pending === undefined ? undefined : pending.catch(fail);
  }

  /** Writes a signed checkpoint if any event is not yet covered by a signature. */
  async checkpoint(): Promise<AuditEvent | undefined> {
    if (!this.signer || this.unsigned === 0 || this.closed) return undefined;
    return this.writeCheckpoint(false);
  }

  /**
   * A signed `audit.checkpoint`; the final one (`data.final`) closes the chain:
   * the verifier reports any event after it.
   */
  private writeCheckpoint(final: boolean): AuditEvent | Promise<AuditEvent> {
    return this.append(
      {
        type: "audit.checkpoint",
        outcome: "success",
        actor: { sub: "warden" },
        target: { kind: "audit", name: this.chain },
        data: { count: this.seq + 1, ...(final ? { final: true } : {}) },
      },
      true,
      false,
    );
  }

  /** Writes a checkpoint for unsigned events, then flushes the sink. */
  async flush(): Promise<void> {
    await this.checkpoint();
    await this.sink.flush?.();
  }

  /**
   * Writes a final signed checkpoint (the verifier reports any event of this
   * chain after it), then flushes and closes the sink. Further records are refused.
   * If the final checkpoint cannot be written, the sink is still closed and the
   * write error is thrown.
   */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.closed) return;
    try {
      // The final checkpoint signs the tail and marks the chain closed.
      if (this.signer && this.seq > 0) await this.writeCheckpoint(true);
    } catch (error) {
      this.closed = true;
      await this.sink.close?.().catch(() => undefined);
      throw error;
    }
    this.closed = true;
    try {
      await this.sink.close?.();
    } catch (error) {
      throw new AuditWriteError("The audit sink failed; events may be missing from it", { cause: error });
    }
    // Every head the sink holds durably has reached `onCheckpoint` when close() returns.
    await this.publishing;
  }
}
