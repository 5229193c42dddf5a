#!/usr/bin/env node
// `npm run build`: dist/, what npm ships and what JSR's exports point at (deno.json).
// - dist/oidc2aws.js: the whole of oidc2aws in one minified file, the library and the CLI. It is
//   every entry: the library's (`import "oidc2aws"`), the CLI's (the npm bin, `deno run jsr:…/cli`),
//   and it starts the CLI only when the runtime started it as the program (isProgram in
//   lib/_runtime/mod.ts). One file, because a cold start pays for every module it loads: Bun ~5 ms
//   for its first import of another file (its entry file is loaded on a fast path), Node 20 ~0.5 ms
//   a file, Deno a module lookup each (bench/RESULTS.md). A module imported lazily (a token source, a
//   command, the runtime adapter) is inlined and evaluated on first use only.
// - Types: tsc emits dist/*.d.ts with their JSDoc (tsconfig.types.json): mod.d.ts for the library,
//   cli.d.ts for the CLI entry; declarations that no public one refers to (a token source's module,
//   a runtime adapter's) are removed.
// - JSR: the file names mod.ts as its types (`@ts-self-types`), so Deno users run the bundle and
//   type-check against, and read the docs of, the sources.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.types.json"], {
  stdio: "inherit",
  cwd: root,
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
pruneDeclarations(["mod.d.ts", "cli.d.ts"]);

await build({
  stdin: {
    contents: [
      `export * from "./mod.ts";`,
      `import { isProgram } from "./lib/_runtime/mod.ts";`,
      `if (isProgram(import.meta)) import("./cli.ts");`,
    ].join("\n"),
    resolveDir: root,
    sourcefile: "oidc2aws.ts",
    loader: "ts",
  },
  outfile: join(dist, "oidc2aws.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["node:*"],
  target: "es2022",
  minify: true,
  banner: { js: `#!/usr/bin/env node\n/* @ts-self-types="../mod.ts" */` },
  logLevel: "warning",
});

/** Deletes the .d.ts files that the given ones do not reach through their imports. */
function pruneDeclarations(entries) {
  const reached = new Set();
  const visit = (file) => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(/(?:from\s*|import\()\s*"(\.[^"]+)"/g)) {
      const target = resolve(dirname(file), spec.replace(/\.ts$/, ".d.ts"));
      if (existsSync(target)) visit(target);
    }
  };
  for (const entry of entries) visit(join(dist, entry));
  for (const file of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    const path = join(file.parentPath, file.name);
    if (file.isFile() && path.endsWith(".d.ts") && !reached.has(path)) rmSync(path);
  }
}
