import { z } from "zod";

/**
 * An approver's answer: the resume value of a Warden approval interrupt, or
 * what a callback approver returns. Unknown keys are refused, so a decision
 * can never name another tool.
 */
export const approvalDecisionSchema = z.strictObject({
  requestId: z.string().min(1).max(64),
  decision: z.enum(["approve", "edit", "reject"]),
  approverToken: z
    .string()
    .min(1)
    .max(16 * 1024),
  args: z.record(z.string(), z.unknown()).optional(),
  message: z.string().max(2_000).optional(),
});

/** An approver's decision. `args` only with `edit`; `message` is shown to the agent on `reject`. */
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;
