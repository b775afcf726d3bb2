/**
 * Taint of a thread: once an untrusted retriever or tool has put its output
 * into a thread, the thread stays tainted, and destructive or exfiltrating
 * calls on it are held for approval or denied (the policy's `onTainted`).
 *
 * A store records which sources tainted which thread. In one process the
 * memory store suffices; with several instances the Redis store lets the
 * instance that resumes a thread see the taint another instance recorded.
 * A store reports failures ({@link TaintUnavailableError}); failing closed is
 * the caller's part: a thread whose taint cannot be read is treated as tainted,
 * and output whose taint cannot be recorded is withheld.
 *
 * @module
 */
import { PolicyError, TaintUnavailableError, WardenError } from "../errors.js";
import { forgottenThreads } from "./forgotten-threads.js";

/** What tainted a thread: an untrusted retriever or tool, by its policy name. */
export interface TaintSource {
  /** The kind of component. */
  readonly kind: "retriever" | "tool";
  /** Its name in the policy. */
  readonly name: string;
}

/** The taint of a thread. Any value (even with no source listed) means the thread is tainted. */
export interface ThreadTaint {
  /** The sources known to have tainted the thread, each once, in the order first recorded where the store keeps one. */
  readonly sources: readonly TaintSource[];
  /**
   * True when the thread is tainted but not every source is known: a bounded
   * memory store forgot its sources, a thread reached {@link MAX_TAINT_SOURCES},
   * or the shared store held a source it cannot read.
   */
  readonly incomplete?: true;
}

/** Where thread taint is kept. */
export interface TaintStore {
  /** True when every instance sharing the store sees the same taint. */
  readonly shared: boolean;
  /** Records that `source` tainted `threadId`. Rejects with {@link TaintUnavailableError} when the store cannot record it. */
  mark(threadId: string, source: TaintSource): Promise<void>;
  /** The taint of `threadId`, or `undefined` when it is clean. Rejects with {@link TaintUnavailableError} when the store cannot tell. */
  get(threadId: string): Promise<ThreadTaint | undefined>;
}

/** Most distinct sources recorded per thread; more still taint it, marked `incomplete`. */
export const MAX_TAINT_SOURCES = 64;

const KINDS: ReadonlySet<string> = new Set(["retriever", "tool"]);

function checkThreadId(threadId: unknown): asserts threadId is string {
  if (typeof threadId !== "string" || threadId === "") throw new WardenError("WARDEN_ERROR", "a taint needs a thread id: a non-empty string");
}

function checkSource(source: unknown): asserts source is TaintSource {
  const candidate = source as Partial<TaintSource> | null;
  if (typeof candidate !== "object" || candidate === null || !KINDS.has(candidate.kind as string) || typeof candidate.name !== "string" || candidate.name === "") {
    throw new WardenError("WARDEN_ERROR", 'a taint source is { kind: "retriever" | "tool", name } with a non-empty name');
  }
}

const encodeSource = (source: TaintSource): string => `${source.kind}:${source.name}`;

/** A source recorded as `kind:name`, or `undefined` when it cannot be read. */
function decodeSource(member: string): TaintSource | undefined {
  const colon = member.indexOf(":");
  const kind = member.slice(0, colon);
  const name = member.slice(colon + 1);
  return colon > 0 && KINDS.has(kind) && name !== "" ? { kind: kind as TaintSource["kind"], name } : undefined;
}

/** Options of {@link memoryTaintStore}. */
export interface MemoryTaintStoreOptions {
  /** Most threads whose sources are kept (default 10,000). */
  readonly maxThreads?: number;
}

/**
 * A taint store in this process. It keeps the sources of the `maxThreads`
 * most recently used threads; a thread pushed out is not forgotten as
 * tainted: a fixed-size record (128 KiB) of pushed-out threads keeps
 * answering it is tainted (`incomplete`, no sources). That record may, once
 * very many threads were pushed out, also call a clean thread tainted: the
 * safe error. For long-running services with many threads, use
 * {@link redisTaintStore}.
 */
