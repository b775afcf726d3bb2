import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * The test run of `npm run test:mutation`: the suite without the tests that
 * need PostgreSQL or Redis or spawn processes. None of them is the only test
 * of a mutated file, and each would slow every mutant run that reaches them.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      reporters: ["default"],
      exclude: [
        "test/approval/postgres-restart.test.ts",
        "test/approval/replay-store.test.ts",
        "test/audit/fail-closed.test.ts",
        "test/audit/jsonl-crash.test.ts",
        "test/masking/vault.test.ts",
        "test/postgres/**",
        "node_modules/**",
      ],
    },
  }),
);
