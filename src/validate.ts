import type { z } from "zod";
import { PolicyError } from "./errors.js";

type Issue = z.core.$ZodIssue;

/** For a union failure, the branch issue that got furthest, with its full path. */
function deepest(issue: Issue): { path: PropertyKey[]; message: string } {
  let best = { path: issue.path, message: issue.message };
  if (issue.code === "invalid_union") {
    for (const branch of issue.errors) {
      for (const inner of branch) {
        const candidate = deepest(inner);
        if (candidate.path.length > 0 && issue.path.length + candidate.path.length > best.path.length) {
          best = { path: [...issue.path, ...candidate.path], message: candidate.message };
        }
      }
    }
  }
  return best;
}

/**
 * Parses `input` with `schema`; on failure throws a {@link PolicyError} naming
 * the first offending path under `root` (e.g. `policy.tools.refund.scopes`).
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const { path, message } = first ? deepest(first) : { path: [], message: "invalid options" };
  const dotted = [root, ...path]
    .filter((p) => p !== "")
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
  throw new PolicyError(dotted, message);
}
