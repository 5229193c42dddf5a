#!/usr/bin/env node
// `npm run build`: dist/, what npm ships and what JSR's exports point at (deno.json).
// - dist/cli.js: oidc2aws in one minified file, the library and the CLI, which runs the CLI unless
//   dist/mod.js imported it. One file for the common run, because each cold start pays for every
//   module it loads: Bun ~5 ms for its first import of another file (its entry file is loaded on a
//   fast path), Node 20 ~0.5 ms a file, Deno a module lookup each (bench/RESULTS.md). A module
//   imported lazily (the runtime adapter, GitHub's token source, credential-process) is inlined and
//   evaluated on first use only.
// - dist/rare.js: what that run never needs (see RARE below), loaded on first use.
// - dist/bin.cjs: npm's bin, a CommonJS file that loads cli.js (see its comment below).
// - dist/mod.cjs: the library for `require("oidc2aws")`, CommonJS that takes it from cli.js (see below).
// - dist/mod.js: the library's public API, taken from cli.js without running the CLI. Every line of
//   code is in the package once.
// - Types: tsc emits dist/*.d.ts with their JSDoc (tsconfig.types.json); declarations that no public
//   one refers to (a token source's module, a runtime adapter's) are removed.
// - JSR: each JavaScript entry names its TypeScript source as its types (`@ts-self-types`), so Deno
//   users run the bundle and type-check against, and read the docs of, the sources.
// - Bun: each file starts with the `// @bun` pragma (after cli.js's `#!` line, the only place Bun
//   looks for it): it is finished JavaScript, which Bun then runs as it stands instead of passing it
//   through its transpiler. Bun caches what it transpiles from a file over 50 kB in
//   ~/.bun/install/cache, which a fresh CI job does not have: without the pragma the first
//   credential-process of a job cost Bun ~17 ms more (91 vs 74 ms, floor 47, round-robin, medians
//   of 30); with a warm cache the two are the same. Node and Deno read it as a comment.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_OPTIONS, minifyBundle } from "./minify.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.types.json"], {
  stdio: "inherit",
  cwd: root,
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
pruneDeclarations(["mod.d.ts", "cli.d.ts"]);

// The public API: the names mod.ts exports.
const api = await build({
  entryPoints: [join(root, "mod.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["node:*"],
  write: false,
  metafile: true,
  outdir: dist,
  logLevel: "warning",
});
const publicNames = Object.values(api.metafile.outputs)[0].exports.sort();

// dist/cli.js. Run as a program, it imports cli.ts, which starts the CLI; imported by dist/mod.js, it
// does not: mod.js calls asLibrary() as it is evaluated, which is after this file's evaluation and
// before the microtask that would start the CLI (cli.js awaits nothing at its top level: its shims
// for rare.js below await only when a run loads them).
const LIBRARY_MARK = "__oidc2awsAsLibrary";
// What the common run (a token from the CI, one role, the credentials printed) never runs is in one
// file of its own, dist/rare.js, imported on first use where the source imports a module lazily
// (`import()`): the other commands, help, --debug, the cache, role chaining (its profiles and its signer), proxies
// and CA bundles, token commands, and every token source but GitHub's. cli.js is 28% smaller for it
// (114 → 82 kB), which a cold start pays for in compiling it (Node 20: `import` of the library
// ~1 ms less in-process). One file, not one per module: Deno reads every file a module may import()
// at every start (22 files cost its CLI ~14 ms of CPU; one costs what doctor.js and trust_policy.js
// did). rare.js takes the code it shares with cli.js from cli.js (the modules of __oidc2awsShared),
// so every line is in the package once, and every class once (`instanceof` holds).
const RARE = [
  "lib/_chain.ts",
  "lib/_profile_chain.ts",
  "lib/_runtime/network.ts",
  "lib/_runtime/run_command.ts",
  ...["gitlab", "buildkite", "circleci", "bitbucket", "azure_devops", "terraform", "spacelift", "file"]
    .map((name) => `lib/sources/${name}.ts`),
  ...["google_cloud", "env", "process"].map((name) => `lib/sources/${name}.ts`),
  ...["env", "github_env", "exec", "whoami", "doctor", "trust_policy"].map((name) => `cli/commands/${name}.ts`),
  "cli/help.ts",
  "cli/debug.ts",
  "cli/cache.ts",
];
/** The first line of every built file, after cli.js's `#!` line (see the top of this file). */
const BUN_PRAGMA = "// @bun";
/** rare.js's export of a module: its path as a name. */
const rareName = (path) => path.replace(/\W/g, "_");
const SHARED = "__oidc2awsShared";
const common = { ...BUNDLE_OPTIONS, metafile: true, absWorkingDir: root };
const exportsOf = await moduleExports();
// A rare module whose names no other rare module exports is imported as rare.js itself, which
// exports its names (no glue in cli.js); the others (each command's `run`) under a name of their own.
const rareNames = RARE.flatMap((path) => exportsOf.get(join(root, path)));
const FLAT = new Set(
  RARE.map((path) => join(root, path)).filter((path) =>
    exportsOf.get(path).every((name) => rareNames.indexOf(name) === rareNames.lastIndexOf(name))
  ),
);
/** The source file of a relative import (`undefined` for a package or a built-in). */
const sourceOf = (args) => args.path.startsWith(".") ? resolve(args.resolveDir, args.path) : undefined;
/** cli.js: its lazy imports of the rare modules load them from rare.js. */
const mainBuild = (shared) =>
  build({
    ...common,
    stdin: {
      contents: [
        `export * from "./mod.ts";`,
        `let library = false;`,
        `export function ${LIBRARY_MARK}() { library = true; }`,
        `export const ${SHARED} = {`,
        ...shared.map((path) => `  ${JSON.stringify(path)}: () => require(${JSON.stringify(`./${path}`)}),`),
        `};`,
        `Promise.resolve().then(() => library || import("./cli.ts"));`,
      ].join("\n"),
      resolveDir: root,
      sourcefile: "bundle.ts",
      loader: "ts",
    },
    outfile: join(dist, "cli.js"),
    external: [...common.external, "./rare.js"],
    banner: { js: `#!/usr/bin/env node\n${BUN_PRAGMA}\n/* @ts-self-types="../cli.ts" */` },
    plugins: [{
      name: "rare-from-rare-js",
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          const path = sourceOf(args);
          if (!RARE.includes(relative(root, path))) return undefined;
          if (args.kind !== "dynamic-import") {
            return {
              errors: [{ text: `${args.path} (from ${args.importer}) is in rare.js: import it with import()` }],
            };
          }
          return FLAT.has(path) ? { path: "./rare.js", external: true } : { path, namespace: "oidc2aws-rare" };
        });
        // A module whose names clash with another rare module's (each command's `run`) is reached
        // through a `run` that loads rare.js when called: no top-level await, which a bundler's
        // CommonJS output cannot hold. Importing any other name of it fails this build.
        b.onLoad({ filter: /.*/, namespace: "oidc2aws-rare" }, (args) => ({
          contents: `export function run(...args) {\n` +
            `  return import("./rare.js").then((m) => m.${rareName(relative(root, args.path))}.run(...args));\n}\n`,
          loader: "js",
          resolveDir: dist,
        }));
      },
    }],
  });
