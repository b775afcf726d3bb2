// Packaging check: packs the package as a user would install it, then proves
// that every `exports` entry resolves to built JavaScript and to type
// declarations, and that the public names of the design brief are exported.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "..");
const work = join(root, ".tmp", "pack-check");
const pkg = JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json'))"], { cwd: root, encoding: "utf8" }));

const expectedNames = {
  ".": [
    "createMasker",
    "verifyAuditLog",
    "generateAuditKeys",
    "jsonlSink",
    "callbackApprover",
    "pendingApprovals",
    "guardModel",
    "createWarden",
    "guardTool",
    "getPrincipal",
    "memorySink",
    "WardenError",
    "InvalidTokenError",
    "MissingPrincipalError",
    "AccessDeniedError",
    "ApprovalRejectedError",
    "ApprovalInvalidError",
    "RateLimitedError",
    "BudgetExceededError",
    "CircuitOpenError",
    "AuditWriteError",
    "PolicyError",
    "createApiKey",
    "memoryApiKeyStore",
    "redisApiKeyStore",
    "isWardenApiKey",
    "renderAuditReport",
  ],
  "./testing": ["createTestIdentity", "memorySink", "fakeClock"],
  "./postgres": ["postgresSink", "migrateAuditTable", "readAuditEvents", "postgresRetriever", "postgresApiKeyStore", "migrateApiKeyTable"],
  "./middleware": ["wardenMiddleware", "wardenContextSchema", "WARDEN_MIDDLEWARE_NAME"],
};

function fail(message) {
  console.error(`check-package: ${message}`);
  process.exit(1);
}

execFileSync("npx", ["--no-install", "publint", "--strict", "--level", "warning"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });

rmSync(work, { recursive: true, force: true });
const installDir = join(work, "node_modules", pkg.name);
mkdirSync(installDir, { recursive: true });
const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
execFileSync("tar", ["-xzf", join(work, packed.filename), "-C", installDir, "--strip-components=1"]);

const subpaths = Object.keys(pkg.exports).filter((key) => key !== "./package.json");
const typeImports = [];
for (const subpath of subpaths) {
  const entry = pkg.exports[subpath];
  for (const file of [entry.import, entry.types]) {
    if (!file || !existsSync(join(installDir, file))) fail(`${subpath} → ${file} is missing from the packed package`);
  }
  const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
  const probe = join(work, `probe-${subpaths.indexOf(subpath)}.mjs`);
  writeFileSync(probe, `export * as mod from ${JSON.stringify(specifier)};\n`);
  const { mod } = await import(pathToFileURL(probe).href);
  for (const name of expectedNames[subpath] ?? []) {
    if (!(name in mod)) fail(`${specifier} does not export ${name}`);
  }
  if (Object.keys(mod).length === 0) fail(`${specifier} exports nothing`);
  typeImports.push(`export * as m${typeImports.length} from ${JSON.stringify(specifier)};`);
}

// The `warden` binary: present in the packed package, and it runs (prints its usage).
for (const [name, file] of Object.entries(pkg.bin ?? {})) {
  if (!existsSync(join(installDir, file))) fail(`bin ${name} → ${file} is missing from the packed package`);
  let usage = "";
  try {
    usage = execFileSync(process.execPath, [join(installDir, file), "--help"], { cwd: work, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    usage = `${error.stdout ?? ""}${error.stderr ?? ""}`;
  }
  if (!/warden keys generate/.test(usage)) fail(`bin ${name} does not run: ${usage.slice(0, 200)}`);
}

writeFileSync(join(work, "types.ts"), `${typeImports.join("\n")}\n`);
writeFileSync(
  join(work, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      target: "ES2022",
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ["node"],
      typeRoots: [join(root, "node_modules", "@types")],
    },
    files: ["types.ts"],
  }),
);
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(work, "tsconfig.json")], { cwd: work, encoding: "utf8" });
} catch (error) {
  fail(`type declarations do not resolve:\n${error.stdout ?? error.message}`);
}
rmSync(work, { recursive: true, force: true });
console.log(`check-package: ${subpaths.length} exports resolve to built JS and types, ${Object.keys(pkg.bin ?? {}).length} bin runs (${packed.files.length} files packed)`);
