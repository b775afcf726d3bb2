/**
 * LangGraph's control-flow signals and `Command`/`Send` values, recognised
 * without loading LangGraph. `@langchain/langgraph` has no small public entry
 * point for them (its root loads the whole graph runtime), and an app that
 * never builds a graph should not pay for it when it imports Warden.
 *
 * Each check is exactly as strict as LangGraph's own (`@langchain/langgraph`
 * 1.x, `errors.ts` and `constants.ts`), which test them by a property or the
 * error's `name` rather than by class, so that several copies of LangGraph in
 * one app agree. `test/langgraph-signals.test.ts` holds them to LangGraph's.
 * LangGraph itself is loaded on first use by {@link loadLangGraph}.
 */
import type { Command, Send } from "@langchain/langgraph";

type LangGraph = typeof import("@langchain/langgraph");
let langGraph: Promise<LangGraph> | undefined;

/** `@langchain/langgraph`, imported on first use (for `interrupt()`). */
export function loadLangGraph(): Promise<LangGraph> {
  return (langGraph ??= import("@langchain/langgraph"));
}

/** As LangGraph's `isGraphBubbleUp`: an interrupt, a parent command, a drain — anything that must pass through. */
export function isGraphBubbleUp(e: unknown): boolean {
  return e !== undefined && (e as { is_bubble_up?: unknown } | null)?.is_bubble_up === true;
}

/** As LangGraph's `isGraphInterrupt` (`GraphInterrupt` or `NodeInterrupt`). */
export function isGraphInterrupt(e: unknown): boolean {
  const name = (e as { name?: unknown } | null | undefined)?.name;
  return e !== undefined && (name === "GraphInterrupt" || name === "NodeInterrupt");
}

/** As LangGraph's `isParentCommand`. */
export function isParentCommand(e: unknown): boolean {
  return e !== undefined && (e as { name?: unknown } | null)?.name === "ParentCommand";
}

/** As LangGraph's `isGraphDrained`. */
export function isGraphDrained(e: unknown): boolean {
  return e !== undefined && (e as { name?: unknown } | null)?.name === "GraphDrained";
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** As LangGraph's `isCommand`: an instance (not a plain object) whose `lg_name` is `"Command"`. */
export function isCommand(x: unknown): x is Command {
  if (typeof x !== "object" || x === null) return false;
  return !isPlainObject(x) && "lg_name" in x && x.lg_name === "Command";
}

/** A LangGraph `Send` (an instance whose `lg_name` is `"Send"`, as LangGraph marks it). */
export function isSend(x: unknown): x is Send {
  if (typeof x !== "object" || x === null) return false;
  return !isPlainObject(x) && "lg_name" in x && x.lg_name === "Send" && typeof (x as { node?: unknown }).node === "string";
}
