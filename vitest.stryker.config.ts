import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * The test run of `npm run test:mutation`: the focused tests of the security
 * core. End-to-end agent runs, the CLI, and tests that need PostgreSQL or Redis
 * or spawn processes are left out: each mutant reruns every test that reaches
 * it, and these would multiply the run time without being the test that pins a
 * check down. WARDEN_MUTATION_TESTS (comma-separated globs) narrows the run
 * further to the tests of the files being mutated, e.g. `test/audit/verify*.test.ts`.
 */
const focused = process.env.WARDEN_MUTATION_TESTS?.split(",").filter(Boolean);

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: focused ?? [
      "test/identity/**/*.test.ts",
      "test/guards/**/*.test.ts",
      "test/policy/**/*.test.ts",
      "test/approval/abuse.test.ts",
      "test/approval/smoke.test.ts",
      "test/approval/flow*.test.ts",
      "test/audit/verify*.test.ts",
      "test/audit/duplicate-keys.test.ts",
      "test/masking/detectors.test.ts",
      "test/masking/checksum*.test.ts",
    ],
    reporters: ["default"],
    // Mutants are switched on at run time, so test files may share loaded modules:
    // a file then does not import LangChain afresh, which would dominate a mutant's run.
    isolate: false,
    poolOptions: { threads: { isolate: false } },
  },
});
