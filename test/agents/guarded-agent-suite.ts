import { type AIMessage, HumanMessage } from "@langchain/core/messages";
import { Command, isGraphInterrupt, MemorySaver } from "@langchain/langgraph";
import { type GuardedTool, InvalidTokenError, MissingPrincipalError, WardenError } from "langchain-warden";
import { ScriptedChatModel, type ScriptedTurn, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { type AgentHandle, ask, barrier, type Fixture, lastHumanText, lastMessage, setup, ToolErrorCatcher, thread, toolMessages } from "./fixtures.js";

/** One way of building an agent over guarded tools, and how that agent reports tool failures. */
export interface GuardedAgentKind {
  /** The title of the suite; it names the agent kind. */
  title: string;
  /** An agent over `tools` that checkpoints to `checkpointer` (a fresh MemorySaver when left out). */
  build(model: ScriptedChatModel, tools: GuardedTool[], checkpointer?: MemorySaver): AgentHandle;
  /** An agent over `tools` whose tool errors propagate out of invoke(), and the words that say how (for test names). */
  rethrowing: { when: string; build(model: ScriptedChatModel, tools: GuardedTool[]): AgentHandle };
  /** The content of the error ToolMessage the agent makes from an error a tool throws. */
  toolErrorText(name: string, message: string): string;
  /** The content of the error ToolMessage the agent makes for a call to a tool it was not given. */
  unknownToolText(name: string, available: readonly string[]): string;
  /** Whether the agent binds the tools to the model again before every model call. */
  rebindsToolsPerModelCall: boolean;
}

/** The tests every agent kind must pass with guarded tools, under one describe named by `kind.title`. */
export function describeGuardedAgent(kind: GuardedAgentKind): void {
  /** An agent over the four reference tools, all guarded, answering from `turns`. */
  function agentFor(fx: Fixture, turns: readonly ScriptedTurn[]) {
    const model = scriptedChatModel(turns);
    const tools = fx.warden.tools([fx.tools.searchOrders, fx.tools.refundOrder, fx.tools.runSql, fx.tools.unlisted]);
    return { model, ...kind.build(model, tools) };
  }

  describe(kind.title, () => {
    it("runs an in-scope call and records access.allowed with the actor and the thread", async () => {
      const fx = setup();
      const alice = await fx.login("alice", "orders:read");
      const { invoke } = agentFor(fx, [[{ name: "search_orders", args: { query: "4242" } }]]);

      const result = await invoke(ask("find order 4242"), fx.warden.config(alice, thread("thread-allowed")));

      expect(fx.ran).toEqual([{ tool: "search_orders", args: { query: "4242" }, sub: "alice", bareSub: "alice", threadId: "thread-allowed" }]);
      const [reply] = toolMessages(result.messages);
      expect(reply?.status).toBe("success");
      expect(reply?.content).toBe("orders matching 4242 for alice");
      expect(lastMessage(result)?.content).toBe("done");

      const allowed = fx.sink.ofType("access.allowed");
      expect(allowed).toHaveLength(1);
      expect(allowed[0]?.actor).toEqual({ sub: "alice" });
      expect(allowed[0]?.target).toEqual({ kind: "tool", name: "search_orders" });
      expect(allowed[0]?.run?.threadId).toBe("thread-allowed");
      expect(allowed[0]?.data?.code).toBe("allowed");
      expect(fx.sink.ofType("access.denied")).toEqual([]);
      expect(fx.sink.ofType("tool.end").map((e) => [e.outcome, e.actor.sub, e.run?.threadId])).toEqual([["success", "alice", "thread-allowed"]]);
    });

    it("refuses an out-of-scope call with an error ToolMessage, and the model takes its next turn", async () => {
      const fx = setup();
      const alice = await fx.login("alice", "orders:read");
      const { invoke, model } = agentFor(fx, [[{ name: "refund_order", args: { orderId: "o-1", amount: 5 } }]]);

      const result = await invoke(ask("refund o-1"), fx.warden.config(alice, thread("thread-scope")));

      expect(fx.ran).toEqual([]);
      const call = (result.messages[1] as AIMessage).tool_calls?.[0];
      const [reply] = toolMessages(result.messages);
      expect(reply?.status).toBe("error");
      expect(reply?.tool_call_id).toBe(call?.id);
      expect(reply?.content).toBe('Access denied: you are not permitted to use the tool "refund_order".');
      expect(String(reply?.content)).not.toContain("orders:refund");
      expect(model.received).toHaveLength(2);
      expect(model.received[1]?.at(-1)).toBe(reply);
      expect(lastMessage(result)?.content).toBe("done");

      const [denied] = fx.sink.ofType("access.denied");
      expect(denied?.actor).toEqual({ sub: "alice" });
      expect(denied?.reason).toBe("missing scope orders:refund");
      expect(denied?.data?.code).toBe("missing-scope");
      expect(denied?.run?.threadId).toBe("thread-scope");
      expect(fx.sink.ofType("access.allowed")).toEqual([]);
    });

    it("refuses a tool that has no policy rule (no-rule)", async () => {
      const fx = setup();
      const alice = await fx.login("alice", "orders:read orders:refund db:query");
      const { invoke } = agentFor(fx, [[{ name: "unlisted", args: {} }]]);

      const result = await invoke(ask("do the unlisted thing"), fx.warden.config(alice, thread("thread-no-rule")));

      expect(fx.ran).toEqual([]);
      const [reply] = toolMessages(result.messages);
      expect(reply?.status).toBe("error");
      expect(reply?.content).toBe('Access denied: the tool "unlisted" is not available to you.');
      expect(lastMessage(result)?.content).toBe("done");
      const [denied] = fx.sink.ofType("access.denied");
      expect(denied?.data?.code).toBe("no-rule");
      expect(denied?.target.name).toBe("unlisted");
      expect(denied?.actor.sub).toBe("alice");
    });

    it("refuses arguments matching a deny pattern (denied-args) and still runs the clean call of the same turn", async () => {
      const fx = setup();
      const dba = await fx.login("dba", "db:query");
      const { invoke } = agentFor(fx, [
        [
          { name: "run_sql", args: { sql: "DROP TABLE x" } },
          { name: "run_sql", args: { sql: "SELECT 1" } },
        ],
      ]);

      const result = await invoke(ask("clean up"), fx.warden.config(dba, thread("thread-deny")));

      expect(fx.ran.map((r) => r.args)).toEqual([{ sql: "SELECT 1" }]);
      const [dropped, selected] = toolMessages(result.messages);
      expect(dropped?.status).toBe("error");
      expect(dropped?.content).toBe('Access denied: these arguments are not permitted for the tool "run_sql".');
      expect(selected?.status).toBe("success");
      expect(selected?.content).toBe("ok");
      const [denied] = fx.sink.ofType("access.denied");
      expect(denied?.data?.code).toBe("denied-args");
      expect(denied?.data?.rule).toBe("tools.run_sql.deny.args[0]");
      expect(denied?.actor.sub).toBe("dba");
      expect(JSON.stringify(fx.sink.events)).not.toMatch(/DROP/i);
    });

    it("keeps 50 concurrent runs of 50 users apart", async () => {
      const fx = setup();
      const users = Array.from({ length: 50 }, (_, i) => ({
        sub: `user-${i}`,
        thread: `thread-${i}`,
        canRead: i % 2 === 0,
      }));
      const principals = await Promise.all(users.map((u) => fx.login(u.sub, u.canRead ? "orders:read" : "profile:read")));
      const model = new ScriptedChatModel((messages) =>
        HumanMessage.isInstance(messages.at(-1)) ? [{ name: "search_orders", args: { query: lastHumanText(messages) } }] : `answered ${lastHumanText(messages)}`,
      );
      const { invoke } = kind.build(model, fx.warden.tools([fx.tools.searchOrders]));
      // Every allowed tool body waits until all 25 are in flight, so the runs truly overlap.
      fx.hooks.search = barrier(users.filter((u) => u.canRead).length);

      const results = await Promise.all(users.map((u, i) => invoke(ask(u.sub), fx.warden.config(principals[i]!, thread(u.thread)))));

      results.forEach((result, i) => {
        const user = users[i]!;
        const [reply] = toolMessages(result.messages);
        if (user.canRead) {
          expect(reply?.status).toBe("success");
          expect(reply?.content).toBe(`orders matching ${user.sub} for ${user.sub}`);
        } else {
          expect(reply?.status).toBe("error");
        }
        expect(lastMessage(result)?.content).toBe(`answered ${user.sub}`);
      });

      expect(fx.ran).toHaveLength(25);
      for (const run of fx.ran) {
        expect(run.sub).toBe(run.args.query);
        expect(run.bareSub).toBe(run.args.query);
        expect(run.threadId).toBe(`thread-${String(run.sub).slice("user-".length)}`);
      }

      const subOfThread = new Map(users.map((u) => [u.thread, u.sub]));
      const access = fx.sink.events.filter((e) => e.type === "access.allowed" || e.type === "access.denied");
      expect(access).toHaveLength(50);
      for (const event of [...access, ...fx.sink.ofType("tool.start"), ...fx.sink.ofType("tool.end")]) {
        expect(event.actor.sub).toBe(subOfThread.get(event.run?.threadId ?? ""));
      }
      const allowedSubs = fx.sink
        .ofType("access.allowed")
        .map((e) => e.actor.sub)
        .sort();
      expect(allowedSubs).toEqual(
        users
          .filter((u) => u.canRead)
          .map((u) => u.sub)
          .sort(),
      );
      expect(fx.sink.ofType("access.denied").every((e) => e.data?.code === "missing-scope")).toBe(true);
    });

    it("refuses the next call once the token expires mid-run (InvalidTokenError becomes an error ToolMessage)", async () => {
      const fx = setup();
      const alice = await fx.login("alice", "orders:read", { expiresIn: 60 });
      const { invoke, model } = agentFor(fx, [[{ name: "search_orders", args: { query: "first" } }], [{ name: "search_orders", args: { query: "second" } }]]);
      fx.hooks.search = (query) => {
        if (query === "first") fx.clock.advance(61_000);
      };
      const catcher = new ToolErrorCatcher();

      const result = await invoke(ask("search twice"), fx.warden.config(alice, { ...thread("thread-expiry"), callbacks: [catcher] }));

      expect(fx.ran.map((r) => r.args.query)).toEqual(["first"]);
      const [first, second] = toolMessages(result.messages);
      expect(first?.status).toBe("success");
      expect(second?.status).toBe("error");
      expect(second?.content).toBe(kind.toolErrorText("InvalidTokenError", "Token expired"));
      expect(model.received).toHaveLength(3);
      expect(lastMessage(result)?.content).toBe("done");

      expect(catcher.errors).toHaveLength(1);
      expect(catcher.errors[0]).toBeInstanceOf(InvalidTokenError);
      expect((catcher.errors[0] as InvalidTokenError).reason).toBe("expired");
      const [denied] = fx.sink.ofType("access.denied");
      expect(denied?.reason).toBe("token expired");
      expect(denied?.actor).toEqual({ sub: "alice" });
      expect(denied?.run?.threadId).toBe("thread-expiry");
      // The guard records its refusal as access.denied; the tool never started, so there is no tool.error.
      expect(fx.sink.ofType("tool.error")).toEqual([]);
    });

    it(`lets InvalidTokenError propagate from invoke() ${kind.rethrowing.when}`, async () => {
      const fx = setup();
      const alice = await fx.login("alice", "orders:read", { expiresIn: 60 });
      const model = scriptedChatModel([[{ name: "search_orders", args: { query: "first" } }], [{ name: "search_orders", args: { query: "second" } }]]);
      const { invoke } = kind.rethrowing.build(model, fx.warden.tools([fx.tools.searchOrders]));
      fx.hooks.search = (query) => {
        if (query === "first") fx.clock.advance(61_000);
      };

      const error = await invoke(ask("search twice"), fx.warden.config(alice, thread("thread-expiry-throw"))).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).reason).toBe("expired");
      expect(fx.ran.map((r) => r.args.query)).toEqual(["first"]);
      expect(model.received).toHaveLength(2);
      expect(fx.sink.ofType("access.denied").map((e) => e.reason)).toEqual(["token expired"]);
    });

    it("never runs a tool without warden.config(): MissingPrincipalError becomes an error ToolMessage", async () => {
      const fx = setup();
      const { invoke, model } = agentFor(fx, [[{ name: "search_orders", args: { query: "4242" } }]]);
      const catcher = new ToolErrorCatcher();

      const result = await invoke(ask("find order 4242"), { ...thread("thread-anonymous"), callbacks: [catcher] });

      expect(fx.ran).toEqual([]);
      const [reply] = toolMessages(result.messages);
      expect(reply?.status).toBe("error");
      expect(reply?.content).toBe(kind.toolErrorText("MissingPrincipalError", "No verified principal in the run config: pass warden.config(principal) to invoke()"));
      expect(model.received).toHaveLength(2);
      expect(lastMessage(result)?.content).toBe("done");
      expect(catcher.errors).toHaveLength(1);
      expect(catcher.errors[0]).toBeInstanceOf(MissingPrincipalError);

      const denied = fx.sink.ofType("access.denied");
      expect(denied).toHaveLength(1);
      expect(denied[0]?.actor).toEqual({ sub: "anonymous" });
      expect(denied[0]?.reason).toBe("no principal in the run config");
      expect(denied[0]?.run?.threadId).toBe("thread-anonymous");
      expect(fx.sink.ofType("access.allowed")).toEqual([]);
    });

    it(`lets MissingPrincipalError propagate from invoke() ${kind.rethrowing.when}`, async () => {
      const fx = setup();
      const model = scriptedChatModel([[{ name: "search_orders", args: { query: "4242" } }]]);
      const { invoke } = kind.rethrowing.build(model, fx.warden.tools([fx.tools.searchOrders]));

      await expect(invoke(ask("find order 4242"), thread("thread-anonymous-throw"))).rejects.toBeInstanceOf(MissingPrincipalError);
      expect(fx.ran).toEqual([]);
      expect(fx.sink.ofType("access.denied").map((e) => e.actor.sub)).toEqual(["anonymous"]);
    });

    it("exposes only usable tools with warden.toolsFor()", async () => {
      const fx = setup();
      const alice = await fx.login("alice", "orders:read");
      const all = [fx.tools.searchOrders, fx.tools.refundOrder, fx.tools.runSql, fx.tools.unlisted];
      // The model asks for a tool it was never given.
      const model = scriptedChatModel([[{ name: "refund_order", args: { orderId: "o-1", amount: 5 } }]]);
      const { invoke } = kind.build(model, fx.warden.toolsFor(alice, all));

      const result = await invoke(ask("refund o-1"), fx.warden.config(alice, thread("thread-visible")));

      if (kind.rebindsToolsPerModelCall) {
        // One binding for each of the two model calls.
        expect(model.boundTools).toHaveLength(2);
      } else {
        expect(model.boundTools.length).toBeGreaterThan(0);
      }
      expect(model.boundTools.every((names) => names.join() === "search_orders")).toBe(true);
      const [reply] = toolMessages(result.messages);
      expect(reply?.status).toBe("error");
      expect(reply?.content).toBe(kind.unknownToolText("refund_order", ["search_orders"]));
      expect(fx.ran).toEqual([]);
      expect(fx.sink.events.filter((e) => e.type.startsWith("access."))).toEqual([]);

      const admin = await fx.login("admin", "orders:read orders:refund db:query");
      const adminModel = scriptedChatModel([]);
      const adminAgent = kind.build(adminModel, fx.warden.toolsFor(admin, all));
      await adminAgent.invoke(ask("hello"), fx.warden.config(admin, thread("thread-visible-admin")));
      expect(adminModel.lastBoundTools).toEqual(["search_orders", "refund_order", "run_sql"]);
    });

    it("lets interrupt() inside a guarded tool pass through the guard, and resumes with Command", async () => {
      const fx = setup();
      const carol = await fx.login("carol", "orders:cancel");
      const model = scriptedChatModel([[{ name: "cancel_order", args: { orderId: "o-9" } }]]);
      const { invoke } = kind.build(model, fx.warden.tools([fx.tools.cancelOrder]));
      const catcher = new ToolErrorCatcher();
      const config = fx.warden.config(carol, { ...thread("thread-interrupt"), callbacks: [catcher] });

      const paused = await invoke(ask("cancel o-9"), config);

      expect(paused.__interrupt__).toHaveLength(1);
      expect(paused.__interrupt__?.[0]?.value).toEqual({ ask: "confirm", orderId: "o-9" });
      expect(toolMessages(paused.messages)).toEqual([]);
      expect(fx.ran).toEqual([]);
      expect(catcher.errors).toHaveLength(1);
      expect(isGraphInterrupt(catcher.errors[0])).toBe(true);
      expect(catcher.errors[0]).not.toBeInstanceOf(WardenError);
      expect(fx.sink.ofType("tool.error")).toEqual([]);
      expect(fx.sink.ofType("tool.end").map((e) => [e.outcome, e.reason])).toEqual([["pending", "interrupted: waiting for input"]]);

      const resumed = await invoke(new Command({ resume: "yes" }), config);

      expect(resumed.__interrupt__).toBeUndefined();
      const [reply] = toolMessages(resumed.messages);
      expect(reply?.status).toBe("success");
      expect(reply?.content).toBe("cancelled o-9: yes");
      expect(lastMessage(resumed)?.content).toBe("done");
      expect(fx.ran).toEqual([{ tool: "cancel_order", args: { orderId: "o-9", answer: "yes" }, sub: "carol", bareSub: "carol", threadId: "thread-interrupt" }]);
      // The guard checks again when the resumed tool runs.
      expect(fx.sink.ofType("access.allowed").map((e) => e.actor.sub)).toEqual(["carol", "carol"]);
    });

    it("refuses a resumed call whose token expired while the run was paused", async () => {
      const fx = setup();
      const carol = await fx.login("carol", "orders:cancel", { expiresIn: 60 });
      const model = scriptedChatModel([[{ name: "cancel_order", args: { orderId: "o-9" } }]]);
      const { invoke } = kind.build(model, fx.warden.tools([fx.tools.cancelOrder]));
      const config = fx.warden.config(carol, thread("thread-interrupt-expired"));

      const paused = await invoke(ask("cancel o-9"), config);
      expect(paused.__interrupt__).toHaveLength(1);
      fx.clock.advance(61_000);
      const resumed = await invoke(new Command({ resume: "yes" }), config);

      expect(fx.ran).toEqual([]);
      const [reply] = toolMessages(resumed.messages);
      expect(reply?.status).toBe("error");
      expect(reply?.content).toBe(kind.toolErrorText("InvalidTokenError", "Token expired"));
      expect(fx.sink.ofType("access.denied").map((e) => [e.actor.sub, e.reason])).toEqual([["carol", "token expired"]]);
    });

    it("never writes the principal into the checkpoint", async () => {
      const fx = setup();
      const carol = await fx.login("carol", "orders:read orders:secret-scope");
      const checkpointer = new MemorySaver();
      const model = scriptedChatModel([[{ name: "search_orders", args: { query: "4242" } }]]);
      const { invoke } = kind.build(model, fx.warden.tools([fx.tools.searchOrders]), checkpointer);

      await invoke(ask("find 4242"), fx.warden.config(carol, thread("thread-checkpoint")));

      const stored = JSON.stringify(checkpointer.storage, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString("utf8") : value));
      expect(stored).toContain("orders matching 4242 for carol");
      expect(stored).not.toContain("__warden_principal");
      expect(stored).not.toContain("orders:secret-scope");
    });
  });
}
