/**
 * What an audit report shows, aggregated in one pass over the events: counts,
 * a timeline, activity per user, denials by reason, approvals with requester
 * and approver, masking counts by type, throttling events, and the calls per
 * tool, model and retriever. Events are read defensively (a tampered or
 * malformed log must still summarise) and every table is bounded, so a log of
 * any length summarises in memory proportional to its distinct users, reasons
 * and names, never to its events.
 *
 * @module
 */

/** Milliseconds per bucket of the timeline, finest first; the summary coarsens as the log spans longer. */
const TIMELINE_STEPS = [60_000, 3_600_000, 86_400_000] as const;
/** Buckets kept before the timeline is coarsened to the next step. */
const MAX_TIMELINE_BUCKETS = 4_000;

/** Limits on what a summary keeps; beyond them, rows are counted but not kept. */
export interface AuditReportLimits {
  /** Distinct users kept; later users are folded into one "other users" row (default 10,000). */
  users?: number;
  /** Distinct keys kept per grouped table (reasons, tools, masking types…) (default 1,000). */
  groups?: number;
  /** Approval requests listed (default 1,000; the counts cover all of them). */
  approvals?: number;
  /** Throttling events listed, the most recent kept (default 500; the counts cover all of them). */
  throttling?: number;
}

/** One bucket of the timeline. */
export interface AuditTimelineBucket {
  /** Start of the bucket, epoch ms. */
  start: number;
  /** Events in the bucket. */
  events: number;
  /** Events in the bucket whose outcome is `denied`. */
  denied: number;
}

/** Activity of one user (actor) in the log. */
export interface AuditUserActivity {
  sub: string;
  tenant?: string;
  events: number;
  allowed: number;
  denied: number;
  /** Approval requests made by the user. */
  approvalsRequested: number;
  /** Approval decisions (granted, rejected) made by the user as approver. */
  approvalsDecided: number;
  /** Tool calls: policy decisions on tools (`access.allowed`, `access.denied`). */
  toolCalls: number;
  /** Model calls: `model.start` events. */
  modelCalls: number;
  /** Model tokens reported on the user's `model.end` events. */
  tokens: number;
  first: string;
  last: string;
}

/** Denials grouped by event type, reason and code. */
export interface AuditDenialGroup {
  type: string;
  reason: string;
  /** `data.code` (a decision or refusal code), when the events carry one. */
  code?: string;
  count: number;
  /** Distinct targets (`kind:name`), the first few. */
  targets: string[];
  /** Distinct users denied. */
  users: number;
  lastSeq: number;
}

/** One decision on an approval request. */
export interface AuditApprovalDecision {
  type: "approval.granted" | "approval.rejected" | "approval.invalid";
  approver: string;
  reason?: string;
  ts: string;
  seq: number;
}

/** One approval request, with its requester and the decisions on it. */
export interface AuditApprovalRow {
  requestId: string;
  target: string;
  requester?: string;
  requestedAt?: string;
  seq?: number;
  reason?: string;
  decisions: AuditApprovalDecision[];
}

/** One throttling event (rate limit, budget, circuit breaker, limits store). */
export interface AuditThrottleEvent {
  type: string;
  ts: string;
  seq: number;
  actor: string;
  target: string;
  outcome: string;
  reason?: string;
  rule?: string;
  retryAfterMs?: number;
}

/** Calls of one tool, model or retriever. */
export interface AuditTargetActivity {
  kind: string;
  name: string;
  /** Calls the policy allowed (`access.allowed`). */
  allowed: number;
  /** Calls refused: every `denied` event about it (policy, limits, circuit, approval). */
  denied: number;
  /** Starts seen (`tool.start`, `model.start`); retrievers: reads. */
  started: number;
  succeeded: number;
  failed: number;
  /** Model tokens (models) or documents returned (retrievers). */
  volume: number;
}

/** A count per key, with the number of keys that did not fit. */
export interface AuditCounts {
  counts: Record<string, number>;
  /** Events whose key was not kept (the table was full). */
  other: number;
}

