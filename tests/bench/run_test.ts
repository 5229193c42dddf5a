/**
 * Smoke test of the benchmark harness (bench/run.ts), so it cannot rot: a `--quick` run on Node
 * only, checking that every case and figure has a row with numbers. The full benchmark is
 * `npm run bench`, not part of the tests. Needs dist/ (npm test builds it first).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { onceAcrossNode } from "../_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);
// A difference of two noisy medians (the import cost) may come out below zero in a quick run.
const NUMBER = String.raw`-?\d+(?:\.\d+)?`;

function runQuick(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--runtimes", "node"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("bench/run.ts --quick", {
  skip: (!onNode && "the harness drives Node, Deno and Bun itself: its smoke test runs in the Node test run only") ||
    onceAcrossNode(),
}, () => {
  it(
    "prints a row with numbers for every case and figure, and leaves bench/RESULTS.md alone",
    { timeout: 60_000 },
    async () => {
      const results = `${root}bench/RESULTS.md`;
      const before = statSync(results, { throwIfNoEntry: false })?.mtimeMs;
      const run = await runQuick();
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      const out = run.stdout;

      // Fresh-process cases: median, p25, p75, ratio to the floor, peak RSS (a dash where /usr/bin/time is missing).
      for (
        const label of [
          "empty process",
          "import baseline",
          "floor: global fetch",
          "floor: node:http",
          "oidc2aws CLI",
          "oidc2aws library",
          "AWS SDK v3",
          "import the library only",
        ]
      ) {
        const row = new RegExp(
          `^\\| node \\| ${label}[^|]* \\| ${NUMBER} \\| ${NUMBER} \\| ${NUMBER} \\| ${NUMBER} \\| (?:${NUMBER}|—) \\|$`,
          "m",
        );
        assert.match(out, row, `no row with numbers for ${label}`);
      }
      assert.match(out, /\*\*\(floor\)\*\*/);

      // In-process figures.
      for (
        const label of [
          "import the library, fresh process: import − empty process",
          "import the library, fresh process: import − import baseline",
          "import the library, `await import\\(\\)`",
          "parseConfig",
          "cached fromWebIdentity provider",
        ]
      ) {
        assert.match(out, new RegExp(`^\\| node \\| ${label}[^|]* \\| ${NUMBER} \\|`, "m"), `no row for ${label}`);
      }
      const concurrency = new RegExp(
        `^\\| node \\| .*1 profile / 20 at once.* \\| ${NUMBER} / ${NUMBER} → \\*\\*${NUMBER}×\\*\\* \\|`,
        "gm",
      );
      assert.equal(
        out.match(concurrency)?.length,
        4,
        "four 1-vs-20 rows: oidc2aws and floor, without and with latency",
      );

      // Node's young-generation figure: kB allocated there and scavenges, for the floor and the CLI.
      for (const label of ["floor: node:http", "oidc2aws CLI credential-process --no-cache"]) {
        assert.match(
          out,
          new RegExp(`^\\| ${label} \\| [\\d,]+ \\| \\d+ \\|$`, "m"),
          `no young-generation row for ${label}`,
        );
      }
      assert.match(out, /npm pack --dry-run`: \d+ bytes packed/);
      assert.match(out, /^- machine: .+, \d+ cores/m);
      // The header says how the run avoids the measurement traps.
      assert.match(out, /^- \d+ counted runs .*round-robin: every round runs each case once, in a new shuffled order/m);
      assert.match(out, /^- figures: median with p25 and p75 .*ratio of medians from this run/m);
      // What spawning and timing a process costs the harness is measured and taken off every case.
      const overhead = /^- harness overhead: (\d+\.\d) ms, taken off every fresh-process time/m.exec(out);
      assert.ok(overhead, "the header gives the harness overhead");
      assert.ok(Number(overhead[1]) > 0, "a process that does nothing still costs the harness time");
      assert.match(
        out,
        /^- environment of every timed command: .*NODE_EXTRA_CA_CERTS and AWS_CA_BUNDLE are never passed/m,
      );
      assert.match(out, /^- Deno floor: bench\/cases\/floor_fetch\.js reads `Deno\.env`/m);
      assert.match(out, /^## Targets$/m);
      for (
        const target of [
          "CLI ≤ 1.15×",
          "Library ≤ 1.1×",
          "AWS SDK v3 ≥ 2×",
          "Library import ≤ 5 ms on node",
          "20 profiles ≤ 2×",
          "npm tarball ≤ 40 kB",
        ]
      ) {
        assert.match(
          out,
          new RegExp(`^- ${target.replace(/[.*+?()]/g, "\\$&")}.*\\*\\*(?:met|NOT MET|undecided)\\*\\*`, "m"),
          `no verdict for ${target}`,
        );
      }
      assert.equal(
        statSync(results, { throwIfNoEntry: false })?.mtimeMs,
        before,
        "--quick must not write bench/RESULTS.md",
      );
    },
  );
});
