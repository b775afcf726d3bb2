import type { z } from "zod";
import { PolicyError } from "./errors.js";

/**
 * Parses `input` with `schema`; on failure throws a {@link PolicyError} naming
 * the first offending path under `root` (e.g. `policy.tools.refund.scopes`).
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [root, ...(issue?.path ?? [])]
    .filter((p) => p !== "")
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
  throw new PolicyError(path, issue?.message ?? "invalid options");
}
