import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import type { AuditEvent, AuditSink } from "./event.js";

/**
 * When written events reach the disk.
 * - `checkpoint` (default): events are buffered and written in batches (at the
 *   latest on the next turn of the event loop); each signed checkpoint is
 *   written and fsynced before its `write` resolves. A crash loses at most the
 *   events not yet written.
 * - `event`: every event is written and fsynced before its `write` resolves
 *   (strict, slow).
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
      if (last[0] !== 0x0a) writeSync(handle, "\n");
    }
    fd = handle;
    return handle;
  }

  function writeBuffer(): void {
    if (buffer.length === 0) return;
    const chunk = buffer.join("");
    buffer = [];
    bufferBytes = 0;
    writeSync(open(), chunk);
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

  const sync = () =>
    new Promise<void>((resolve, reject) => {
      if (fd === undefined) return resolve();
      fdatasync(fd, (error) => (error ? reject(error) : resolve()));
    });

  function check(): void {
    if (failure !== undefined) throw failure;
    if (closed) throw new Error("the audit file is closed");
  }

  return {
    path,
    async write(event: AuditEvent) {
      check();
      const line = `${JSON.stringify(event)}\n`;
      try {
        open();
        if (durability === "event") {
          writeBuffer();
          writeSync(open(), line);
          fdatasyncSync(open());
          return;
        }
        buffer.push(line);
        bufferBytes += line.length;
        if (event.sig !== undefined) {
          writeBuffer();
          await sync();
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
    async flush() {
      check();
      try {
        writeBuffer();
        await sync();
      } catch (error) {
        failure ??= error;
        throw error;
      }
    },
    async close() {
      if (closed) return;
      try {
        if (failure === undefined) {
          writeBuffer();
          await sync();
        }
      } finally {
        closed = true;
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      }
    },
  };
}
