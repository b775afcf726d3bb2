import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^langchain-warden\/testing$/, replacement: src("testing/index.ts") },
      { find: /^langchain-warden\/postgres$/, replacement: src("postgres/index.ts") },
      { find: /^langchain-warden\/middleware$/, replacement: src("middleware/index.ts") },
      { find: /^langchain-warden$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
