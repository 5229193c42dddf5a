/**
 * The built files on the runtime running the tests, as npm and JSR users get them: dist/cli.js holds
 * the library and the CLI, and starts the CLI when it is the program or npm's bin (dist/bin.cjs) loads
 * it; dist/mod.js is the library and never starts it, however it is imported, and so is dist/mod.cjs,
 * what `require("oidc2aws")` loads. Needs dist/ (npm test builds it first).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { VERSION } from "../../mod.ts";
import { run } from "../_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const runtime = deno ? deno.execPath() : process.execPath;
const mod = pathToFileURL(join(root, "dist/mod.js")).href;

/** Runs a script file on this runtime (Deno with -A), in an empty environment but PATH. */
function runScript(file: string, args: string[] = []) {
  const argv = deno ? ["run", "-A", "--quiet", file, ...args] : [file, ...args];
  return run(runtime, argv, { cwd: root, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } });
}

describe("the built files", () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "oidc2aws-dist-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  it("dist/cli.js run as a program is the CLI", async () => {
    const version = await runScript(join(root, "dist/cli.js"), ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    const usage = await runScript(join(root, "dist/cli.js"));
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /credential-process/);
  });

  it("npm's bin, dist/bin.cjs, run through a symlink as npm links it, is the CLI", async () => {
    // Deno (`deno run npm:oidc2aws`) runs the bin by its path in the package, whose extension says
    // CommonJS; through a link without one it would take the file for an ES module.
    let bin = join(root, "dist/bin.cjs");
    if (!deno) await symlink(bin, bin = join(dir, "oidc2aws"));
    const version = await runScript(bin, ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    const usage = await runScript(bin);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /credential-process/);
  });

  it("npm's bin loads the CLI on a Node that cannot require() an ES module (22.0–22.11) too", {
    skip: deno || "Bun" in globalThis ? "Node's flag" : false,
  }, async () => {
    // --no-experimental-require-module gives Node 20.19+ and 22.12+ what 22.0–22.11 do by default.
    const options = { cwd: root, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } };
    const flag = "--no-experimental-require-module";
    const off = await run(runtime, [flag, "-p", "process.features.require_module"], options);
    assert.equal(off.stdout.trim(), "false");
    const version = await run(runtime, [flag, join(root, "dist/bin.cjs"), "--version"], options);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
  });

  it("bundled into a user's program (esbuild, as deploy tooling does), it is the library: no CLI starts", async () => {
    const entry = join(dir, "app.mjs");
    await writeFile(
      entry,
      `import { VERSION, parseConfig } from ${JSON.stringify(join(root, "dist/mod.js"))};\n` +
        `console.log(VERSION, parseConfig("[profile a]\\nregion = eu-west-1\\n").profiles.a.region);\n`,
    );
    const bundle = join(dir, "app.bundle.mjs");
    const built = await run(
      join(root, "node_modules/.bin/esbuild"),
      [entry, "--bundle", "--format=esm", "--platform=node", `--outfile=${bundle}`, "--log-level=warning"],
      { cwd: root },
    );
    assert.equal(built.code, 0, built.stderr);
    // The program's own arguments look like a CLI command: the CLI must not take them.
    const used = await runScript(bundle, ["credential-process"]);
    assert.equal(used.stderr, "", "the CLI printed nothing");
    assert.equal(used.code, 0);
    assert.equal(used.stdout.trim(), `${VERSION} eu-west-1`);
  });

  for (
    const [how, script] of [
      [
        "a static import",
        `import { VERSION, parseConfig } from ${JSON.stringify(mod)};\nreport(VERSION, parseConfig);`,
      ],
      ["a dynamic import", `const m = await import(${JSON.stringify(mod)});\nreport(m.VERSION, m.parseConfig);`],
      [
        "a static import in a module that awaits at top level",
        `import { VERSION, parseConfig } from ${JSON.stringify(mod)};\nawait new Promise((r) => setTimeout(r, 50));\n` +
        `report(VERSION, parseConfig);`,
      ],
    ]
  ) {
    it(`dist/mod.js is the library and never starts the CLI (${how})`, async () => {
      const file = join(dir, `use${how.length}.mjs`);
      await writeFile(
        file,
        `function report(version, parseConfig) {\n` +
          `  console.log(version, parseConfig("[profile a]\\nregion = eu-west-1\\n").profiles.a.region);\n}\n${script}\n`,
      );
      const used = await runScript(file);
      assert.equal(used.stderr, "", "the CLI printed nothing (it would print its usage and exit 2)");
      assert.equal(used.code, 0);
      assert.equal(used.stdout.trim(), `${VERSION} eu-west-1`);
    });
  }

  it("dist/mod.cjs, what require() loads, is the library under mod.js's names and classes, and never starts the CLI", async () => {
    const file = join(dir, "use.cjs");
    await writeFile(
      file,
      `const library = require(${JSON.stringify(join(root, "dist/mod.cjs"))});\n` +
        `let err;\ntry {\n  library.parseConfig("region = eu-west-1\\n");\n} catch (thrown) {\n  err = thrown;\n}\n` +
        `import(${JSON.stringify(mod)}).then((esm) => console.log(JSON.stringify({\n` +
        `  names: Object.keys(library).sort(),\n` +
        `  same: Object.keys(esm).filter((name) => esm[name] !== library[name]),\n` +
        `  instance: err instanceof esm.ConfigSyntaxError,\n` +
        `})));\n`,
    );
    // The program's own arguments look like a CLI command: the CLI must not take them.
    const used = await runScript(file, ["credential-process"]);
    assert.equal(used.stderr, "", "the CLI printed nothing (it would print its usage and exit 2)");
    assert.equal(used.code, 0);
    assert.deepEqual(JSON.parse(used.stdout), {
      names: Object.keys(await import("../../mod.ts")).sort(),
      same: [],
      instance: true,
    });
  });

  it("every built file is marked for Bun as finished JavaScript, where Bun looks for the mark", async () => {
    // Bun runs a file whose first line (after a `#!` line) is `// @bun` as it stands; any other file
    // goes through its transpiler, which costs a fresh CI job ~17 ms (scripts/build.mjs).
    for (const file of ["cli.js", "rare.js", "mod.js"]) {
      const text = await readFile(join(root, "dist", file), "utf8");
      assert.match(text, /^(?:#![^\n]*\n)?\/\/ @bun\n/, `dist/${file}`);
    }
  });

  it("dist/mod.js exports exactly mod.ts's names", async () => {
    const built = Object.keys(await import(mod)).sort();
    const source = Object.keys(await import("../../mod.ts")).sort();
    assert.deepEqual(built, source);
  });

  it("what a credential run never runs is in dist/rare.js, which takes cli.js's classes (every run parses less)", async () => {
    const cli = await readFile(join(root, "dist/cli.js"), "utf8");
    const rare = await readFile(join(root, "dist/rare.js"), "utf8");
    // The trust-policy evaluator (doctor), the SigV4 signer (role chaining), the CONNECT tunnel (proxies).
    for (const code of [/StringEqualsIgnoreCase/, /AWS4-HMAC-SHA256/, /"CONNECT"/]) {
      assert.doesNotMatch(cli, code, "not in cli.js");
      assert.match(rare, code, "in rare.js");
    }
    assert.match(cli, /import\("\.\/rare\.js"\)/, "cli.js loads rare.js when a run needs it");
    assert.doesNotMatch(cli, /(?:^|;)import[^(]*"\.\/rare\.js"/m, "and only then (no static import)");
    assert.match(rare, /import\{__oidc2awsShared as \w+\}from"\.\/cli\.js";/, "rare.js takes the library from cli.js");
    assert.doesNotMatch(
      rare,
      /"(?:Oidc2AwsError|ConfigError|TokenError|StsError)"/,
      "and no copy of its error classes",
    );
  });
});
