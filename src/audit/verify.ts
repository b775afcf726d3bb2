import { readFile } from "node:fs/promises";
import type { JWK } from "jose";
import { canonicalJson } from "../canonical-json.js";
import { type AuditHead, GENESIS_HASH } from "./audit-log.js";
import { sha256Hex } from "./digest.js";
import { hasDuplicateKeys } from "./duplicate-keys.js";
import type { AuditEvent, AuditSigning } from "./event.js";
import { auditEventSchema } from "./schema.js";
import { createHashVerifier, type HashVerifier } from "./signer.js";

/** What a verification problem is about. */
export type AuditProblemKind =
  | "parse" // a line is not JSON
  | "torn-line" // the last line is incomplete: the writer stopped mid-write (a crash), not tampering
  | "schema" // an event does not match schema v1
  | "hash" // an event's content does not match its hash: it was modified
  | "chain" // an event does not point to the previous event's hash: inserted, forged or replaced
  | "missing" // seq jumps forward: events were deleted (or the log starts after seq 1)
  | "order" // seq goes backwards: events were reordered
  | "duplicate" // the same event appears twice
  | "time" // time goes backwards within a chain
  | "signature" // a signature does not verify
  | "unknown-key" // a signed event names a key that was not supplied
  | "unsigned" // no signature covers the events (or, in strict mode, the tail)
  | "truncated" // the expected head is not in the log
  | "missing-chain" // a chain with a published head is not in the log at all: it was removed
  | "foreign-chain" // a chain of the log is not among the published heads: spliced in from another log
  | "empty"; // the log holds no event: nothing shows it was not emptied

/** One problem found by {@link verifyAuditLog}. */
export interface AuditProblem {
  kind: AuditProblemKind;
  /** Sequence number of the event concerned, when known. */
  seq?: number;
  /** Chain of the event concerned, when known. */
  chain?: string;
  /** 1-based line number in a JSONL file, when verifying a file. */
  line?: number;
  /** What is wrong, in words. */
  message: string;
}

/** Per-chain summary of a verification. */
export interface AuditChainSummary {
  chain: string;
  count: number;
  /** Hash of the chain's newest event. */
  head: string;
  /** Seq of the newest event. */
  headSeq: number;
  /** Signatures that verified. */
  signed: number;
  /** Events after the last verified signature: protected by the hash chain only. */
  unsignedTail: number;
}

/** The result of {@link verifyAuditLog}. */
export interface AuditVerification {
  /** True when nothing but a torn last line was found. */
  ok: boolean;
  /** Events read. */
  count: number;
  /** Hash of the newest event of the log (of the last chain read); `undefined` for an empty log. */
  head: string | undefined;
  /** The newest event of every chain, in the order the chains first appear: compare them with the published heads. */
  heads: AuditHead[];
  problems: AuditProblem[];
  chains: AuditChainSummary[];
}

/** Options of {@link verifyAuditLog}. */
export interface VerifyAuditOptions {
  /**
   * Public Ed25519 JWK that signed the checkpoints. Give it (or `jwks`): without
   * a key the chain is still checked, but the result is never `ok`, since
   * nothing proves who wrote the log.
   */
  publicKey?: JWK;
  /** Several public keys (key rotation): `{ keys: [...] }`. */
  jwks?: { keys: JWK[] };
  /**
   * Heads published out of band (e.g. the signed events `onCheckpoint` receives).
   *
   * - One head (a hash, or `{ hash, seq?, chain? }`): the log must contain it.
   * - A list of heads, or a record of heads by chain id (`{ [chain]: { seq, hash } }`):
   *   every chain of the log is held to them. A listed chain absent from the log
   *   is `missing-chain`; a chain cut before its published head is `truncated`;
   *   a chain of the log that no head names is `foreign-chain` (it does not
   *   belong to this log: see {@link ExpectedHead}).
   */
  expectHead?: ExpectedHead | string | readonly (ExpectedHead | string)[] | Readonly<Record<string, Omit<ExpectedHead, "chain"> | string>>;
  /** Also report events after the last signature as `unsigned`. */
  strict?: boolean;
}

/**
 * A head published out of band: a signed event's `chain`, `seq` and `hash`
 * (the event `onCheckpoint` receives fits as it is; other fields are ignored).
 * Given as a list, the heads say which chains belong to the log: a chain
 * belongs when a supplied key signs it and a published head names it (or a
 * head without `chain` is one of its events). Every chain's first event is
 * signed and published, so the published heads of a log name all its chains.
 */
export interface ExpectedHead {
  /** Hash of the published event (64 hex characters). */
  hash: string;
  /** Its seq, when known: tells a truncation from a rewrite. */
  seq?: number;
  /** Its chain, when known. */
  chain?: string;
}

