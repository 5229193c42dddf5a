#!/usr/bin/env node
// `npm test`: build, type checks, lint and format checks, then the whole suite under Deno, Bun and
// Node 20. Node runs last, so its summary closes the output. Exits non-zero if any step fails.
// A failing test is a failure: nothing is run again (a test that passes on a re-run is a defect to
// fix, not to hide). The failing tests are listed by name at the very end.
// `npm test -- --only=deno,bun` runs a subset of runtimes; `--skip-checks` skips the static checks.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const skipChecks = args.includes("--skip-checks");
const filter = args.filter((a) => !a.startsWith("--"));
const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const tests = filter.length
  ? filter
  : readdirSync("tests", { recursive: true }).filter((f) => f.endsWith("_test.ts")).sort().map((f) => `tests/${f}`);

/** Runs a command, streaming its output; resolves { code, output }. */
function run(label, command, argv, options = {}) {
  return new Promise((resolve) => {
    process.stdout.write(`\n── ${label}\n`);
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    let output = "";
    const forward = (stream) => (chunk) => {
      output += chunk;
      if (!options.quiet) stream.write(chunk);
    };
    child.stdout.on("data", forward(process.stdout));
    child.stderr.on("data", forward(process.stderr));
    child.on("close", (code) => {
      if (options.quiet && code !== 0) process.stdout.write(output);
      resolve({ code: code ?? 1, output });
    });
  });
}

const ESC = String.fromCharCode(27);
const strip = (text) => text.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");
const failures = [];
const summaries = [];
/** The failing tests' names, per runtime, printed again at the very end (CI shows only the tail). */
const failedTests = [];

if (!skipChecks) {
  // The package as npm would publish it, packed once (after the build) for publint and attw.
  const tarball = `.cache/pack/oidc2aws-${JSON.parse(readFileSync("package.json", "utf8")).version}.tgz`;
  mkdirSync(".cache/pack", { recursive: true });
  rmSync(tarball, { force: true });
  // JSR's public entries: what deno.json exports (each built file takes its docs from its source).
  const jsrEntries = Object.values(JSON.parse(readFileSync("deno.json", "utf8")).exports);
  const checks = [
    ["build (tsc → dist/)", "npm", ["run", "build", "--silent"]],
    ["type check lib/ with no runtime types", bin("tsc"), ["-p", "tsconfig.json"]],
    ["type check tests, CLI, emulator, bench", bin("tsc"), ["-p", "tsconfig.test.json"]],
    ["deno check", bin("deno"), ["check", "--quiet", "mod.ts", "cli.ts", ...tests]],
    ["JSDoc examples (deno test --doc)", bin("deno"), ["test", "--doc", "--quiet", "mod.ts", "lib/", "cli/"]],
    ["docs: README and docs/ code blocks type-checked, links resolved", process.execPath, ["scripts/check_docs.mjs"]],
    ["deno lint", bin("deno"), ["lint", "--quiet"]],
    ["deno fmt --check", bin("deno"), ["fmt", "--check", "--quiet"]],
    ["npm pack → .cache/pack/", "npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", ".cache/pack"]],
    ["publint --strict (the packed tarball)", bin("publint"), ["run", "--strict", tarball]],
    ["attw --profile esm-only (the packed tarball)", bin("attw"), [tarball, "--profile", "esm-only"]],
    ["deno doc --lint (JSR's entries)", bin("deno"), ["doc", "--lint", ...jsrEntries]],
    ["deno publish --dry-run (JSR)", process.execPath, ["scripts/jsr_dry_run.mjs"]],
  ];
  for (const [label, command, argv] of checks) {
    const { code } = await run(label, command, argv);
    if (code !== 0) failures.push(label);
  }
} else {
  const { code } = await run("build (tsc → dist/)", "npm", ["run", "build", "--silent"]);
  if (code !== 0) failures.push("build");
}

const runtimes = {
  deno: {
    argv: [bin("deno"), ["test", "-A", "--quiet", ...tests]],
    count: (out) => {
      const m = /(\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed/.exec(out);
      return m && { passed: Number(m[1]) + Number(m[2] ?? 0), failed: Number(m[3]) };
    },
    // Deno's closing "FAILURES" section: one "name => file:line:col" per failed test.
    failed: (out) => {
      const section = out.split(/^\s*FAILURES\s*$/m)[1] ?? "";
      return section.split("\n").filter((l) => l.includes(" => ")).map((l) => l.trim());
    },
  },
  bun: {
    argv: [bin("bun"), ["test", ...tests.map((t) => `./${t}`)]],
    count: (out) => {
      const pass = /^\s*(\d+) pass/m.exec(out);
      const fail = /^\s*(\d+) fail/m.exec(out);
      return pass && { passed: Number(pass[1]), failed: Number(fail?.[1] ?? 0) };
    },
    failed: (out) => out.split("\n").filter((l) => /^\(fail\) /.test(l)).map((l) => l.trim()),
  },
  node: {
    argv: [process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...tests]],
    count: (out) => {
      const pass = /^\S* ?pass (\d+)/m.exec(out);
      const fail = /^\S* ?fail (\d+)/m.exec(out);
      const cancelled = /^\S* ?cancelled (\d+)/m.exec(out);
      return pass && { passed: Number(pass[1]), failed: Number(fail?.[1] ?? 0) + Number(cancelled?.[1] ?? 0) };
    },
    failed: (out) => {
      const section = out.split(/^\S* ?failing tests:\s*$/m)[1] ?? "";
      return section.split("\n").filter((l) => /^\s*✖ /.test(l)).map((l) => l.trim());
    },
  },
};

/** Runs one runtime's suite; returns its exit code, counts and the names of the tests that failed. */
async function suite(name, label) {
  const [command, argv] = runtimes[name].argv;
  const env = { OIDC2AWS_TEST_RUNTIME: name, DENO_NO_UPDATE_CHECK: "1" };
  const { code, output } = await run(label, command, argv, { env });
  const counts = runtimes[name].count(strip(output));
  const ok = code === 0 && counts !== null && counts.failed === 0;
  return { ok, code, counts, names: ok ? [] : runtimes[name].failed(strip(output)) };
}

const listNames = (names) =>
  names.length ? names.slice(0, 20).map((n) => `  ${n}`) : ["  (no test names found; see the output above)"];

for (const name of ["deno", "bun", "node"]) {
  if (only && !only.includes(name)) continue;
  if (name === "node") {
    for (const line of summaries) process.stdout.write(`${line}\n`);
  }
  const result = await suite(name, `tests on ${name}`);
  if (!result.ok) {
    failedTests.push(`${name}:`, ...listNames(result.names));
    failures.push(`tests on ${name}`);
  }
  const { counts, code } = result;
  if (name !== "node") {
    summaries.push(
      `${name}: ${counts ? `${counts.passed} passed, ${counts.failed} failed` : "no summary"}${
        code ? ` (exit ${code})` : ""
      }`,
    );
  }
}

if (failedTests.length) process.stdout.write(`\nFailed tests:\n${failedTests.join("\n")}\n`);
if (failures.length) {
  for (const line of summaries) process.stdout.write(`${line}\n`);
  process.stdout.write(`\nFAILED: ${failures.join("; ")}\n`);
  process.exit(1);
}
