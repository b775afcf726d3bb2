#!/usr/bin/env node
/**
 * Entry point of the `warden` binary.
 *
 * @module
 */
import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`warden: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