export function memoryTaintStore(options: MemoryTaintStoreOptions = {}): TaintStore {
  const maxThreads = options.maxThreads ?? 10_000;
  if (!Number.isInteger(maxThreads) || maxThreads < 1) throw new PolicyError("memoryTaintStore.maxThreads", "must be a positive whole number");
  const threads = new Map<string, { sources: Map<string, TaintSource>; incomplete: boolean }>();
  const forgotten = forgottenThreads();

  /** The entry of a thread, moved to the most recently used end. */
  const touch = (threadId: string) => {
    const entry = threads.get(threadId);
    if (entry) {
      threads.delete(threadId);
      threads.set(threadId, entry);
    }
    return entry;
  };

  return {
    shared: false,
    async mark(threadId, source) {
      checkThreadId(threadId);
      checkSource(source);
      let entry = touch(threadId);
      if (!entry) {
        entry = { sources: new Map(), incomplete: forgotten.has(threadId) };
        threads.set(threadId, entry);
        while (threads.size > maxThreads) {
          const oldest = threads.keys().next().value as string;
          threads.delete(oldest);
          forgotten.add(oldest);
        }
      }
      const key = encodeSource(source);
      if (entry.sources.has(key)) return;
      if (entry.sources.size >= MAX_TAINT_SOURCES) entry.incomplete = true;
      else entry.sources.set(key, Object.freeze({ kind: source.kind, name: source.name }));
    },
    async get(threadId) {
      checkThreadId(threadId);
      const entry = touch(threadId);
      if (entry) return Object.freeze({ sources: Object.freeze([...entry.sources.values()]), ...(entry.incomplete ? { incomplete: true as const } : {}) });
      return forgotten.has(threadId) ? Object.freeze({ sources: Object.freeze([]), incomplete: true as const }) : undefined;
    },
  };
}

/** The part of a Redis client the store uses (ioredis's `Redis` and `Cluster` fit). */
export interface RedisTaintClient {
  /** `EVAL script numkeys key… arg…`. */
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** `SMEMBERS key`. */
  smembers(key: string): Promise<string[]>;
}

/** Options of {@link redisTaintStore}. */
export interface RedisTaintStoreOptions {
  /** A connected client, owned by the caller (the store never closes it). */
  readonly client: RedisTaintClient;
  /** Prefix of every key (default `warden:taint:`); the thread id follows it. */
  readonly prefix?: string;
  /**
   * Lifetime of a thread's taint in milliseconds, renewed by every `mark`
   * (default: none, the taint stays). A thread must not outlive its taint:
   * set it no shorter than your checkpoints are kept.
   */
  readonly ttlMs?: number;
  /** How long one Redis command may take before the store reports it unavailable (default 1,000 ms). */
  readonly timeoutMs?: number;
}

/** Adds a source (up to the cap, beyond which the set only stays) and renews the lifetime, in one round trip. */
const MARK_SCRIPT = `
if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[3]) or redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  redis.call('SADD', KEYS[1], ARGV[1])
else
  redis.call('SADD', KEYS[1], ARGV[4])
end
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/** The member recorded in place of sources beyond the cap: unreadable as a source, so the taint reads `incomplete`. */
const OVERFLOW_MEMBER = "+overflow";

/**
 * A taint store shared by every instance through Redis: one set per thread
 * (`<prefix><threadId>`) of `kind:name` members. Any instance that resumes a
 * thread sees the taint another recorded. A Redis error or a command slower
 * than `timeoutMs` rejects with {@link TaintUnavailableError}.
 */
export function redisTaintStore(options: RedisTaintStoreOptions): TaintStore {
  const { client } = options;
  const prefix = options.prefix ?? "warden:taint:";
  const ttlMs = options.ttlMs ?? 0;
  const timeoutMs = options.timeoutMs ?? 1_000;
  if (options.ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1)) throw new PolicyError("redisTaintStore.ttlMs", "must be a positive whole number of milliseconds");
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new PolicyError("redisTaintStore.timeoutMs", "must be a positive whole number of milliseconds");

  async function command<T>(what: "record" | "read", run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TaintUnavailableError(`The taint store did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (error) {
      if (error instanceof TaintUnavailableError) throw error;
      throw new TaintUnavailableError(`The taint store could not ${what} the thread's taint`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    shared: true,
    async mark(threadId, source) {
      checkThreadId(threadId);
      checkSource(source);
      await command("record", () => client.eval(MARK_SCRIPT, 1, prefix + threadId, encodeSource(source), ttlMs, MAX_TAINT_SOURCES, OVERFLOW_MEMBER));
    },
    async get(threadId) {
      checkThreadId(threadId);
      const members = await command("read", () => client.smembers(prefix + threadId));
      if (!Array.isArray(members)) throw new TaintUnavailableError("The taint store answered with something other than a set");
      if (members.length === 0) return undefined;
      const sources = members.map(decodeSource).filter((source): source is TaintSource => source !== undefined);
      sources.sort((a, b) => encodeSource(a).localeCompare(encodeSource(b)));
      return Object.freeze({
        sources: Object.freeze(sources.map((source) => Object.freeze(source))),
        ...(sources.length < members.length ? { incomplete: true as const } : {}),
      });
    },
  };
}
