import type { AuditEvent, AuditSink } from "./event.js";

/**
 * A sink that hands every event to your own pipeline (a queue, a SIEM client,
 * a log shipper). `write` waits for the callback: throwing or rejecting means
 * the event was not taken, which with `failMode: "closed"` refuses the action.
 */
export function callbackSink(onEvent: (event: AuditEvent) => void | Promise<void>, hooks: { flush?: () => Promise<void>; close?: () => Promise<void> } = {}): AuditSink {
  if (typeof onEvent !== "function") throw new TypeError("callbackSink() takes a function");
  return {
    write: (event) => onEvent(event),
    ...(hooks.flush ? { flush: hooks.flush } : {}),
    ...(hooks.close ? { close: hooks.close } : {}),
  };
}
