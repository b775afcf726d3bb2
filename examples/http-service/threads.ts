/**
 * Threads per user. A client names its conversations (`threadId` in the body);
 * the service stores each under a key that also names the caller, so one user
 * can never read, continue or resume another user's thread, whatever id they send.
 */

import type { Principal } from "langchain-warden";
import { z } from "zod";

/** A client's thread id: 1–64 letters, digits, `.`, `_` or `-`. */
export const threadIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "1–64 letters, digits, '.', '_' or '-'");

/**
 * The checkpointer's thread id for `principal`'s thread `threadId`:
 * `<kind>:<tenant>:<sub>:<threadId>`, tenant and sub percent-encoded so no
 * value can run into the next field (`a:b` + `c` and `a` + `b:c` differ).
 */
export function threadKeyOf(principal: Principal, threadId: string): string {
  return [principal.kind, encodeURIComponent(principal.tenant ?? ""), encodeURIComponent(principal.sub), threadId].join(":");
}

/**
 * Threads with a run in progress in this process. A second request on a busy
 * thread is refused instead of interleaving two runs of one conversation
 * (instances behind a load balancer should route a thread to one instance, or
 * take a database lock instead).
 */
export class ThreadLocks {
  private readonly busy = new Set<string>();

  /** Runs `work` holding `threadKey`, or returns `undefined` at once when it is busy. */
  async with<T>(threadKey: string, work: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.busy.has(threadKey)) return undefined;
    this.busy.add(threadKey);
    try {
      return { value: await work() };
    } finally {
      this.busy.delete(threadKey);
    }
  }
}
