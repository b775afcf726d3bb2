import { resolve } from "node:path";
import { type JsonlSink, jsonlSink } from "./jsonl-sink.js";

/**
 * The file a warden (or a guard used on its own) records to when its options
 * name no `audit.sink`: `warden-audit.jsonl`, in the working directory at the
 * time the warden is created. An audit trail belongs on disk, where it
 * outlives the process and does not grow the heap; name a sink of your own
 * (`jsonlSink(path)`, `postgresSink(...)`) to put it elsewhere.
 */
export const DEFAULT_AUDIT_PATH = "warden-audit.jsonl";

/** The sink used when none is given: {@link jsonlSink} on {@link DEFAULT_AUDIT_PATH}. @internal */
export function defaultAuditSink(): JsonlSink {
  return jsonlSink(resolve(DEFAULT_AUDIT_PATH));
}
