#!/usr/bin/env node
// The GitHub Action's one file, action/index.js, committed so that a job runs it as it is (no install,
// no build): the action (action/main.ts) with the library and the CLI it runs for credential_process.
// One minified ES module (the repository's package.json says "type": "module"), for Node 20 and later
// (action.yml runs it on node24). The diagnostic commands (doctor, trust-policy) are left out: a job
// runs them with npx oidc2aws. esbuild's output is the same for the same sources and esbuild version
// (the lockfile's), so tests/action/bundle_test.ts checks that the committed file is a fresh build.
//   node scripts/build_action.mjs            writes action/index.js
//   node scripts/build_action.mjs --stdout   prints the fresh build instead (what the test compares)
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_OPTIONS, minifyBundle } from "./minify.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

// What the action's copy of the CLI does without, each replaced by a few lines: the diagnostic commands
// and the help text (npx oidc2aws has them), and the Deno and Bun adapters (the action runs on Node).
const LEFT_OUT = {
  "cli/commands/doctor.ts": diagnostic("doctor"),
  "cli/commands/trust_policy.ts": diagnostic("trust-policy"),
  "cli/help.ts":
    `export const HELP = "This is the oidc2aws GitHub Action's copy of the CLI, for credential_process: run npx oidc2aws --help for its commands\\n";`,
  "lib/_runtime/deno.ts": `export function denoRuntime() { throw new Error("The GitHub Action runs on Node"); }`,
  "lib/_runtime/bun.ts": `export function bunRuntime() { throw new Error("The GitHub Action runs on Node"); }`,
};

function diagnostic(command) {
  return `import { CliError } from "./lib/errors.ts";
export function run() {
  throw new CliError("ERR_USAGE", "${command} is not in the GitHub Action's file: run npx oidc2aws ${command} in a step");
}`;
}

const leaveOut = {
  name: "leave-out",
  setup(b) {
    b.onResolve({ filter: /^\.\/(?:commands\/(?:doctor|trust_policy)|help|deno|bun)\.ts$/ }, (args) => {
      const path = relative(root, join(args.resolveDir, args.path)).replaceAll("\\", "/");
      return Object.hasOwn(LEFT_OUT, path) ? { path, namespace: "left-out" } : undefined;
    });
    b.onLoad(
      { filter: /.*/, namespace: "left-out" },
      (args) => ({ contents: LEFT_OUT[args.path], loader: "ts", resolveDir: root }),
    );
  },
};

/** The bundle's text: action/main.ts started with the URL of the file it is in. */
export async function buildAction() {
  const result = await build({
    stdin: {
      contents: [
        `import { main } from "./action/main.ts";`,
        `await main(import.meta.url);`,
      ].join("\n"),
      resolveDir: root,
      sourcefile: "action.ts",
      loader: "ts",
    },
    ...BUNDLE_OPTIONS,
    legalComments: "none",
    write: false,
    outfile: join(root, "action/index.js"),
    banner: { js: "// oidc2aws GitHub Action: built from action/main.ts by scripts/build_action.mjs. Do not edit." },
    plugins: [leaveOut],
  });
  return await minifyBundle(result.outputFiles[0].text);
}

/** Builds action/index.js (scripts/build.mjs calls this last). */
export async function writeAction() {
  writeFileSync(join(root, "action/index.js"), await buildAction());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--stdout")) process.stdout.write(await buildAction());
  else await writeAction();
}
