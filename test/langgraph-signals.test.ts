import * as LangGraph from "@langchain/langgraph";
import { Command, GraphBubbleUp, GraphDrained, GraphInterrupt, NodeInterrupt, ParentCommand, Send } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import * as signals from "../src/langgraph-signals.js";

/** Values a guard may see thrown or returned: LangGraph's own, look-alikes, and ordinary ones. */
const subjects: [string, unknown][] = [
  ["GraphInterrupt", new GraphInterrupt([])],
  ["NodeInterrupt", new NodeInterrupt("stop")],
  ["ParentCommand", new ParentCommand(new Command({ goto: "x" }))],
  ["GraphDrained", new GraphDrained()],
  ["a GraphBubbleUp subclass", new (class extends GraphBubbleUp {})()],
  ["a plain Error", new Error("boom")],
  ["an Error named GraphInterrupt", Object.assign(new Error("x"), { name: "GraphInterrupt" })],
  ["an Error named ParentCommand", Object.assign(new Error("x"), { name: "ParentCommand" })],
  ["an Error named GraphDrained", Object.assign(new Error("x"), { name: "GraphDrained" })],
  ["is_bubble_up: true", { is_bubble_up: true }],
  ['is_bubble_up: "true"', { is_bubble_up: "true" }],
  ["a string", "GraphInterrupt"],
  ["a number", 42],
  ["undefined", undefined],
  ["a Command", new Command({ update: { a: 1 } })],
  ["a Command-like plain object", { lg_name: "Command", update: {} }],
  [
    "a Command-like instance",
    new (class {
      lg_name = "Command";
    })(),
  ],
  ["a Send", new Send("node", { a: 1 })],
  ["a Send-like plain object", { lg_name: "Send", node: "n", args: {} }],
  ["an object without prototype", Object.create(null) as object],
  ["an array", []],
];

describe("LangGraph signals recognised without loading LangGraph", () => {
  for (const name of ["isGraphBubbleUp", "isGraphInterrupt", "isParentCommand", "isGraphDrained", "isCommand"] as const) {
    it(`${name} agrees with LangGraph's own on every subject`, () => {
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the test compares each function of both modules by name
      const theirs = LangGraph[name] as (value: unknown) => boolean;
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: as above
      const ours = signals[name] as (value: unknown) => boolean;
      for (const [label, value] of subjects) expect(ours(value), `${name}(${label})`).toBe(theirs(value));
    });
  }

  it("null: false where LangGraph would throw reading a property of null", () => {
    expect(signals.isGraphBubbleUp(null)).toBe(false);
    expect(signals.isGraphInterrupt(null)).toBe(false);
    expect(signals.isParentCommand(null)).toBe(false);
    expect(signals.isGraphDrained(null)).toBe(false);
    expect(signals.isCommand(null)).toBe(false);
  });

  it("isSend: LangGraph's Send instances only", () => {
    const sends = subjects.filter(([, value]) => signals.isSend(value)).map(([label]) => label);
    expect(sends).toEqual(["a Send"]);
    expect(signals.isSend(new Send("n", {}))).toBe(true);
  });

  it("loadLangGraph gives LangGraph itself", async () => {
    const loaded = await signals.loadLangGraph();
    expect(loaded.interrupt).toBe(LangGraph.interrupt);
    expect(loaded.Command).toBe(Command);
  });
});
