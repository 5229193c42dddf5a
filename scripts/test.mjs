#!/usr/bin/env node
// `npm test`: build, type checks, lint and format checks, then the whole suite under Deno, Bun and
// Node 20, 22 and 24 (Node 22 and 24 from .cache/, installed on first use by node_versions.mjs,
// unless this process is that version). Exits non-zero if any step fails.
// A failing test is a failure: nothing is run again (a test that passes on a re-run is a defect to
// fix, not to hide). The closing lines list the failing tests by name, then one summary line per
// suite with its wall time, then what failed.
// `npm test -- --only=deno,node24` runs a subset of suites (deno, bun, node20, node22, node24; node:
// the three Node ones; checks: none, only the static checks); `--skip-checks` skips the static checks
// (the build still runs). CI's jobs (.github/workflows/ci.yml) run `--only=checks` and one suite each.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";

const STARTED = Date.now();
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const ONLY_NAMES = ["checks", "deno", "bun", "node", "node20", "node22", "node24"];
if (only?.some((name) => !ONLY_NAMES.includes(name))) {
  process.stderr.write(`--only takes ${ONLY_NAMES.join(", ")} (comma-separated), not ${only.join(",")}\n`);
  process.exit(2);
}
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

{
  // The tools some tests run that are not devDependencies (Node 22 and 24, TypeScript 5.0 and 4.9),
  // from npm into .cache/ when missing: the test setup installs them, never a test.
  const { code } = await run("test tools (.cache/: Node 22 and 24, TypeScript 5.0 and 4.9)", process.execPath, [
    "scripts/test_tools.mjs",
  ]);
  if (code !== 0) failures.push("test tools");
}

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

/** The Node versions the suite runs on: the oldest that `engines` admits, and the two GitHub's runners and actions run. */
const NODE_MAJORS = [20, 22, 24];
/** The suites, in the order they run; the summary at the end lists them in this order. */
const SUITES = ["deno", "bun", ...NODE_MAJORS.map((major) => `node${major}`)];
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

/** `node` for one major version: this process's own when it is that version (CI's setup-node), else one under .cache/. */
async function nodeFor(major) {
  if (major === NODE_MAJOR) return process.execPath;
  const { nodeBinary } = await import("./node_versions.mjs");
  return nodeBinary(major);
}

/**
 * Test files at once in a Node or Deno suite: node --test's default (the cores less one) would run
 * them one at a time on two cores, and deno test runs them one at a time unless --parallel, where most
 * files spend their time waiting on the CLI's processes and loopback servers (Deno: 145 → 84 s).
 */
const NODE_CONCURRENCY = Math.max(2, availableParallelism() - 1);

const nodeSuite = {
  argv: async (name) => [
    await nodeFor(Number(name.slice(4))),
    ["--import", "tsx", "--test", `--test-concurrency=${NODE_CONCURRENCY}`, "--test-reporter=spec", ...tests],
  ],
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
};

const runtimes = {
  deno: {
    argv: () => [bin("deno"), ["test", "-A", "--quiet", "--parallel", ...tests]],
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
    argv: () => [bin("bun"), ["test", ...tests.map((t) => `./${t}`)]],
    count: (out) => {
      const pass = /^\s*(\d+) pass/m.exec(out);
      const fail = /^\s*(\d+) fail/m.exec(out);
      return pass && { passed: Number(pass[1]), failed: Number(fail?.[1] ?? 0) };
    },
    failed: (out) => out.split("\n").filter((l) => /^\(fail\) /.test(l)).map((l) => l.trim()),
  },
  ...Object.fromEntries(NODE_MAJORS.map((major) => [`node${major}`, nodeSuite])),
};

/** How many Node suites this npm test has started. */
let nodeSuitesStarted = 0;

/** Runs one suite; returns its exit code, counts, the names of the tests that failed, and its wall time. */
async function suite(name) {
  const started = Date.now();
  let command, argv;
  try {
    [command, argv] = await runtimes[name].argv(name);
  } catch (err) {
    process.stdout.write(`\n── tests on ${name}\ncannot start: ${err.message}\n`);
    return { ok: false, code: 1, counts: null, names: [`(${name} did not start)`], seconds: 0 };
  }
  // What the tests read of it: the runtime family (every Node version is `node`), and whether a Node
  // suite already ran in this npm test (a test whose subject does not depend on the Node version,
  // such as tsc's view of the package, then skips: tests/_helpers.ts onceAcrossNode).
  const env = {
    OIDC2AWS_TEST_RUNTIME: name.startsWith("node") ? "node" : name,
    OIDC2AWS_TEST_NODE_AGAIN: name.startsWith("node") && nodeSuitesStarted++ > 0 ? "1" : "0",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_JOBS: String(NODE_CONCURRENCY),
  };
  const { code, output } = await run(`tests on ${name}`, command, argv, { env });
  const seconds = Math.round((Date.now() - started) / 1000);
  const counts = runtimes[name].count(strip(output));
  const ok = code === 0 && counts !== null && counts.failed === 0;
  return { ok, code, counts, names: ok ? [] : runtimes[name].failed(strip(output)), seconds };
}

const listNames = (names) =>
  names.length ? names.slice(0, 20).map((n) => `  ${n}`) : ["  (no test names found; see the output above)"];

for (const name of SUITES) {
  if (only && !only.includes(name) && !(name.startsWith("node") && only.includes("node"))) continue;
  const result = await suite(name);
  if (!result.ok) {
    failedTests.push(`${name}:`, ...listNames(result.names));
    failures.push(`tests on ${name}`);
  }
  const { counts, code, seconds } = result;
  const label = name.startsWith("node") ? `node ${name.slice(4)}` : name;
  summaries.push(
    `${label}: ${counts ? `${counts.passed} passed, ${counts.failed} failed` : "no summary"}${
      code ? `, exit ${code}` : ""
    } (${seconds} s)`,
  );
}

// The closing lines (CI shows only the tail): the failed tests by name, each suite's summary, the verdict.
if (failedTests.length) process.stdout.write(`\nFailed tests:\n${failedTests.join("\n")}\n`);
process.stdout.write(`\n${summaries.map((line) => `${line}\n`).join("")}`);
process.stdout.write(`npm test: ${Math.round((Date.now() - STARTED) / 1000)} s in all\n`);
if (failures.length) {
  process.stdout.write(`\nFAILED: ${failures.join("; ")}\n`);
  process.exit(1);
}
