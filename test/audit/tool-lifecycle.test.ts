import { createHash, randomBytes } from "node:crypto";
import { GraphInterrupt } from "@langchain/langgraph";
import { AuditLog, generateAuditKeys, verifyAuditLog } from "langchain-warden";
import { fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { createDigester } from "../../src/audit/digest.js";
import { accessEvent, toolEndEvent, toolErrorEvent } from "../../src/audit/tool-lifecycle.js";
import { canonicalJson } from "../../src/canonical-json.js";

// Names and ids a policy, a thread or a tool may hold: quotes, backslashes, controls,
// a lone surrogate, astral characters and a `__proto__` look-alike.
const awkward = ["lookup", 'say "hi"', "back\\slash", "line\nbreak\u0001", "lone \ud800 surrogate", "emoji 🦜", "__proto__"];
const sha = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const digester = createDigester(randomBytes(32));

describe("tool lifecycle events", () => {
  const inputs = awkward.flatMap((text) => {
    const context = { target: { kind: "tool" as const, name: text }, actor: { sub: text, tenant: text }, run: { id: text, threadId: text } };
    const verdict = { code: "condition" as const, effect: "deny" as const, reason: text, rule: `tools.${text}.when` };
    return [
      accessEvent(true, context, { ...verdict, code: "allowed", effect: "allow" }, sha),
      accessEvent(false, context, verdict, sha),
      accessEvent(true, context, { ...verdict, code: "allowed", effect: "allow" }, sha, text),
      toolEndEvent(context, { content: text, status: "success" }, digester),
      toolEndEvent(
        context,
        {
          toJSON: () => {
            throw new Error("no digest");
          },
        },
        digester,
      ),
      toolErrorEvent(context, Object.assign(new Error("x"), { code: text })),
      toolErrorEvent(context, new GraphInterrupt()),
    ];
  });

  it("serialise their data exactly as JSON.stringify does", () => {
    for (const input of inputs) {
      if (input.dataJson) expect(input.dataJson()).toBe(JSON.stringify(input.data));
    }
  });

  it("are hashed over the canonical JSON of what they hold, and verify", async () => {
    const keys = generateAuditKeys();
    const sink = memorySink();
    const log = new AuditLog({ sink, clock: fakeClock(), signingKey: keys.privateKey, signEvery: 5, signIntervalMs: 0 });
    for (const input of inputs) await log.recordOrdered(input);
    await log.close();
    for (const event of sink.events) {
      const { hash, sig: _sig, ...unhashed } = event;
      expect(hash).toBe(createHash("sha256").update(canonicalJson(unhashed)).digest("hex"));
    }
    expect(sink.events.filter((event) => event.type !== "audit.checkpoint").map((event) => event.data)).toEqual(inputs.map((input) => input.data));
    const report = await verifyAuditLog(sink.events, { publicKey: keys.publicKey, strict: true });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
