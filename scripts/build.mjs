#!/usr/bin/env node
// `npm run build`: dist/, what npm ships and what JSR's exports point at (deno.json).
// - dist/cli.js: the whole of oidc2aws in one minified file, the library and the CLI, which runs the
//   CLI unless dist/mod.js imported it. One file, because each cold start pays for every module it
//   loads: Bun ~5 ms for its first import of another file (its entry file is loaded on a fast path),
//   Node 20 ~0.5 ms a file, Deno a module lookup each (bench/RESULTS.md). A module imported lazily (a
//   token source, a command, the runtime adapter) is inlined and evaluated on first use only.
// - dist/mod.js: the library's public API, taken from cli.js without running the CLI. Every line of
//   code is in the package once.
// - Types: tsc emits dist/*.d.ts with their JSDoc (tsconfig.types.json); declarations that no public
//   one refers to (a token source's module, a runtime adapter's) are removed.
// - JSR: each JavaScript entry names its TypeScript source as its types (`@ts-self-types`), so Deno
//   users run the bundle and type-check against, and read the docs of, the sources.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
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
// before the microtask that would start the CLI (no module here awaits at top level).
const LIBRARY_MARK = "__oidc2awsAsLibrary";
// The rarely used commands, diagnostics that no credential step runs, are files of their own
// (dist/doctor.js, dist/trust_policy.js): parsing them would cost every run (~3% of a Node cold start
// for ~20 kB). They take the library's code from cli.js, through the names cli/_shared.ts exports.
const RARE = ["doctor", "trust_policy"];
const SHARED = "__oidc2awsShared";
const rareExternal = {
  name: "rare-commands",
  setup(b) {
    b.onResolve(
      { filter: /^\.\/commands\/(?:doctor|trust_policy)\.ts$/ },
      (args) =>
        args.kind === "dynamic-import" ? { path: `./${basename(args.path, ".ts")}.js`, external: true } : undefined,
    );
  },
};
await build({
  stdin: {
    contents: [
      `export * from "./mod.ts";`,
      `export * as ${SHARED} from "./cli/_shared.ts";`,
      `let library = false;`,
      `export function ${LIBRARY_MARK}() { library = true; }`,
      `Promise.resolve().then(() => library || import("./cli.ts"));`,
    ].join("\n"),
    resolveDir: root,
    sourcefile: "bundle.ts",
    loader: "ts",
  },
  outfile: join(dist, "cli.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["node:*"],
  target: "es2022",
  minify: true,
  banner: { js: `#!/usr/bin/env node\n/* @ts-self-types="../cli.ts" */` },
  plugins: [rareExternal],
  logLevel: "warning",
});

// The rare commands' files: their own code and cli/policy/, and the shared names from ./cli.js. Any
// other import of the library's code fails the build (it would be a second copy).
const sharedPath = join(root, "cli/_shared.ts");
const sharedNames = Object.values(
  (await build({
    entryPoints: [sharedPath],
    bundle: true,
    format: "esm",
    platform: "neutral",
    external: ["node:*"],
    write: false,
    metafile: true,
    outdir: dist,
    logLevel: "warning",
  })).metafile.outputs,
)[0].exports;
const sharedFiles = new Set(
  [...readFileSync(sharedPath, "utf8").matchAll(/from "\.\.\/(lib\/[\w.]+)"/g)].map((m) => join(root, m[1])),
);
for (const name of RARE) {
  await build({
    entryPoints: [join(root, `cli/commands/${name}.ts`)],
    outfile: join(dist, `${name}.js`),
    bundle: true,
    format: "esm",
    platform: "neutral",
    external: ["node:*", "./cli.js"],
    target: "es2022",
    minify: true,
    logLevel: "warning",
    plugins: [{
      name: "shared-from-cli",
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.kind === "entry-point") return undefined;
          if (args.namespace === "oidc2aws-cli") return { path: args.path, external: true };
          const path = resolve(args.resolveDir, args.path);
          if (sharedFiles.has(path)) return { path: "shared", namespace: "oidc2aws-cli" };
          if (path.startsWith(join(root, "cli/policy/"))) return undefined;
          return { errors: [{ text: `${args.path} (from ${args.importer}) is not in cli/_shared.ts` }] };
        });
        b.onLoad({ filter: /.*/, namespace: "oidc2aws-cli" }, () => ({
          contents: `import { ${SHARED} } from "./cli.js";\nexport const { ${sharedNames.join(", ")} } = ${SHARED};\n`,
          loader: "js",
          resolveDir: dist,
        }));
      },
    }],
  });
}

// Every import() names its module by a string literal: a user's bundler can follow only those (webpack
// warns "Critical dependency" of a computed one and its bundle then fails: Cannot find module
// 'node:child_process'). tests/contracts/bundlers_test.ts bundles the package with each bundler.
for (const file of ["cli.js", ...RARE.map((name) => `${name}.js`)]) {
  const computed = readFileSync(join(dist, file), "utf8").match(/.{0,40}\bimport\((?!")[^)]{0,40}/);
  if (computed) {
    throw new Error(`dist/${file} imports a computed module name (bundlers cannot follow it): ${computed[0]}`);
  }
}

writeFileSync(
  join(dist, "mod.js"),
  [
    `/* @ts-self-types="../mod.ts" */`,
    `import { ${LIBRARY_MARK} } from "./cli.js";`,
    `${LIBRARY_MARK}();`,
    `export { ${publicNames.join(", ")} } from "./cli.js";`,
    "",
  ].join("\n"),
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
await (await import("./build_action.mjs")).writeAction(); // action/index.js, the GitHub Action (committed)
