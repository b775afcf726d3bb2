import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import type { AuditEvent, AuditSink } from "./event.js";

/**
 * When written events reach the disk.
 * - `checkpoint` (default): events are buffered and written in batches (at the
 *   latest on the next turn of the event loop); a signed checkpoint is written
 *   to the file, with everything before it, before its `write` returns, and an
 *   fsync starts in the background. A process crash loses at most the events
 *   not yet written; a power loss at most those since the last completed fsync.
 * - `event`: every event is written and fsynced before its `write` returns
 *   (strict, slow).
 *
 * A failed write or fsync is sticky: every later write is refused.
 */
export type JsonlDurability = "checkpoint" | "event";

/** Options of {@link jsonlSink}. */
export interface JsonlSinkOptions {
  /** When events reach the disk (default `checkpoint`). */
  durability?: JsonlDurability;
  /** File mode when the file is created (default `0o600`). */
  mode?: number;
}

/** An append-only JSON Lines audit file. */
export interface JsonlSink extends AuditSink {
  /** The file's path. */
  readonly path: string;
}

const MAX_BUFFER_BYTES = 64 * 1024;

/**
 * Writes all of `text` at the end of `fd`. One `write(2)` may take only part
 * of it (a disk filling up): the rest is written by further calls, and a call
 * that takes nothing throws, so a cut line is never acknowledged.
 */
function writeAll(fd: number, text: string): void {
  // Usually one write(2) takes it all, straight from the string.
  const first = writeSync(fd, text);
  const length = Buffer.byteLength(text, "utf8");
  if (first === length) return;
  const bytes = Buffer.from(text, "utf8");
  let offset = first;
  while (offset < bytes.length) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (written <= 0) throw Object.assign(new Error("the audit file took no bytes"), { code: "ENOSPC" });
    offset += written;
  }
}

/**
 * Creates an append-only JSON Lines sink: one event per line, never rewritten.
 * The file is opened on the first write; a write error is reported to that
 * write (and every later one), so with `failMode: "closed"` nothing proceeds
 * unrecorded. If the file ends in a torn line (a crash mid-write), a newline is
 * written first so new events start on their own line.
 */
export function jsonlSink(path: string, options: JsonlSinkOptions = {}): JsonlSink {
  const durability = options.durability ?? "checkpoint";
  const mode = options.mode ?? 0o600;
  let fd: number | undefined;
  let buffer: string[] = [];
  let bufferBytes = 0;
  let scheduled = false;
  let failure: unknown;
  let closed = false;

  function open(): number {
    if (fd !== undefined) return fd;
    const handle = openSync(path, "a+", mode);
    const size = fstatSync(handle).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(handle, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeAll(handle, "\n");
    }
    fd = handle;
    return handle;
  }

  function writeBuffer(): void {
    if (buffer.length === 0) return;
    const chunk = buffer.join("");
    buffer = [];
    bufferBytes = 0;
    writeAll(open(), chunk);
  }

  function flushSoon(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      try {
        writeBuffer();
      } catch (error) {
        failure ??= error;
      }
    });
  }

  // Once a write or fsync failed, no later fsync can vouch for the file: after an EIO the
  // kernel may have dropped the dirty pages, and the next fsync reports success regardless.
  const sync = () =>
    new Promise<void>((resolve, reject) => {
      if (failure !== undefined) return reject(failure);
      if (fd === undefined) return resolve();
      fdatasync(fd, (error) => (error ? reject(error) : resolve()));
    });

  // Checkpoint fsyncs run in the background, one at a time; a failure is sticky. An fsync
  // asked for while one runs is queued behind it, so it covers every write before the ask.
  let syncing: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  function syncSoon(): Promise<void> {
    if (syncing === undefined) {
      syncing = sync()
        .catch((error: unknown) => {
          failure ??= error;
          throw error;
        })
        .finally(() => {
          syncing = undefined;
        });
      return syncing;
    }
    queued ??= syncing
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return syncSoon();
      });
    return queued;
  }
  /** The fsync that covers the last signed event written. */
  let lastSync: Promise<void> = Promise.resolve();

  function check(): void {
    if (failure !== undefined) throw failure;
    if (closed) throw new Error("the audit file is closed");
  }

  return {
    path,
    writesLines: true,
    write(event: AuditEvent, line?: string): void {
      check();
      const text = `${line ?? JSON.stringify(event)}\n`;
      try {
        open();
        if (durability === "event") {
          writeBuffer();
          writeAll(open(), text);
          fdatasyncSync(open());
          return;
        }
        buffer.push(text);
        bufferBytes += text.length;
        if (event.sig !== undefined) {
          writeBuffer();
          lastSync = syncSoon();
          lastSync.catch(() => undefined);
        } else if (bufferBytes >= MAX_BUFFER_BYTES) {
          writeBuffer();
        } else {
          flushSoon();
        }
      } catch (error) {
        // Sticky: once the file failed, no later event is acknowledged.
        failure ??= error;
        throw error;
      }
    },
    durable() {
      return lastSync;
    },
    commit() {
      check();
      try {
        writeBuffer();
      } catch (error) {
        failure ??= error;
        throw error;
      }
    },
    async flush() {
      check();
      try {
        writeBuffer();
        await syncing?.catch(() => undefined);
        await sync();
      } catch (error) {
        failure ??= error;
        throw error;
      }
    },
    async close() {
      if (closed) return;
      try {
        await syncing?.catch(() => undefined);
        if (failure === undefined) {
          writeBuffer();
          await sync();
        }
      } finally {
        closed = true;
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      }
      // A failure that refused earlier events is reported once more, now that the file is released.
      if (failure !== undefined) throw failure;
    },
  };
}