/** Everything an audit report shows about the events (the verification is separate). */
export interface AuditReportSummary {
  /** Events read (lines or objects), including unreadable ones. */
  entries: number;
  /** Entries that are not events (not JSON, not an object with a type). */
  unreadable: number;
  events: number;
  chains: number;
  first?: string;
  last?: string;
  byType: Record<string, number>;
  byOutcome: Record<string, number>;
  /** Bucket width in ms and the buckets in time order, empty ones included between the first and last. */
  timeline: { stepMs: number; buckets: AuditTimelineBucket[] };
  /** Users by events, most active first. */
  users: AuditUserActivity[];
  /** Users not kept (beyond `limits.users`), folded together. */
  otherUsers: { users: number; events: number };
  /** Denials, most frequent first. */
  denials: AuditDenialGroup[];
  deniedTotal: number;
  approvals: {
    requested: number;
    granted: number;
    rejected: number;
    invalid: number;
    /** Requests with no granted or rejected decision in the log. */
    undecided: number;
    /** Requests in order of the first event naming them (up to `limits.approvals`). */
    rows: AuditApprovalRow[];
    /** Requests not listed. */
    omitted: number;
  };
  masking: {
    /** `mask.applied` events that masked something. */
    events: number;
    /** Values masked, by type. */
    byType: AuditCounts;
    /** Outputs withheld for a blocked type. */
    withheld: number;
    /** Blocked values, by type. */
    blockedByType: AuditCounts;
  };
  throttling: {
    /** Events by type (`ratelimit.exceeded`, `budget.exceeded`, `circuit.open`, `circuit.close`, `limits.unavailable`). */
    byType: Record<string, number>;
    /** Events by type and rule (`type rule`). */
    byRule: AuditCounts;
    /** The most recent events, oldest first. */
    recent: AuditThrottleEvent[];
    total: number;
  };
  /** Tools, models and retrievers, most called first. */
  targets: AuditTargetActivity[];
  /** `token.rejected` by reason. */
  tokensRejected: AuditCounts;
  /** `taint.marked` by source (`kind "name"`). */
  taint: AuditCounts;
  /** Signed checkpoints (`audit.checkpoint`), and how many closed their chain. */
  checkpoints: { count: number; final: number };
}

/** Accumulates a summary one event at a time. */
export interface AuditReportSummarizer {
  /** Adds one entry: a parsed event (or whatever a line parsed to; `undefined` for an unreadable line). */
  add(entry: unknown): void;
  /** The summary of everything added so far. */
  result(): AuditReportSummary;
}

const THROTTLE_TYPES = new Set(["ratelimit.exceeded", "budget.exceeded", "circuit.open", "circuit.close", "limits.unavailable"]);
const CALLED_KINDS = new Set(["tool", "model", "retriever"]);
const DECISION_TYPES = new Set(["approval.granted", "approval.rejected", "approval.invalid"]);

/** A count per key that keeps at most `max` keys; the rest is counted as `other`. */
class BoundedCounts {
  readonly counts = new Map<string, number>();
  other = 0;
  constructor(private readonly max: number) {}
  add(key: string, by = 1): void {
    const current = this.counts.get(key);
    if (current !== undefined) this.counts.set(key, current + by);
    else if (this.counts.size < this.max) this.counts.set(key, by);
    else this.other += by;
  }
  toJSON(): AuditCounts {
    return { counts: Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))), other: this.other };
  }
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Total tokens of a `model.end` usage, as the guard (`input`, `output`, `total`) or the handler (`*_tokens`) records it. */
function tokensOf(usage: Record<string, unknown> | undefined): number {
  if (!usage) return 0;
  const total = count(usage.total) || count(usage.total_tokens);
  return total || count(usage.input) + count(usage.output) + count(usage.input_tokens) + count(usage.output_tokens);
}

/** How much happened to a target, to order the table. */
function activityOf(target: AuditTargetActivity): number {
  return target.allowed + target.denied + target.started + target.succeeded + target.failed;
}

