import { expect, it } from "vitest";
import { main } from "../../examples/approvals-http.js";

it("examples/approvals-http.ts: a delete waits for a manager who answers over HTTP, and runs once", async () => {
  const lines: string[] = [];
  const outcome = await main((line) => lines.push(line));

  expect(outcome.statuses).toMatchObject({
    list: 200,
    noToken: 401,
    badJson: 400,
    badDecision: 400,
    wrongMethod: 405,
    unknownPath: 404,
    unknownRequest: 404,
    colleague: 403,
    listAgain: 200,
    manager: 200,
    replay: 404,
    listAfter: 200,
  });
  expect(outcome.refused).toMatchObject({ outcome: "invalid", code: "approver-scope", approver: "bob", threadId: "ticket-1042" });
  expect(outcome.refused.pending).toHaveLength(1);
  expect(outcome.refused.pending[0]).toMatchObject({ tool: "delete_customer", args: { id: "cus_42" }, requester: { sub: "alice" }, risk: "destructive" });
  expect(outcome.refused.pending[0]?.requestId).not.toBe(outcome.refused.requestId);
  // The manager answered the id she was first shown; the endpoint delivered it to the request raised again.
  expect(outcome.approved).toMatchObject({ outcome: "approved", approver: "maria", requestId: outcome.refused.requestId, reply: "Done: deleted customer cus_42.", pending: [] });
  expect(outcome.deleted).toEqual(["cus_42"]);
  expect(outcome.pendingAtEnd).toBe(0);
  expect(outcome.audit).toEqual(["approval.requested", "approval.invalid", "approval.requested", "approval.granted", "access.allowed", "tool.end"]);
  expect(outcome.transcript).toEqual(lines);
  expect(lines.join("\n")).toMatch(/bob\s+approves → 403 approval\.invalid \(approver-scope\)/);
});
