// Builds the package: one ES module bundle per entry point (the subpath exports and the
// `warden` binary), code they share in common chunks, dependencies and peers left as imports;
// then `tsc` emits the type declarations. One bundle per entry keeps `import("langchain-warden")`
// to a few files instead of one per source module.

import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..");
const entries = ["index", "testing/index", "postgres/index", "middleware/index", "cli/bin"];

rmSync(resolve(root, "dist"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: entries.map((entry) => `src/${entry}.ts`),
  outbase: "src",
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
execFileSync(resolve(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json", "--emitDeclarationOnly"], { cwd: root, stdio: "inherit" });