/** The expected heads, and whether they list every chain of the log. */
interface HeadExpectation {
  heads: ExpectedHead[];
  /** Given as a list or a record: every chain must be named by a head. */
  everyChain: boolean;
}

function expectedHead(value: unknown, chain?: string): ExpectedHead {
  const head: ExpectedHead = typeof value === "string" ? { hash: value } : { ...(value as ExpectedHead) };
  if (chain !== undefined) head.chain = chain;
  if (typeof head.hash !== "string" || !/^[0-9a-f]{64}$/.test(head.hash)) throw new TypeError("expectHead: each head needs a 64-character hex hash");
  if (head.seq !== undefined && !(Number.isInteger(head.seq) && head.seq > 0)) throw new TypeError("expectHead: a head's seq must be a positive integer");
  if (head.chain !== undefined && (typeof head.chain !== "string" || head.chain === "")) throw new TypeError("expectHead: a head's chain must be a non-empty string");
  return { hash: head.hash, ...(head.seq !== undefined ? { seq: head.seq } : {}), ...(head.chain !== undefined ? { chain: head.chain } : {}) };
}

/** One head (a hash or a head object), a list of heads, or a record of heads by chain. */
function headExpectation(given: NonNullable<VerifyAuditOptions["expectHead"]>): HeadExpectation {
  if (typeof given === "string" || typeof (given as { hash?: unknown }).hash === "string") return { heads: [expectedHead(given)], everyChain: false };
  if (Array.isArray(given)) return { heads: given.map((head) => expectedHead(head)), everyChain: true };
  return { heads: Object.entries(given).map(([chain, head]) => expectedHead(head, chain)), everyChain: true };
}

/** Where the unsigned events after a chain's last signature overstep its signing, if they do. */
interface TailCheck {
  /** How the last verified signature says the chain signs. */
  signing: AuditSigning | undefined;
  /** The last verified signature was the final checkpoint: the chain was closed. */
  closed: boolean;
  /** Time of the first event after the last signature. */
  startMs: number;
  /** The first event after the last signature that should not be there, and why. */
  overstep: { seq: number; message: string } | undefined;
}

interface ChainState {
  summary: AuditChainSummary;
  tail: TailCheck;
  lastSeq: number;
  lastHash: string;
  lastTs: string;
  /** Hash of each event id seen in the chain. */
  ids: Map<string, string>;
  seenAny: boolean;
}

interface Entry {
  value: unknown;
  line?: number;
  /** The line as read, for a file. */
  raw?: string;
}

function splitLines(text: string, problems: AuditProblem[]): Entry[] {
  const lines = text.split("\n");
  const endsClean = text.length === 0 || text.endsWith("\n");
  if (endsClean) lines.pop();
  const entries: Entry[] = [];
  const unreadable: number[] = [];
  lines.forEach((raw, index) => {
    if (raw.trim() === "") return;
    try {
      entries.push({ value: JSON.parse(raw), line: index + 1, raw });
    } catch {
      unreadable.push(index + 1);
    }
  });
  for (const line of unreadable) {
    // A torn line is the file's last, or is followed by a fresh chain (seq 1): the
    // writer crashed mid-write and a new instance appended after it.
    const next = entries.find((entry) => (entry.line ?? 0) > line);
    const torn = (line === lines.length && !endsClean) || (next !== undefined && (next.value as { seq?: unknown })?.seq === 1);
    problems.push(
      torn ? { kind: "torn-line", line, message: "the line is incomplete: the writer stopped mid-write" } : { kind: "parse", line, message: "the line is not valid JSON" },
    );
  }
  return entries;
}

function keysOf(options: VerifyAuditOptions): Map<string, HashVerifier> {
  const keys = new Map<string, HashVerifier>();
  for (const jwk of [...(options.publicKey ? [options.publicKey] : []), ...(options.jwks?.keys ?? [])]) {
    const verifier = createHashVerifier(jwk);
    keys.set(verifier.kid, verifier);
  }
  return keys;
}

/** Hash of an event as written: SHA-256 of its canonical JSON without `hash` and `sig`. */
export function auditEventHash(event: AuditEvent): string {
  const { hash: _hash, sig: _sig, ...body } = event;
  return sha256Hex(canonicalJson(body));
}

/**
 * Notes the first event after a chain's last signature that its signing does
 * not allow: any event after the final checkpoint; the `every`th unsigned
 * event; an unsigned event `intervalMs` after the first unsigned one.
 */
function checkTail(tail: TailCheck, event: AuditEvent, position: number): void {
  const ms = Date.parse(event.ts);
  if (position === 1) tail.startMs = ms;
  if (tail.overstep) return;
  if (tail.closed) {
    tail.overstep = { seq: event.seq, message: "the chain was closed by its final checkpoint, yet events follow it" };
  } else if (tail.signing && position >= tail.signing.every) {
    tail.overstep = { seq: event.seq, message: `${position} events follow the last signature, but this chain signs every ${tail.signing.every}th: signatures were removed` };
  } else if (tail.signing && tail.signing.intervalMs > 0 && ms - tail.startMs >= tail.signing.intervalMs) {
    tail.overstep = {
      seq: event.seq,
      message: `unsigned events span ${ms - tail.startMs} ms after the last signature, but this chain signs within ${tail.signing.intervalMs} ms: signatures were removed`,
    };
  }
}

