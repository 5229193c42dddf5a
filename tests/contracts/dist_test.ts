/**
 * The built file on the runtime running the tests, as npm and JSR users get it: dist/oidc2aws.js is
 * the library and the CLI, and starts the CLI only when the runtime started it as the program (the
 * npm bin, `deno run jsr:…/cli`), never when it is imported. Needs dist/ (npm test builds it first).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { VERSION } from "../../mod.ts";
import { run } from "../_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const runtime = deno ? deno.execPath() : process.execPath;
const built = join(root, "dist/oidc2aws.js");
const builtUrl = pathToFileURL(built).href;

/** Runs a script file on this runtime (Deno with -A), in an empty environment but PATH. */
function runScript(file: string, args: string[] = []) {
  const argv = deno ? ["run", "-A", "--quiet", file, ...args] : [file, ...args];
  return run(runtime, argv, { cwd: root, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } });
}

describe("the built file", () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), "oidc2aws-dist-"))));
  after(() => rm(dir, { recursive: true, force: true }));

  it("run as a program, it is the CLI", async () => {
    const version = await runScript(built, ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    const usage = await runScript(built);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /credential-process/);
  });

  it("run through a symlink, as an npm bin runs it, it is the CLI", async () => {
    const bin = join(dir, "oidc2aws");
    await symlink(built, bin);
    const version = await runScript(bin, ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
  });

  for (
    const [how, script] of [
      [
        "a static import",
        `import { VERSION, parseConfig } from ${JSON.stringify(builtUrl)};\nreport(VERSION, parseConfig);`,
      ],
      ["a dynamic import", `const m = await import(${JSON.stringify(builtUrl)});\nreport(m.VERSION, m.parseConfig);`],
      [
        "a static import in a module that awaits at top level",
        `import { VERSION, parseConfig } from ${JSON.stringify(builtUrl)};\n` +
        `await new Promise((r) => setTimeout(r, 50));\nreport(VERSION, parseConfig);`,
      ],
    ]
  ) {
    it(`imported, it is the library and never starts the CLI (${how})`, async () => {
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

  it("exports exactly mod.ts's names", async () => {
    const exported = Object.keys(await import(builtUrl)).sort();
    const source = Object.keys(await import("../../mod.ts")).sort();
    assert.deepEqual(exported, source);
  });
});
