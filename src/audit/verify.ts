import { readFile } from "node:fs/promises";
import type { JWK } from "jose";
import { canonicalJson } from "../canonical-json.js";
import { GENESIS_HASH } from "./audit-log.js";
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
  /** A head hash published out of band (e.g. from `onCheckpoint`): the log must contain it. */
  expectHead?: string | { hash: string; seq?: number; chain?: string };
  /** Also report events after the last signature as `unsigned`. */
  strict?: boolean;
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
      torn
        ? { kind: "torn-line", line, message: "the line is incomplete: the writer stopped mid-write" }
        : { kind: "parse", line, message: "the line is not valid JSON" },
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
 * Verifies an audit log offline: each event's hash, the chain links, sequence
 * and time order per chain, signatures against the given public key(s), and an
 * expected head. Names every problem with its kind and seq.
 *
 * @param eventsOrPath - the events, or the path of a JSONL file
 */
export async function verifyAuditLog(
  eventsOrPath: readonly unknown[] | string,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  const entries: Entry[] =
    typeof eventsOrPath === "string"
      ? splitLines(await readFile(eventsOrPath, "utf8"), problems)
      : eventsOrPath.map((value) => ({ value }));
  const keys = keysOf(options);
  const verifyingSignatures = keys.size > 0;
  const chains = new Map<string, ChainState>();
  let count = 0;
  let lastChain: ChainState | undefined;

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

  if (options.expectHead !== undefined) {
    const expected = typeof options.expectHead === "string" ? { hash: options.expectHead } : options.expectHead;
    const found = entries.some(({ value }) => {
      const e = value as Partial<AuditEvent>;
      return e?.hash === expected.hash && (expected.seq === undefined || e.seq === expected.seq) && (expected.chain === undefined || e.chain === expected.chain);
    });
    if (!found) {
      problems.push({
        kind: "truncated",
        ...(expected.seq !== undefined ? { seq: expected.seq } : {}),
        ...(expected.chain !== undefined ? { chain: expected.chain } : {}),
        message: "the expected head is not in the log: it was truncated or rewritten",
      });
    }
  }

  return {
    ok: problems.every((problem) => problem.kind === "torn-line"),
    count,
    head: lastChain?.summary.head,
    problems,
    chains: [...chains.values()].map((state) => state.summary),
  };
}
