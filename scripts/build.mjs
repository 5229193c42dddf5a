#!/usr/bin/env node
// `npm run build`: the npm build in dist/.
// - JavaScript: esbuild bundles mod.ts and cli.ts (one file each), because Node 20's ES module
//   loader costs ~0.5 ms per file and a CI step pays it on every cold start (bench/RESULTS.md).
//   Not minified, so stack traces and node_modules stay readable.
// - Types: tsc emits dist/*.d.ts with their JSDoc (tsconfig.types.json).
// Deno and JSR use the .ts sources directly.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [
  new URL("../node_modules/typescript/bin/tsc", import.meta.url).pathname,
  "-p",
  "tsconfig.types.json",
], {
  stdio: "inherit",
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// One self-contained bundle per entry: a lazily imported module (a command, a token source, the
// runtime adapter) is inlined and evaluated on first use, instead of a chunk file loaded then.
for (const entry of ["mod.ts", "cli.ts"]) {
  await build({
    entryPoints: [entry],
    outdir: "dist",
    bundle: true,
    format: "esm",
    platform: "neutral",
    external: ["node:*"],
    target: "es2022",
    logLevel: "warning",
  });
}