/**
 * True when a line is as the log wrote it: the event's canonical JSON with its
 * hash and signature appended. The text before them is then the very text that
 * was hashed, so hashing it proves the content without canonicalising it again
 * (text that parses alike but differs, or was written otherwise, is left to
 * {@link auditEventHash}).
 */
function writtenLineMatches(raw: string, event: AuditEvent): boolean {
  const suffix = `,"hash":"${event.hash}"${event.sig !== undefined ? `,"sig":"${event.sig}"` : ""}}`;
  return raw.endsWith(suffix) && sha256Hex(`${raw.slice(0, raw.length - suffix.length)}}`) === event.hash;
}

/**
 * The problems of the expected heads: a head not in the log (`truncated`, or
 * `missing-chain` when its whole chain is absent) and, when the heads list
 * every chain, a chain of the log that none names (`foreign-chain`).
 */
function headProblems(expectation: HeadExpectation, found: ReadonlyMap<ExpectedHead, string>, chains: ReadonlyMap<string, ChainState>): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const reported = new Set<string>();
  for (const head of expectation.heads) {
    if (found.has(head)) continue;
    const at = { ...(head.seq !== undefined ? { seq: head.seq } : {}), ...(head.chain !== undefined ? { chain: head.chain } : {}) };
    const state = head.chain !== undefined ? chains.get(head.chain) : undefined;
    if (head.chain !== undefined && !state) {
      // One problem per chain, however many of its heads were published.
      if (!reported.has(head.chain)) problems.push({ kind: "missing-chain", ...at, message: "a chain with a published head is not in the log: it was removed" });
      reported.add(head.chain);
    } else if (state && head.seq !== undefined && state.summary.headSeq < head.seq) {
      problems.push({ kind: "truncated", ...at, message: `the chain ends at seq ${state.summary.headSeq}, before its published head: it was truncated` });
    } else {
      problems.push({ kind: "truncated", ...at, message: "the expected head is not in the log: it was truncated or rewritten" });
    }
  }
  if (expectation.everyChain) {
    const named = new Set([...expectation.heads.map((head) => head.chain), ...found.values()]);
    for (const chain of chains.keys()) {
      if (!named.has(chain)) {
        problems.push({ kind: "foreign-chain", chain, message: "no published head names this chain: it does not belong to this log (spliced in from another)" });
      }
    }
  }
  return problems;
}

/**
 * Verifies an audit log offline: each event's hash, the chain links, sequence
 * and time order per chain, signatures against the given public key(s), and an
 * expected head. Names every problem with its kind and seq.
 *
 * @param eventsOrPath - the events, or the path of a JSONL file
 */
