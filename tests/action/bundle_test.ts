/**
 * The action as a repository holds it at a tag: action.yml runs action/index.js on node24 with no
 * install and no build, so that file must be a fresh build of the sources, load nothing but Node's
 * own modules, start on Node 20 and 24, and action.yml must declare exactly the inputs the code reads.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { INPUTS } from "../../action/inputs.ts";
import { VERSION } from "../../lib/version.ts";
import { ACTION_SKIP, ENTRY, nodeBinaries, ROOT, spawnNode } from "./_action.ts";

const binaries = await nodeBinaries();

describe("GitHub Action: action.yml and action/index.js", { skip: ACTION_SKIP }, () => {
  it("action/index.js is what scripts/build_action.mjs builds from the sources now (run npm run build and commit it)", async () => {
    const fresh = await spawnNode("node", [join(ROOT, "scripts/build_action.mjs"), "--stdout"], {
      PATH: process.env.PATH ?? "",
    }, ROOT);
    assert.equal(fresh.code, 0, fresh.stderr);
    const committed = await readFile(ENTRY, "utf8");
    assert.ok(committed === fresh.stdout, "action/index.js differs from a fresh build: run npm run build, commit it");
  });

  it("action.yml runs action/index.js on node24 and declares exactly the inputs the action reads", async () => {
    const manifest = parse(await readFile(join(ROOT, "action.yml"), "utf8"));
    assert.deepEqual(manifest.runs, { using: "node24", main: "action/index.js" });
    assert.deepEqual(Object.keys(manifest.inputs), Object.keys(INPUTS));
    for (const [name, input] of Object.entries(manifest.inputs as Record<string, Record<string, unknown>>)) {
      assert.equal(input.required, false, name);
      assert.equal(input.default, undefined, `${name}: defaults are the code's, so that a given input is told apart`);
    }
  });

  it("action/index.js imports only Node's own modules: main loads one file", async () => {
    const text = await readFile(ENTRY, "utf8");
    const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["']([^"']+)["']/g)].map((m) =>
      m[1]
    );
    assert.ok(specifiers.length > 0);
    assert.deepEqual(specifiers.filter((s) => !s.startsWith("node:")), []);
  });

  for (const node of binaries) {
    it(`starts on ${node.label}: with arguments it is the CLI`, async () => {
      const run = await spawnNode(node.path, [ENTRY, "--version"], { PATH: process.env.PATH ?? "" }, ROOT);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${VERSION}\n`);
    });
  }

  it("without GITHUB_ENV (not in a job) it fails with one ::error:: line saying so", async () => {
    const run = await spawnNode("node", [ENTRY], {
      PATH: process.env.PATH ?? "",
      "INPUT_ROLE-TO-ASSUME": "arn:aws:iam::123456789012:role/x",
      "INPUT_WEB-IDENTITY-TOKEN-FILE": "/nonexistent/token",
    }, ROOT);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^::error::ERR_USAGE: \$GITHUB_ENV or \$GITHUB_OUTPUT is not set: this action runs as a step of/,
    );
    assert.equal(run.stdout.split("\n").length, 2, "one line");
  });
});