/** `sub`, or `tenant/sub` for a tenant's user. */
function actorLabel(actor: unknown): string {
  const value = record(actor);
  const sub = text(value?.sub) ?? "(none)";
  const tenant = text(value?.tenant);
  return tenant !== undefined ? `${tenant}/${sub}` : sub;
}

function targetLabel(target: unknown): string {
  const value = record(target);
  return `${text(value?.kind) ?? "?"}:${text(value?.name) ?? "?"}`;
}

/**
 * Creates a summarizer: `add` each event in log order, then `result()`.
 *
 * @param limits - how many rows each table keeps
 */
export function createAuditReportSummarizer(limits: AuditReportLimits = {}): AuditReportSummarizer {
  const maxUsers = limits.users ?? 10_000;
  const maxGroups = limits.groups ?? 1_000;
  const maxApprovals = limits.approvals ?? 1_000;
  const maxThrottle = limits.throttling ?? 500;

  let entries = 0;
  let unreadable = 0;
  let events = 0;
  let first: string | undefined;
  let last: string | undefined;
  const chains = new Set<string>();
  const byType = new Map<string, number>();
  const byOutcome = new Map<string, number>();
  let stepIndex = 0;
  let buckets = new Map<number, AuditTimelineBucket>();
  const users = new Map<string, AuditUserActivity>();
  const otherUsers = { users: 0, events: 0 };
  const otherUserKeys = new Set<string>();
  const denials = new Map<string, AuditDenialGroup & { userKeys: Set<string> }>();
  let deniedTotal = 0;
  let deniedOther = 0;
  const approvals = { requested: 0, granted: 0, rejected: 0, invalid: 0 };
  const approvalRows = new Map<string, AuditApprovalRow>();
  /** Requests not listed (the table was full), and whether each was decided. */
  const unlisted = new Map<string, boolean>();
  let unlistedOverflow = 0;
  /** The latest request for each target and argument digest: decisions a callback approver made name no request id. */
  const requestOfDigest = new Map<string, string>();
  const masked = new BoundedCounts(maxGroups);
  const blocked = new BoundedCounts(maxGroups);
  let maskEvents = 0;
  let withheld = 0;
  const throttleByType = new Map<string, number>();
  const throttleByRule = new BoundedCounts(maxGroups);
  const recent: AuditThrottleEvent[] = [];
  let throttleTotal = 0;
  const targets = new Map<string, AuditTargetActivity>();
  let targetsOther = 0;
  const tokensRejected = new BoundedCounts(maxGroups);
  const taint = new BoundedCounts(maxGroups);
  const checkpoints = { count: 0, final: 0 };

  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  function addToTimeline(ms: number, denied: boolean): void {
    const step = TIMELINE_STEPS[stepIndex]!;
    const start = ms - (((ms % step) + step) % step);
    let bucket = buckets.get(start);
    if (!bucket) {
      bucket = { start, events: 0, denied: 0 };
      buckets.set(start, bucket);
    }
    bucket.events++;
    if (denied) bucket.denied++;
    while (buckets.size > MAX_TIMELINE_BUCKETS && stepIndex < TIMELINE_STEPS.length - 1) coarsen();
  }

  function coarsen(): void {
    stepIndex++;
    const step = TIMELINE_STEPS[stepIndex]!;
    const coarser = new Map<number, AuditTimelineBucket>();
    for (const bucket of buckets.values()) {
      const start = bucket.start - (((bucket.start % step) + step) % step);
      const into = coarser.get(start);
      if (into) {
        into.events += bucket.events;
        into.denied += bucket.denied;
      } else {
        coarser.set(start, { start, events: bucket.events, denied: bucket.denied });
      }
    }
    buckets = coarser;
  }

  function userOf(key: string, actor: Record<string, unknown> | undefined, ts: string): AuditUserActivity | undefined {
    let user = users.get(key);
    if (user) return user;
    if (users.size >= maxUsers) {
      if (!otherUserKeys.has(key) && otherUserKeys.size < maxUsers * 10) {
        otherUserKeys.add(key);
        otherUsers.users++;
      }
      otherUsers.events++;
      return undefined;
    }
    const tenant = text(actor?.tenant);
    user = {
      sub: text(actor?.sub) ?? "(none)",
      ...(tenant !== undefined ? { tenant } : {}),
      events: 0,
      allowed: 0,
      denied: 0,
      approvalsRequested: 0,
      approvalsDecided: 0,
      toolCalls: 0,
      modelCalls: 0,
      tokens: 0,
      first: ts,
      last: ts,
    };
    users.set(key, user);
    return user;
  }

  function targetOf(target: Record<string, unknown> | undefined): AuditTargetActivity | undefined {
    const kind = text(target?.kind) ?? "?";
    if (!CALLED_KINDS.has(kind)) return undefined;
    const name = text(target?.name) ?? "?";
    const key = `${kind}:${name}`;
    let activity = targets.get(key);
    if (!activity && targets.size < maxGroups) {
      activity = { kind, name, allowed: 0, denied: 0, started: 0, succeeded: 0, failed: 0, volume: 0 };
      targets.set(key, activity);
    }
    if (!activity) targetsOther++;
    return activity;
  }

  function approvalRow(requestId: string, target: string): AuditApprovalRow | undefined {
    let row = approvalRows.get(requestId);
    if (row) return row;
    if (approvalRows.size >= maxApprovals) {
      if (!unlisted.has(requestId)) {
        if (unlisted.size < maxApprovals * 100) unlisted.set(requestId, false);
        else unlistedOverflow++;
      }
      return undefined;
    }
    row = { requestId, target, decisions: [] };
    approvalRows.set(requestId, row);
    return row;
  }

  /**
   * The request a decision answers: the one its `requestId` names, else (a
   * callback approver's decision names none) the latest request for the same
   * target and arguments.
   */
  function requestOf(target: string, data: Record<string, unknown> | undefined): string | undefined {
    const named = text(data?.requestId);
    if (named !== undefined && (approvalRows.has(named) || unlisted.has(named))) return named;
    const digest = text(data?.argsDigest);
    return (digest !== undefined ? requestOfDigest.get(`${target} ${digest}`) : undefined) ?? named;
  }

  function addDenial(type: string, event: Record<string, unknown>, data: Record<string, unknown> | undefined, actorKey: string, seq: number): void {
    deniedTotal++;
    const reason = text(event.reason) ?? "(no reason recorded)";
    const code = text(data?.code);
    const key = JSON.stringify([type, reason, code ?? null]);
    let group = denials.get(key);
    if (!group) {
      if (denials.size >= maxGroups) {
        deniedOther++;
        return;
      }
      group = { type, reason, ...(code !== undefined ? { code } : {}), count: 0, targets: [], users: 0, lastSeq: seq, userKeys: new Set() };
      denials.set(key, group);
    }
    group.count++;
    group.lastSeq = seq;
    const target = targetLabel(event.target);
    if (group.targets.length < 5 && !group.targets.includes(target)) group.targets.push(target);
    if (group.userKeys.size < maxUsers) group.userKeys.add(actorKey);
  }

  function add(entry: unknown): void {
    entries++;
    const event = record(entry);
    const type = text(event?.type);
    if (!event || type === undefined) {
      unreadable++;
      return;
    }
    events++;
    const ts = text(event.ts) ?? "";
    const seq = typeof event.seq === "number" ? event.seq : 0;
    const outcome = text(event.outcome) ?? "?";
    const data = record(event.data);
    const actor = record(event.actor);
    const target = record(event.target);
    const actorKey = actorLabel(actor);
    const denied = outcome === "denied";
    const chain = text(event.chain);
    if (chain !== undefined && chains.size < maxGroups * 10) chains.add(chain);
    bump(byType, type);
    bump(byOutcome, outcome);
    if (ts !== "") {
      if (first === undefined || ts < first) first = ts;
      if (last === undefined || ts > last) last = ts;
      const ms = Date.parse(ts);
      if (!Number.isNaN(ms)) addToTimeline(ms, denied);
    }

    const user = type === "audit.checkpoint" ? undefined : userOf(actorKey, actor, ts);
    if (user) {
      user.events++;
      if (ts !== "" && ts < user.first) user.first = ts;
      if (ts > user.last) user.last = ts;
      if (type === "access.allowed") user.allowed++;
      // Every tool call gets exactly one policy decision, allowed or denied.
      if ((type === "access.allowed" || type === "access.denied") && target?.kind === "tool") user.toolCalls++;
      if (denied) user.denied++;
    }
    if (denied) addDenial(type, event, data, actorKey, seq);

    const activity = targetOf(target);
    if (activity) {
      if (type === "access.allowed") activity.allowed++;
      if (denied) activity.denied++;
      if (type === "tool.start" || type === "model.start" || type === "retriever.end") activity.started++;
      if (type === "tool.end" || type === "model.end" || type === "tool.error" || type === "model.error" || type === "retriever.end") {
        if (outcome === "success") activity.succeeded++;
        else if (outcome === "failure") activity.failed++;
      }
      if (type === "retriever.end") activity.volume += count(data?.documents);
    }
    switch (type) {
      case "model.start":
        if (user) user.modelCalls++;
        break;
      case "model.end": {
        const tokens = tokensOf(record(data?.usage));
        if (activity) activity.volume += tokens;
        if (user) user.tokens += tokens;
        break;
      }
      case "approval.requested": {
        approvals.requested++;
        if (user) user.approvalsRequested++;
        const requestId = text(data?.requestId);
        const row = requestId !== undefined ? approvalRow(requestId, targetLabel(target)) : undefined;
        const digest = text(data?.argsDigest);
        if (requestId !== undefined && digest !== undefined) {
          const key = `${targetLabel(target)} ${digest}`;
          requestOfDigest.delete(key);
          requestOfDigest.set(key, requestId);
          if (requestOfDigest.size > maxApprovals * 100) requestOfDigest.delete(requestOfDigest.keys().next().value!);
        }
        if (row) {
          row.requester ??= actorKey;
          row.requestedAt ??= ts;
          row.seq ??= seq;
          if (row.reason === undefined && text(event.reason) !== undefined) row.reason = text(event.reason)!;
        }
        break;
      }
      case "mask.applied": {
        if (outcome === "denied" || data?.blocked === true) {
          withheld++;
          const types = Array.isArray(data?.types) ? data.types : [];
          for (const blockedType of types) if (typeof blockedType === "string") blocked.add(blockedType);
        } else {
          maskEvents++;
          for (const [maskType, n] of Object.entries(record(data?.counts) ?? {})) if (count(n) > 0) masked.add(maskType, count(n));
        }
        break;
      }
      case "token.rejected":
        tokensRejected.add(text(event.reason) ?? "(no reason recorded)");
        break;
      case "taint.marked": {
        const source = record(data?.source);
        taint.add(`${text(source?.kind) ?? "?"} "${text(source?.name) ?? "?"}"`);
        break;
      }
      case "audit.checkpoint":
        checkpoints.count++;
        if (data?.final === true) checkpoints.final++;
        break;
    }

    if (DECISION_TYPES.has(type)) {
      const decision = type as AuditApprovalDecision["type"];
      if (decision === "approval.granted") approvals.granted++;
      else if (decision === "approval.rejected") approvals.rejected++;
      else approvals.invalid++;
      if (user && decision !== "approval.invalid") user.approvalsDecided++;
      const requestId = requestOf(targetLabel(target), data);
      if (requestId !== undefined) {
        const row = approvalRow(requestId, targetLabel(target));
        const reason = text(event.reason);
        if (row) row.decisions.push({ type: decision, approver: actorKey, ...(reason !== undefined ? { reason } : {}), ts, seq });
        else if (decision !== "approval.invalid" && unlisted.has(requestId)) unlisted.set(requestId, true);
      }
    }

    if (THROTTLE_TYPES.has(type)) {
      throttleTotal++;
      bump(throttleByType, type);
      const rule = text(data?.rule);
      throttleByRule.add(`${type} ${rule ?? targetLabel(target)}`);
      const reason = text(event.reason);
      const retryAfterMs = typeof data?.retryAfterMs === "number" ? data.retryAfterMs : undefined;
      recent.push({
        type,
        ts,
        seq,
        actor: actorKey,
        target: targetLabel(target),
        outcome,
        ...(reason !== undefined ? { reason } : {}),
        ...(rule !== undefined ? { rule } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
      if (recent.length > maxThrottle * 2) recent.splice(0, recent.length - maxThrottle);
    }
  }

  function result(): AuditReportSummary {
    const step = TIMELINE_STEPS[stepIndex]!;
    const timeline: AuditTimelineBucket[] = [];
    const starts = [...buckets.keys()].sort((a, b) => a - b);
    if (starts.length > 0) {
      // Empty buckets between the first and the last are shown too: a quiet hour is information.
      const span = (starts[starts.length - 1]! - starts[0]!) / step;
      if (span <= MAX_TIMELINE_BUCKETS * 4) {
        for (let start = starts[0]!; start <= starts[starts.length - 1]!; start += step) timeline.push(buckets.get(start) ?? { start, events: 0, denied: 0 });
      } else {
        for (const start of starts) timeline.push(buckets.get(start)!);
      }
    }
    const decided = [...approvalRows.values()].filter((row) => row.decisions.some((d) => d.type !== "approval.invalid")).length;
    const unlistedDecided = [...unlisted.values()].filter(Boolean).length;
    const requestIds = approvalRows.size + unlisted.size + unlistedOverflow;
    return {
      entries,
      unreadable,
      events,
      chains: chains.size,
      ...(first !== undefined ? { first } : {}),
      ...(last !== undefined ? { last } : {}),
      byType: Object.fromEntries([...byType].sort((a, b) => b[1] - a[1])),
      byOutcome: Object.fromEntries([...byOutcome].sort((a, b) => b[1] - a[1])),
      timeline: { stepMs: step, buckets: timeline },
      users: [...users.values()].sort((a, b) => b.events - a.events || (a.sub < b.sub ? -1 : 1)),
      otherUsers: { ...otherUsers },
      denials: [...denials.values()]
        .map(({ userKeys, ...group }) => ({ ...group, users: userKeys.size }))
        .sort((a, b) => b.count - a.count)
        .concat(deniedOther > 0 ? [{ type: "(other)", reason: "(more reasons than the report keeps)", count: deniedOther, targets: [], users: 0, lastSeq: 0 }] : []),
      deniedTotal,
      approvals: {
        ...approvals,
        undecided: Math.max(0, requestIds - decided - unlistedDecided - unlistedOverflow),
        rows: [...approvalRows.values()],
        omitted: unlisted.size + unlistedOverflow,
      },
      masking: { events: maskEvents, byType: masked.toJSON(), withheld, blockedByType: blocked.toJSON() },
      throttling: {
        byType: Object.fromEntries(throttleByType),
        byRule: throttleByRule.toJSON(),
        recent: recent.slice(-maxThrottle),
        total: throttleTotal,
      },
      targets: [...targets.values()]
        .sort((a, b) => activityOf(b) - activityOf(a) || (a.name < b.name ? -1 : 1))
        .concat(targetsOther > 0 ? [{ kind: "(other)", name: "(more names than the report keeps)", allowed: 0, denied: 0, started: 0, succeeded: 0, failed: 0, volume: 0 }] : []),
      tokensRejected: tokensRejected.toJSON(),
      taint: taint.toJSON(),
      checkpoints: { ...checkpoints },
    };
  }

  return { add, result };
}

/**
 * Summarises audit events for a report, in one pass.
 *
 * @param events - the events in log order (objects as parsed; anything else counts as unreadable)
 * @param limits - how many rows each table keeps
 */
export function summarizeAuditEvents(events: Iterable<unknown>, limits?: AuditReportLimits): AuditReportSummary {
  const summarizer = createAuditReportSummarizer(limits);
  for (const event of events) summarizer.add(event);
  return summarizer.result();
}