// First cli.js alone, for the modules it holds; then rare.js, taking those modules from it; then
// cli.js again, exporting the modules rare.js takes.
// rare.js takes these from cli.js through __oidc2awsShared, a function per module that evaluates it
// (esbuild bundles a `require` of an ES module as a synchronous call to its lazy initializer) and
// returns its exports, called as rare.js is evaluated. So cli.js evaluates no module for rare.js as
// it loads: an `import` of the library leaves the CLI's modules alone (a static `import * as` of
// them cost `await import("oidc2aws")` 0.4 ms more on Node and Deno, 0.8–1.3 ms on Bun, timed inside
// fresh processes, round-robin, medians of 30). No top-level await anywhere, which a bundler's
// CommonJS output could not hold.
const inMain = new Set(Object.keys((await mainBuild([])).metafile.inputs).map((input) => join(root, input)));
const taken = new Set();
const rare = await build({
  ...common,
  stdin: {
    contents: RARE.map((path) =>
      FLAT.has(join(root, path))
        ? `export * from ${JSON.stringify(`./${path}`)};`
        : `export * as ${rareName(path)} from ${JSON.stringify(`./${path}`)};`
    ).join("\n"),
    resolveDir: root,
    sourcefile: "rare.ts",
    loader: "ts",
  },
  outfile: join(dist, "rare.js"),
  banner: { js: BUN_PRAGMA },
  external: [...common.external, "./cli.js"],
  plugins: [{
    name: "shared-from-cli",
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.namespace === "oidc2aws-cli") return { path: args.path, external: true };
        const path = sourceOf(args);
        if (!inMain.has(path)) return undefined;
        taken.add(path);
        return { path, namespace: "oidc2aws-cli" };
      });
      b.onLoad({ filter: /.*/, namespace: "oidc2aws-cli" }, (args) => ({
        contents: `import { ${SHARED} } from "./cli.js";\n` +
          `export const { ${exportsOf.get(args.path).join(", ")} } = ${SHARED}[${
            JSON.stringify(relative(root, args.path))
          }]();\n`,
        loader: "js",
        resolveDir: dist,
      }));
    },
  }],
});
const main = await mainBuild([...taken].map((path) => relative(root, path)).sort());
checkOnce([main.metafile, rare.metafile]);

for (const file of ["cli.js", "rare.js"]) {
  writeFileSync(join(dist, file), await minifyBundle(readFileSync(join(dist, file), "utf8")));
}

