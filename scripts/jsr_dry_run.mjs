#!/usr/bin/env node
// `deno publish --dry-run` as a check (npm test): JSR's own validation of what deno.json publishes
// (slow types in the public API, files it cannot analyze, such as a computed `import(x)`), with
// nothing uploaded. Deno exits 0 on its warnings; this exits 1 on any, so a warning fails the check.
// Offline: the package has no dependencies, and a dry run talks to no registry. `--allow-dirty`: the
// check runs on a working tree with uncommitted changes too.
import { spawn } from "node:child_process";

const deno = new URL("../node_modules/.bin/deno", import.meta.url).pathname;
const child = spawn(deno, ["publish", "--dry-run", "--allow-dirty"], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
});
let output = "";
child.stdout.on("data", (chunk) => (output += chunk));
child.stderr.on("data", (chunk) => (output += chunk));
child.on("close", (code) => {
  const plain = output.replaceAll(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
  // The list of published files, one line each, is summed up in one line.
  const files = plain.split("\n").filter((line) => /^\s+file:\/\/\//.test(line)).length;
  process.stdout.write(`${plain.replace(/^\s+file:\/\/\/.*\n/gm, "")}(${files} files)\n`);
  const warnings = plain.match(/^warning\[[\w-]+\]/gm) ?? [];
  if (warnings.length > 0) {
    process.stderr.write(
      `\ndeno publish --dry-run: ${warnings.length} warning(s): ${[...new Set(warnings)].join(", ")}\n`,
    );
  }
  process.exit(code !== 0 ? code ?? 1 : warnings.length > 0 ? 1 : 0);
});
