import { z } from "zod";
import { AUDIT_EVENT_TYPES, AUDIT_OUTCOMES, AUDIT_TARGET_KINDS } from "./event.js";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** Zod schema of an audit event, version 1. The verifier checks every event against it. */
export const auditEventSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().min(1),
  chain: z.string().min(1),
  seq: z.number().int().positive(),
  ts: z.iso.datetime(),
  type: z.enum(AUDIT_EVENT_TYPES),
  outcome: z.enum(AUDIT_OUTCOMES),
  actor: z.strictObject({ sub: z.string(), tenant: z.string().optional() }),
  target: z.strictObject({
    kind: z.enum(AUDIT_TARGET_KINDS),
    name: z.string(),
  }),
  reason: z.string().optional(),
  run: z.strictObject({ id: z.string(), parentId: z.string().optional(), threadId: z.string().optional() }).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  origin: z.strictObject({ host: z.string(), pid: z.number().int(), service: z.string().optional() }).optional(),
  prev: hex64,
  kid: z.string().min(1).optional(),
  signing: z.strictObject({ every: z.number().int().positive(), intervalMs: z.number().int().nonnegative() }).optional(),
  hash: hex64,
  sig: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
});