// Every import() names its module by a string literal: a user's bundler can follow only those (webpack
// warns "Critical dependency" of a computed one and its bundle then fails: Cannot find module
// 'node:child_process'). tests/contracts/bundlers_test.ts bundles the package with each bundler.
for (const file of ["cli.js", "rare.js"]) {
  const computed = readFileSync(join(dist, file), "utf8").match(/.{0,40}\bimport\((?!")[^)]{0,40}/);
  if (computed) {
    throw new Error(`dist/${file} imports a computed module name (bundlers cannot follow it): ${computed[0]}`);
  }
}

writeFileSync(
  join(dist, "mod.js"),
  [
    BUN_PRAGMA,
    `/* @ts-self-types="../mod.ts" */`,
    `import { ${LIBRARY_MARK} } from "./cli.js";`,
    `${LIBRARY_MARK}();`,
    `export { ${publicNames.join(", ")} } from "./cli.js";`,
    "",
  ].join("\n"),
);

// dist/bin.cjs, npm's bin (what `npx oidc2aws` and a `credential_process` line run): CommonJS, which
// loads dist/cli.js with require() where the runtime can require an ES module (Node 20.19+ and 22.12+,
// Bun, Deno), else with import(). Node 20 starts a CommonJS entry ~14 ms sooner than an ES module one
// (empty files), and one that require()s an ES module ~11 ms sooner: the CLI 7–12 ms sooner on Node 20,
// ~3 ms on Node 22, the same on Node 24 and Bun (round-robin, medians of 40–80; docs/speed.md). Deno
// runs it through its Node compatibility layer (`deno run npm:oidc2aws`): Deno's way is JSR's ./cli.
writeFileSync(
  join(dist, "bin.cjs"),
  [
    "#!/usr/bin/env node",
    `"use strict";`,
    "// oidc2aws's CLI (dist/cli.js), through a CommonJS entry: the faster start on Node 20 and 22.",
    `if (process.features.require_module) require("./cli.js");`,
    `else import("./cli.js");`,
    "",
  ].join("\n"),
  { mode: 0o755 },
);

// dist/mod.cjs, what `require("oidc2aws")` loads (package.json's "require" condition): the library in
// dist/cli.js, marked as one before the CLI would start, under mod.ts's names. A require() of dist/mod.js
// loads two ES modules through Node's ES module loader, of this file one: `require("oidc2aws")` then
// resolveProfile + assumeRole run 4.5 ms sooner on Node 20, 2.7 on Node 22, 5.4 on Node 24 and 1.3 on Bun
// (fresh processes, round-robin, medians of 40–60). The same classes as dist/mod.js's (`instanceof`
// holds across the two); no `// @bun` mark, which on a CommonJS file asks for Bun's own wrapper.
writeFileSync(
  join(dist, "mod.cjs"),
  [
    `"use strict";`,
    "// oidc2aws's library for require(): dist/cli.js, marked as a library before its CLI would start.",
    `const library = require("./cli.js");`,
    `library.${LIBRARY_MARK}();`,
    `module.exports = {`,
    ...publicNames.map((name) => `  ${name}: library.${name},`),
    `};`,
    "",
  ].join("\n"),
);
// Its types, as CommonJS declarations (a `.d.cts`) for TypeScript's require() resolution: mod.d.ts's.
writeFileSync(
  join(dist, "mod.d.cts"),
  `// The types of dist/mod.cjs, what require("oidc2aws") loads: the library's, as dist/mod.d.ts declares them.\n` +
    `export * from "./mod.js";\n`,
);

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
/** The names each module of lib/ and cli/ exports (types left out), by path. */
async function moduleExports() {
  const paths = ["lib", "cli"].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true }).filter((file) => file.endsWith(".ts")).map((file) =>
      join(root, dir, file)
    )
  );
  const built = await build({
    entryPoints: paths,
    format: "esm",
    platform: "neutral",
    write: false,
    metafile: true,
    outdir: join(root, "exports"),
    outbase: root,
    absWorkingDir: root,
    logLevel: "warning",
  });
  return new Map(
    Object.values(built.metafile.outputs).filter((o) => o.entryPoint).map((o) => [join(root, o.entryPoint), o.exports]),
  );
}

/** Fails the build if a module's code is in two built files (a second copy, and a second class). */
function checkOnce(metafiles) {
  const where = new Map();
  for (const metafile of metafiles) {
    for (const [file, output] of Object.entries(metafile.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        // A few bytes (a shared constant) are not a copy of the code.
        if (bytesInOutput < 100 || !input.endsWith(".ts") || input.includes(":")) continue;
        if (where.has(input)) {
          console.error(`build: ${input} is in both ${where.get(input)} and ${file}: make it a chunk of its own`);
          process.exit(1);
        }
        where.set(input, file);
      }
    }
  }
}

await (await import("./build_action.mjs")).writeAction(); // action/index.js, the GitHub Action (committed)