export async function verifyAuditLog(eventsOrPath: readonly unknown[] | string, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  const entries: Entry[] = typeof eventsOrPath === "string" ? splitLines(await readFile(eventsOrPath, "utf8"), problems) : eventsOrPath.map((value) => ({ value }));
  const keys = keysOf(options);
  const verifyingSignatures = keys.size > 0;
  const chains = new Map<string, ChainState>();
  let count = 0;
  let lastChain: ChainState | undefined;
  const expectation = options.expectHead !== undefined ? headExpectation(options.expectHead) : undefined;
  const wanted = new Map<string, ExpectedHead[]>();
  for (const head of expectation?.heads ?? []) wanted.set(head.hash, [...(wanted.get(head.hash) ?? []), head]);
  /** Each expected head found in the log, with the chain that holds it. */
  const found = new Map<ExpectedHead, string>();

  for (const { value, line, raw } of entries) {
    const where = line !== undefined ? { line } : {};
    const parsed = auditEventSchema.safeParse(value);
    if (!parsed.success) {
      const seq = (value as { seq?: unknown })?.seq;
      problems.push({ kind: "schema", ...(typeof seq === "number" ? { seq } : {}), ...where, message: "the event does not match audit schema v1" });
      continue;
    }
    const event = parsed.data as AuditEvent;
    count++;
    for (const head of wanted.get(event.hash) ?? []) {
      if ((head.chain === undefined || head.chain === event.chain) && (head.seq === undefined || head.seq === event.seq)) found.set(head, event.chain);
    }
    const at = { seq: event.seq, chain: event.chain, ...where };
    let state = chains.get(event.chain);
    if (!state) {
      state = {
        summary: { chain: event.chain, count: 0, head: GENESIS_HASH, headSeq: 0, signed: 0, unsignedTail: 0 },
        lastSeq: 0,
        lastHash: GENESIS_HASH,
        lastTs: "",
        ids: new Map(),
        seenAny: false,
        tail: { signing: undefined, closed: false, startMs: 0, overstep: undefined },
      };
      chains.set(event.chain, state);
    }
    lastChain = state;
    // The hash covers what the line or object holds as given: schema parsing may drop keys
    // (an own `__proto__`), and a line naming a key twice reads differently to other readers.
    const written = raw !== undefined && writtenLineMatches(raw, event);
    const ambiguous = !written && raw !== undefined && hasDuplicateKeys(raw);
    const hashOk = written || (!ambiguous && auditEventHash(value as AuditEvent) === event.hash);
    if (ambiguous) problems.push({ kind: "hash", ...at, message: "the line names a key twice: readers disagree on its content, it was modified" });
    else if (!hashOk) problems.push({ kind: "hash", ...at, message: "the event's content does not match its hash: it was modified" });

    if (event.seq <= state.lastSeq) {
      // A duplicate is the very same event again; the same id with other content is a replacement.
      const duplicate = state.ids.get(event.id) === event.hash;
      problems.push(
        duplicate
          ? { kind: "duplicate", ...at, message: `event seq ${event.seq} appears again` }
          : { kind: "order", ...at, message: `seq ${event.seq} comes after seq ${state.lastSeq}: events were reordered or replaced` },
      );
      continue;
    }
    if (event.seq > state.lastSeq + 1) {
      problems.push({
        kind: "missing",
        ...at,
        message: `events ${state.lastSeq + 1}..${event.seq - 1} are missing`,
      });
    } else if (event.prev !== state.lastHash) {
      problems.push({ kind: "chain", ...at, message: "the event does not follow the previous event: inserted, forged or replaced" });
    }
    if (state.seenAny && event.ts < state.lastTs) {
      problems.push({ kind: "time", ...at, message: `time goes backwards (${event.ts} after ${state.lastTs})` });
    }

    let signedHere = false;
    if (event.sig !== undefined && verifyingSignatures) {
      const verifier = event.kid !== undefined ? keys.get(event.kid) : undefined;
      if (!verifier) {
        problems.push({ kind: "unknown-key", ...at, message: "the event is signed with a key that was not supplied" });
      } else if (!verifier.verify(event.hash, event.sig)) {
        problems.push({ kind: "signature", ...at, message: "the signature does not verify" });
      } else if (hashOk) {
        signedHere = true;
      }
    }

    state.ids.set(event.id, event.hash);
    state.lastSeq = event.seq;
    state.lastHash = event.hash;
    state.lastTs = event.ts;
    state.seenAny = true;
    state.summary.count++;
    state.summary.head = event.hash;
    state.summary.headSeq = event.seq;
    if (signedHere) {
      state.summary.signed++;
      state.summary.unsignedTail = 0;
      state.tail = {
        signing: event.signing,
        closed: event.type === "audit.checkpoint" && event.data?.final === true,
        startMs: 0,
        overstep: undefined,
      };
    } else {
      state.summary.unsignedTail++;
      checkTail(state.tail, event, state.summary.unsignedTail);
    }
  }

  if (count === 0) {
    problems.push({ kind: "empty", message: "the log holds no events: nothing shows it was not emptied" });
  }
  if (!verifyingSignatures && count > 0) {
    // Without a public key nothing proves who wrote the log: anyone can rewrite it and its hashes.
    problems.push({ kind: "unsigned", message: "no public key was given: the signatures were not verified" });
  }
  if (verifyingSignatures) {
    for (const { summary, tail } of chains.values()) {
      if (summary.signed === 0) {
        problems.push({ kind: "unsigned", chain: summary.chain, message: "no valid signature covers this chain" });
      } else if (summary.unsignedTail > 0 && tail.overstep) {
        // More unsigned events, or older ones, than the chain's own signing leaves: signatures
        // were stripped from a rewritten tail, or events were added after it was closed.
        problems.push({ kind: "unsigned", chain: summary.chain, seq: tail.overstep.seq, message: tail.overstep.message });
      } else if (options.strict && summary.unsignedTail > 0) {
        problems.push({
          kind: "unsigned",
          chain: summary.chain,
          seq: summary.headSeq,
          message: `${summary.unsignedTail} event(s) after the last signed checkpoint`,
        });
      }
    }
  }

  if (expectation) problems.push(...headProblems(expectation, found, chains));

  return {
    ok: problems.every((problem) => problem.kind === "torn-line"),
    count,
    head: lastChain?.summary.head,
    heads: [...chains.values()].map(({ summary }) => ({ chain: summary.chain, seq: summary.headSeq, hash: summary.head })),
    problems,
    chains: [...chains.values()].map((state) => state.summary),
  };
}
