import type { StructuredToolInterface } from "@langchain/core/tools";
import { Validator } from "@langchain/core/utils/json_schema";
import { interopSafeParseAsync, isInteropZodSchema } from "@langchain/core/utils/types";

/**
 * Validates arguments against a tool's schema the way LangChain does before a
 * call (zod, or JSON Schema). Resolves to the parsed arguments, or `undefined`
 * when they do not match.
 */
export async function validateToolArgs(schema: StructuredToolInterface["schema"], args: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  if (isInteropZodSchema(schema)) {
    const result = await interopSafeParseAsync(schema, args);
    return result.success && typeof result.data === "object" && result.data !== null ? (result.data as Record<string, unknown>) : undefined;
  }
  const validator = new Validator(schema as ConstructorParameters<typeof Validator>[0]);
  return validator.validate(args).valid ? args : undefined;
}
