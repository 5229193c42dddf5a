#!/usr/bin/env node
// The tools some tests run that are not devDependencies (no user gets them), installed from npm into
// .cache/ before the suites run, never by a test: Node 22 and 24 (scripts/node_versions.mjs) and
// TypeScript 5.0 and 4.9 (tests/contracts/typescript_versions_test.ts: the oldest TypeScript the
// declarations work with). `npm test` and .ci/run run this first; it does nothing when all are there.
//   node scripts/test_tools.mjs
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBinary, npmInstall } from "./node_versions.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The TypeScript compilers, by the name each installs under in .cache/typescript/node_modules/. */
export const TYPESCRIPTS = { ts50: "typescript@5.0", ts49: "typescript@4.9" };
const prefix = join(root, ".cache", "typescript");

/** The path of one of {@link TYPESCRIPTS}' `tsc` (installed or not). */
export function tscPath(name) {
  return join(prefix, "node_modules", name, "bin", "tsc");
}

/** Installs what is missing of {@link TYPESCRIPTS}. */
export function installTypeScripts() {
  if (Object.keys(TYPESCRIPTS).every((name) => existsSync(tscPath(name)))) return;
  // All of them, each time: npm would remove one the prefix does not list.
  npmInstall(prefix, Object.entries(TYPESCRIPTS).map(([name, spec]) => `${name}@npm:${spec}`), ["--ignore-scripts"]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const major of [22, 24]) nodeBinary(major);
  installTypeScripts();
}
