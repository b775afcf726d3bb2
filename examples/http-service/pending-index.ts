/**
 * The index of threads that wait for an approval. Warden keeps no list of its
 * own (pending requests live in the checkpointer, per thread), so the service
 * notes each thread that pauses, and forgets it when nothing waits there any more.
 */

/** One paused thread, and what the service needs to resume it as its requester. */
export interface PendingThread {
  /** The checkpointer's thread id (see `threadKeyOf`). */
  threadKey: string;
  /** The thread id the requester chose. */
  threadId: string;
  /** The requester's tenant (`undefined`: none). Approvers see only their own tenant's threads. */
  tenant: string | undefined;
  /** The requester's `sub`. */
  requester: string;
  /**
   * The requester's credential (their bearer token). A resume runs as the
   * requester, and a principal is only ever minted by verifying a credential,
   * so the service keeps it until the thread is decided (a durable index stores it sealed).
   */
  credential: string;
  /** When the credential expires (epoch ms): after that the thread cannot be resumed until the requester signs in again. */
  credentialExpiresAt: number;
}

/** Where the service keeps paused threads: in memory, or a PostgreSQL table shared by every instance. */
export interface PendingIndex {
  /** Notes (or refreshes) a paused thread. */
  put(entry: PendingThread): Promise<void>;
  /** Forgets a thread (it was decided, or nothing waits there). */
  remove(threadKey: string): Promise<void>;
  /** One thread, if it is noted. */
  get(threadKey: string): Promise<PendingThread | undefined>;
  /** The paused threads of one tenant (`undefined`: callers without a tenant). */
  listTenant(tenant: string | undefined): Promise<PendingThread[]>;
  /** Releases what the index holds (connections). */
  close(): Promise<void>;
}

/** An index in this process's memory: pending approvals are lost with it, as with LangGraph's `MemorySaver`. */
export function memoryPendingIndex(): PendingIndex {
  const threads = new Map<string, PendingThread>();
  return {
    async put(entry) {
      threads.set(entry.threadKey, { ...entry });
    },
    async remove(threadKey) {
      threads.delete(threadKey);
    },
    async get(threadKey) {
      const entry = threads.get(threadKey);
      return entry && { ...entry };
    },
    async listTenant(tenant) {
      return [...threads.values()].filter((entry) => entry.tenant === tenant).map((entry) => ({ ...entry }));
    },
    async close() {
      threads.clear();
    },
  };
}
