import { createHash } from "node:crypto";
import { tool } from "@langchain/core/tools";
import { type AuditEvent, type AuditSink, AuditWriteError, createWarden, generateAuditKeys, verifyAuditLog } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { canonicalJson } from "../../src/canonical-json.js";

const idp = createTestIdentity();
const lookup = (ran: string[]) => tool(async ({ id }) => (ran.push(id), `customer ${id}`), { name: "lookup", description: "lookup", schema: z.object({ id: z.string() }) });

function failingSink(): AuditSink {
  return {
    write() {
      throw new Error("disk full");
    },
  };
}

describe("audit core", () => {
  it("chains events with SHA-256 over canonical JSON", async () => {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink } });
    const principal = await warden.authenticate(await idp.issue({ sub: "ann", tenant: "acme" }));
    const guarded = warden.tool(lookup([]));
    for (let i = 0; i < 5; i++) await guarded.invoke({ id: `c${i}` }, warden.config(principal));
    const events = sink.events;
    expect(events.length).toBeGreaterThanOrEqual(5);
    let prev = "0".repeat(64);
    events.forEach((event: AuditEvent, index) => {
      const { hash, ...unhashed } = event;
      expect(event.seq).toBe(index + 1);
      expect(event.chain).toBe(warden.audit.chain);
      expect(event.prev).toBe(prev);
      expect(hash).toBe(createHash("sha256").update(canonicalJson(unhashed)).digest("hex"));
      prev = hash;
    });
    expect(events.find((e) => e.type === "access.allowed")?.actor).toEqual({ sub: "ann", tenant: "acme" });
  });

  it("records a guarded tool's decision and lifecycle in the guard, joined to the run", async () => {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink } });
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    await warden.tool(lookup([])).invoke({ id: "c1" }, warden.config(principal, { configurable: { thread_id: "t-1" } }));
    expect(sink.events.map((e) => e.type)).toEqual(["access.allowed", "tool.end"]);
    const [allowed, end] = sink.events;
    expect(end?.actor).toEqual({ sub: "ann" });
    expect(end?.outcome).toBe("success");
    expect(end?.data?.outputDigest).toBe(warden.audit.digest("customer c1"));
    expect(sink.events.map((e) => e.target)).toEqual(Array(2).fill({ kind: "tool", name: "lookup" }));
    expect(allowed?.run?.id).toBe(end?.run?.id);
    expect(allowed?.run?.id).toMatch(/[0-9a-f-]{36}/);
    expect(allowed?.run?.threadId).toBe("t-1");
    expect(JSON.stringify(sink.events)).not.toContain("customer c1");
  });

  it("fails closed: when the sink cannot take the decision, the tool does not run", async () => {
    const ran: string[] = [];
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink: failingSink() } });
    const principal = await warden.authenticate(await idp.issue({}));
    // LangChain logs a handler failure before re-raising it; keep the test output quiet.
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const error = await warden
      .tool(lookup(ran))
      .invoke({ id: "c1" }, warden.config(principal))
      .catch((e: unknown) => e);
    log.mockRestore();
    expect(error).toBeInstanceOf(AuditWriteError);
    expect((error as AuditWriteError).code).toBe("WARDEN_AUDIT_WRITE");
    expect(String((error as Error).message)).not.toContain("disk full");
    expect(ran).toEqual([]);
  });

  it("fails open only when asked, and counts what was lost", async () => {
    const ran: string[] = [];
    const warden = createWarden({
      identity: idp.identity,
      policy: { tools: { lookup: { scopes: [] } } },
      audit: { sink: failingSink(), failMode: "open" },
    });
    const principal = await warden.authenticate(await idp.issue({}));
    await warden.tool(lookup(ran)).invoke({ id: "c1" }, warden.config(principal));
    expect(ran).toEqual(["c1"]);
    expect(warden.audit.lost).toBe(2);
  });

  it("fails open without a hole: the events a sink refused are left out of the chain, which still verifies", async () => {
    const keys = generateAuditKeys();
    const kept = memorySink();
    let writes = 0;
    // Refuses every third event, at once or after accepting the call.
    const flaky: AuditSink = {
      write(event) {
        writes++;
        if (writes % 6 === 0) return Promise.reject(new Error("queue full"));
        if (writes % 3 === 0) throw new Error("queue full");
        return kept.write(event);
      },
    };
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink: flaky, failMode: "open", signingKey: keys.privateKey } });
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    const ran: string[] = [];
    for (let i = 0; i < 10; i++) await warden.tool(lookup(ran)).invoke({ id: `c${i}` }, warden.config(principal));
    await warden.close();
    expect(ran).toHaveLength(10);
    expect(warden.audit.lost).toBeGreaterThan(3);
    expect(kept.events.map((event) => event.seq)).toEqual(kept.events.map((_, index) => index + 1));
    // Not strict: the final checkpoint itself may have been refused, leaving a short unsigned tail.
    const report = await verifyAuditLog(kept.events, { publicKey: keys.publicKey });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("records rejected tokens without the token", async () => {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, policy: {}, audit: { sink } });
    const token = await idp.issue({}, { expiresIn: -60 });
    await expect(warden.authenticate(token)).rejects.toMatchObject({ code: "WARDEN_INVALID_TOKEN", reason: "expired" });
    const [event] = sink.ofType("token.rejected");
    expect(event).toMatchObject({ outcome: "denied", actor: { sub: "anonymous" }, reason: "expired" });
    expect(JSON.stringify(sink.events)).not.toContain(token);
    expect(JSON.stringify(sink.events)).not.toContain(token.split(".")[1]);
  });

  it("canonical JSON sorts keys, drops undefined and is stable", () => {
    expect(canonicalJson({ b: 1, a: [true, null, undefined, "x"], c: undefined, d: { z: 1.5, y: -0 } })).toBe('{"a":[true,null,null,"x"],"b":1,"d":{"y":0,"z":1.5}}');
    expect(canonicalJson({ é: 1, e: 2, E: 3 })).toBe('{"E":3,"e":2,"é":1}');
  });
});
