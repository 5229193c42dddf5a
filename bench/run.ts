/**
 * The oidc2aws benchmark (`npm run bench`): fresh-process wall time and peak RSS of the CLI, the
 * library, the AWS SDK v3 and two "floor" scripts on Node, Deno and Bun, against the loopback
 * emulator in its own process; then in-process figures and the npm tarball size. Prints a markdown
 * report and writes it to bench/RESULTS.md (not in `--quick` mode, unless `--out` says where).
 *
 * ```sh
 * node --import tsx bench/run.ts [--quick] [--runs N] [--runtimes node,deno,bun] [--out PATH]
 * ```
 *
 * Needs Node ≥ 20.16 (the scripts print with process.getBuiltinModule("node:fs")). Every request
 * goes to 127.0.0.1. Compare ratios (to the floor of the same runtime in the same run), not absolute
 * times: the machine may be noisy.
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

type Runtime = "node" | "deno" | "bun";
const RUNTIMES: Runtime[] = ["node", "deno", "bun"];
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN: Record<Runtime, string> = {
  node: process.execPath,
  deno: join(ROOT, "node_modules/.bin/deno"),
  bun: join(ROOT, "node_modules/.bin/bun"),
};
const TIME = "/usr/bin/time";
/** Emulated network latency (ms before every answer) for the second "20 profiles" figure. */
const LATENCY_MS = 25;
const ROLE_ARN = "arn:aws:iam::123456789012:role/oidc2aws-bench";

// ── options ──────────────────────────────────────────────────────────────────────────────────────

interface Options {
  quick: boolean;
  runs: number;
  warmup: number;
  runtimes: Runtime[];
  out?: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { quick: false, runs: 30, warmup: 2, runtimes: RUNTIMES };
  let runs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === "--quick") options.quick = true;
    else if (flag === "--runs") runs = Number(value());
    else if (flag === "--out") options.out = value();
    else if (flag === "--runtimes") {
      options.runtimes = value().split(",").map((r) => r.trim()) as Runtime[];
      const unknown = options.runtimes.filter((r) => !RUNTIMES.includes(r));
      if (unknown.length || !options.runtimes.length) fail(`--runtimes takes a list of ${RUNTIMES.join(", ")}`);
    } else fail(`unknown argument ${flag}`);
  }
  if (options.quick) Object.assign(options, { runs: 3, warmup: 1 });
  if (runs !== undefined) {
    if (!Number.isInteger(runs) || runs < 1) fail("--runs takes a positive integer");
    options.runs = runs;
  }
  return options;
}

function fail(message: string): never {
  process.stderr.write(
    `bench: ${message}\nusage: run.ts [--quick] [--runs N] [--runtimes node,deno,bun] [--out PATH]\n`,
  );
  process.exit(2);
}

// ── processes ────────────────────────────────────────────────────────────────────────────────────

/** Every child still running, killed (with its process group) on the way out. */
const children = new Set<ChildProcess>();
/** The temporary directory (HOME, config file, DENO_DIR), removed on the way out. */
let tempDir: string | undefined;

function killAll(): void {
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    process.exit(130);
  });
}

interface Emulator {
  env: Record<string, string>;
  stop(): void;
}

/** Starts an emulator process (emulator/main.ts or bench/cases/latency_emulator.ts); resolves its env. */
function startEmulator(args: string[]): Promise<Emulator> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const stop = () => {
    child.kill("SIGTERM");
    children.delete(child);
  };
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    // Started: the export lines (one write) on stdout and the "listening" line on stderr. They come
    // through two pipes, so either may be read first.
    const check = (): void => {
      if (!stderr.includes("listening") || !stdout.endsWith("\n")) return;
      const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
      resolve({ env, stop });
    };
    child.stdout!.on("data", (chunk) => (stdout += chunk, check()));
    child.stderr!.on("data", (chunk) => (stderr += chunk, check()));
    child.on("exit", (code) => reject(new Error(`the emulator exited (${code}): ${stderr.trim()}`)));
    setTimeout(() => reject(new Error(`the emulator did not start within 30 s: ${stderr.trim()}`)), 30_000).unref();
  });
}

interface Run {
  ok: boolean;
  ms: number;
  rssKb?: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command as a fresh process and times it from spawn to exit. When /usr/bin/time exists the
 * command runs under `time -f %M` for its peak RSS; that wrapper adds the same ~1 ms exec to every
 * case, so it shifts ratios a little toward 1 and never reorders them.
 */
function runOnce(argv: string[], env: Record<string, string>, rssFile?: string, timeoutMs = 60_000): Promise<Run> {
  const command = rssFile ? [TIME, "-f", "%M", "-o", rssFile, ...argv] : argv;
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    // detached: its own process group, so a timeout or Ctrl-C kills the command under `time` too.
    const child = spawn(command[0], command.slice(1), {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      process.kill(-child.pid!, "SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ ok: false, ms: NaN, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on("close", async (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      clearTimeout(timer);
      children.delete(child);
      let rssKb: number | undefined;
      if (rssFile) {
        // `time` writes "Command exited with non-zero status N" before the figure on failure.
        const lines = (await readFile(rssFile, "utf8").catch(() => "")).trim().split("\n");
        rssKb = Number(lines.at(-1)) || undefined;
      }
      resolve({ ok: code === 0, ms, rssKb, stdout, stderr });
    });
  });
}

// ── cases ────────────────────────────────────────────────────────────────────────────────────────

type CaseId = "empty" | "emptyModule" | "floorFetch" | "floorHttp" | "cli" | "lib" | "sdk" | "import";

interface Case {
  runtime: Runtime;
  id: CaseId;
  argv: string[];
  /** What a successful run prints. */
  expect: RegExp;
  runs: Run[];
  error?: string;
}

const LABELS: Record<CaseId, string> = {
  empty: "empty process",
  emptyModule: "empty module (import baseline)",
  floorFetch: "floor: global fetch",
  floorHttp: "floor: node:http",
  cli: "oidc2aws CLI credential-process --no-cache",
  lib: "oidc2aws library resolveProfile + assumeRole",
  sdk: "AWS SDK v3 (@aws-sdk/client-sts)",
  import: "import mod.ts only",
};
const KEY = /"AccessKeyId":"ASIA\w+"/;

function casesFor(runtime: Runtime, stsHost: string, readable: string): Case[] {
  const bin = BIN[runtime];
  const b = (file: string) => join(ROOT, "bench/cases", file);
  const deno = (flags: string[], file: string) => [bin, "run", ...flags, file];
  // Deno gets the narrow flags a user would give (the SDK gets -A: it reads more than we can list).
  const net = [`--allow-env`, `--allow-net=${stsHost}`];
  const argv: Record<CaseId, string[] | undefined> = runtime === "deno"
    ? {
      empty: deno([], b("empty.js")),
      emptyModule: undefined, // the same as `empty` on Deno
      floorFetch: deno(net, b("floor_fetch.js")),
      floorHttp: deno(net, b("floor_http.js")),
      cli: deno([...net, `--allow-read=${readable}`], join(ROOT, "cli.ts")),
      lib: deno([...net, `--allow-read=${readable}`], b("lib_deno.js")),
      sdk: deno(["-A"], b("sdk.js")),
      import: deno([], b("import_deno.js")),
    }
    : {
      empty: runtime === "node" ? [bin, "-e", "0"] : [bin, b("empty.js")],
      emptyModule: runtime === "node" ? [bin, b("empty.js")] : undefined,
      floorFetch: [bin, b("floor_fetch.js")],
      floorHttp: [bin, b("floor_http.js")],
      cli: [bin, join(ROOT, "dist/cli.js")],
      lib: [bin, b("lib_npm.js")],
      sdk: [bin, b("sdk.js")],
      import: [bin, b("import_npm.js")],
    };
  argv.cli!.push("credential-process", "--no-cache");
  const expect: Record<CaseId, RegExp> = {
    empty: /^$/,
    emptyModule: /^$/,
    floorFetch: KEY,
    floorHttp: KEY,
    cli: KEY,
    lib: /^ASIA\w+$/m,
    sdk: KEY,
    import: /^import ms [\d.]+$/m,
  };
  return (Object.keys(argv) as CaseId[]).filter((id) => argv[id]).map((id) => ({
    runtime,
    id,
    argv: argv[id]!,
    expect: expect[id],
    runs: [],
  }));
}

/**
 * Warm-up runs, then `runs` rounds: each round runs every live case once, in the same order, so a
 * slow drift of the machine hits every case alike. A case that fails once is reported and dropped.
 */
async function runCases(cases: Case[], options: Options, env: Record<string, string>, dir: string): Promise<void> {
  const rssFile = existsSync(TIME) ? join(dir, "rss") : undefined;
  const once = async (c: Case, record: boolean) => {
    if (c.error) return;
    const run = await runOnce(c.argv, env, rssFile);
    if (!run.ok || !c.expect.test(run.stdout)) c.error = lastLine(run.stderr, "exit without the expected output");
    else if (record) c.runs.push(run);
  };
  for (let i = 0; i < options.warmup; i++) for (const c of cases) await once(c, false);
  for (let i = 0; i < options.runs; i++) {
    for (const c of cases) await once(c, true);
    if (process.stderr.isTTY) process.stderr.write(`\rbench: round ${i + 1}/${options.runs}`);
  }
  if (process.stderr.isTTY) process.stderr.write("\n");
}

/** The last line of a failed run's stderr, for the table. */
function lastLine(text: string, fallback: string): string {
  return (text.trim().split("\n").filter(Boolean).at(-1) ?? fallback).slice(0, 200);
}

// ── in-process figures and the tarball ──────────────────────────────────────────────────────────

type InProcess = Record<string, number[]>;

async function inProcess(runtime: Runtime, options: Options, env: Record<string, string>): Promise<InProcess | string> {
  const script = runtime === "deno"
    ? ["run", "-A", join(ROOT, "bench/cases/inproc_deno.js")]
    : [join(ROOT, "bench/cases/inproc_npm.js")];
  const run = await runOnce([BIN[runtime], ...script, ...(options.quick ? ["--quick"] : [])], env, undefined, 300_000);
  if (!run.ok) return lastLine(run.stderr, "failed");
  return JSON.parse(run.stdout) as InProcess;
}

function tarball(): Promise<{ size: number; unpackedSize: number; entryCount: number } | string> {
  // --ignore-scripts: prepack would rebuild dist/, which `npm run bench` has just done.
  const env = { ...process.env, npm_config_update_notifier: "false" };
  return new Promise((resolve) => {
    execFile("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, env }, (err, stdout, stderr) => {
      if (err) return resolve(`npm pack failed: ${stderr.trim().split("\n").at(-1)}`);
      const [pack] = JSON.parse(stdout) as { size: number; unpackedSize: number; entryCount: number }[];
      resolve(pack);
    });
  });
}

function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile(command, args, (err, stdout) => resolve(err ? "(unavailable)" : stdout.trim()))
  );
}

// ── statistics and the report ───────────────────────────────────────────────────────────────────

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank 90th percentile. */
function p90(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(0.9 * s.length) - 1)];
}

const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "—");

interface Context {
  options: Options;
  machine: string[];
  cases: Case[];
  inproc: Partial<Record<Runtime, InProcess | string>>;
  pack: Awaited<ReturnType<typeof tarball>>;
}

/** The floor of a runtime: the faster (by median) of its two floor scripts. */
function floorOf(cases: Case[], runtime: Runtime): Case | undefined {
  const floors = cases.filter((c) => c.runtime === runtime && c.id.startsWith("floor") && c.runs.length);
  return floors.sort((a, b) => median(a.runs.map((r) => r.ms)) - median(b.runs.map((r) => r.ms)))[0];
}

const ms = (c?: Case): number => (c?.runs.length ? median(c.runs.map((r) => r.ms)) : NaN);
const find = (ctx: Context, runtime: Runtime, id: CaseId) =>
  ctx.cases.find((c) => c.runtime === runtime && c.id === id);

/**
 * The import cost in a fresh process: median wall time of the import script minus the empty
 * process's (the issue's definition, used for the target). On Node an empty process is `node -e 0`;
 * `baseline: "emptyModule"` subtracts an empty ES module instead, leaving out the ES module loader's
 * own start (~3 ms), which any ES module pays.
 */
function importCost(ctx: Context, runtime: Runtime, baseline: "empty" | "emptyModule" = "empty"): number {
  const base = runtime === "node" ? baseline : "empty";
  return ms(find(ctx, runtime, "import")) - ms(find(ctx, runtime, base));
}

function report(ctx: Context): string {
  const { options } = ctx;
  const out: string[] = [];
  const line = (text = "") => out.push(text);
  line("# oidc2aws benchmark");
  line();
  for (const m of ctx.machine) line(`- ${m}`);
  line(
    `- ${options.runs} counted runs per fresh-process case after ${options.warmup} warm-up run(s), round-robin` +
      `${options.quick ? " (**--quick**: too few runs to compare)" : ""}`,
  );
  line(`- peak RSS: ${existsSync(TIME) ? "`/usr/bin/time -f %M` (median of the runs)" : "omitted (no /usr/bin/time)"}`);
  line("- emulator: its own Node process on 127.0.0.1, no added latency (except where a row says so)");
  line();
  line("## Fresh process (wall ms from spawn to exit)");
  line();
  line("| runtime | case | median ms | p90 ms | × floor | peak RSS MB |");
  line("|---|---|---:|---:|---:|---:|");
  for (const runtime of options.runtimes) {
    const floor = floorOf(ctx.cases, runtime);
    for (const c of ctx.cases.filter((c) => c.runtime === runtime)) {
      const label = `${LABELS[c.id]}${c === floor ? " **(floor)**" : ""}`;
      if (c.error || !c.runs.length) {
        line(`| ${runtime} | ${label} | failed: ${(c.error ?? "no runs").replace(/\|/g, "\\|")} | | | |`);
        continue;
      }
      const times = c.runs.map((r) => r.ms);
      const rss = c.runs.map((r) => r.rssKb).filter((k): k is number => k !== undefined);
      line(
        `| ${runtime} | ${label} | ${f(median(times))} | ${f(p90(times))} | ${f(median(times) / ms(floor), 2)} | ${
          rss.length ? f(median(rss) / 1024) : "—"
        } |`,
      );
    }
  }
  line();
  line(
    "Commands: Node `node dist/cli.js`, Bun `bun dist/cli.js` (what `bunx --bun oidc2aws` runs; plain `bunx` follows the `#!/usr/bin/env node` line), Deno `deno run --allow-env " +
      "--allow-net=HOST --allow-read=CONFIG,~/.aws cli.ts` (no type check, the module graph cached by the warm-up). " +
      "The library and import scripts load dist/mod.js on Node and Bun, mod.ts on Deno; the SDK script gets -A on " +
      "Deno. Node's empty process is `node -e 0`; its import baseline is an empty ES module. Every script prints " +
      "the cheapest way on its runtime (see bench/cases/floor_fetch.js). Scripts: bench/cases/*.js.",
  );
  line();
  line("## In process");
  line();
  line("| runtime | measurement | median | p90 |");
  line("|---|---|---:|---:|");
  for (const runtime of options.runtimes) {
    const imp = find(ctx, runtime, "import");
    const inImport = (imp?.runs ?? []).map((r) => Number(/^import ms ([\d.]+)$/m.exec(r.stdout)?.[1]));
    line(
      `| ${runtime} | import mod.ts, fresh process: import − empty process (ms, medians) | ${
        f(importCost(ctx, runtime), 2)
      } | |`,
    );
    if (runtime === "node") {
      line(
        `| ${runtime} | import mod.ts, fresh process: import − empty ES module (ms, medians) | ${
          f(importCost(ctx, runtime, "emptyModule"), 2)
        } | |`,
      );
    }
    line(
      `| ${runtime} | import mod.ts, \`await import()\` timed inside the process (ms) | ${f(median(inImport), 2)} | ${
        f(p90(inImport), 2)
      } |`,
    );
    const r = ctx.inproc[runtime];
    if (r === undefined) continue;
    if (typeof r === "string") {
      line(`| ${runtime} | in-process figures | failed: ${r.replace(/\|/g, "\\|")} | |`);
      continue;
    }
    line(
      `| ${runtime} | parseConfig, 1,000-profile file (µs per profile) | ${f(median(r.parseConfigUsPerProfile), 2)} | ${
        f(p90(r.parseConfigUsPerProfile), 2)
      } |`,
    );
    line(
      `| ${runtime} | cached fromWebIdentity provider call (ns per call) | ${
        f(median(r.cachedProviderNsPerCall), 0)
      } | ${f(p90(r.cachedProviderNsPerCall), 0)} |`,
    );
    for (const [suffix, note] of [["", "no latency"], ["Latency", `${LATENCY_MS} ms latency per answer`]]) {
      for (const [who, label] of [["", "oidc2aws"], ["Floor", "floor (bare fetch)"]]) {
        const one = r[`one${who}${suffix}Ms`];
        const twenty = r[`twenty${who}${suffix}Ms`];
        line(
          `| ${runtime} | ${label}, ${note}: 1 profile / 20 at once (ms) → ratio of medians | ${f(median(one))} / ${
            f(median(twenty))
          } → **${f(median(twenty) / median(one), 2)}×** | ${f(p90(one))} / ${f(p90(twenty))} |`,
        );
      }
    }
  }
  line();
  line("## npm tarball");
  line();
  const pack = ctx.pack;
  line(
    typeof pack === "string"
      ? pack
      : `\`npm pack --dry-run\`: ${pack.size} bytes packed (${
        f(pack.size / 1000, 1)
      } kB), ${pack.unpackedSize} bytes unpacked, ${pack.entryCount} files`,
  );
  line();
  line("## Targets");
  line();
  for (const t of targets(ctx)) line(`- ${t}`);
  return `${out.join("\n")}\n`;
}

function targets(ctx: Context): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? "**met**" : "**NOT MET**");
  const has = (runtime: Runtime) => ctx.options.runtimes.includes(runtime);
  const vsFloor = (runtime: Runtime, id: CaseId, limit: number, name: string) => {
    if (!has(runtime)) return;
    const floor = floorOf(ctx.cases, runtime);
    const c = find(ctx, runtime, id);
    const ratio = ms(c) / ms(floor);
    if (!Number.isFinite(ratio)) {
      return lines.push(`${name} ≤ ${limit}× floor on ${runtime}: not measured (${c?.error ?? "a case failed"})`);
    }
    lines.push(
      `${name} ≤ ${limit}× floor on ${runtime}: ${verdict(ratio <= limit)}, ${f(ratio, 2)}× ` +
        `(${f(ms(c))} ms vs ${LABELS[floor!.id]} ${f(ms(floor))} ms)`,
    );
  };
  vsFloor("node", "cli", 1.15, "CLI");
  vsFloor("deno", "cli", 1.15, "CLI");
  vsFloor("bun", "cli", 1.5, "CLI");
  vsFloor("node", "lib", 1.1, "Library");
  vsFloor("deno", "lib", 1.1, "Library");
  if (has("node")) {
    const ratio = ms(find(ctx, "node", "sdk")) / ms(find(ctx, "node", "cli"));
    lines.push(
      Number.isFinite(ratio)
        ? `AWS SDK v3 ≥ 2× the CLI on node: ${verdict(ratio >= 2)}, ${f(ratio, 2)}× ` +
          `(${f(ms(find(ctx, "node", "sdk")))} ms vs ${f(ms(find(ctx, "node", "cli")))} ms)`
        : "AWS SDK v3 ≥ 2× the CLI on node: not measured (a case failed)",
    );
    const cost = importCost(ctx, "node");
    lines.push(
      Number.isFinite(cost)
        ? `mod.ts import ≤ 5 ms on node: ${verdict(cost <= 5)}, ${
          f(cost, 2)
        } ms (fresh process, import − empty process; ${
          f(importCost(ctx, "node", "emptyModule"), 2)
        } ms over an empty ES module)`
        : "mod.ts import ≤ 5 ms on node: not measured (a case failed)",
    );
  }
  for (const runtime of ctx.options.runtimes) {
    const r = ctx.inproc[runtime];
    if (!r || typeof r === "string") {
      lines.push(`20 profiles ≤ 2× one on ${runtime}: not measured (${r ?? "skipped"})`);
      continue;
    }
    const ratio = (who: string, suffix: string) =>
      median(r[`twenty${who}${suffix}Ms`]) / median(r[`one${who}${suffix}Ms`]);
    lines.push(
      `20 profiles ≤ 2× one on ${runtime}: no latency ${verdict(ratio("", "") <= 2)} at ${f(ratio("", ""), 2)}× ` +
        `(the bare-fetch floor: ${f(ratio("Floor", ""), 2)}×, the emulator's CPU bound); ` +
        `with ${LATENCY_MS} ms latency ${verdict(ratio("", "Latency") <= 2)} at ${f(ratio("", "Latency"), 2)}× ` +
        `(floor ${f(ratio("Floor", "Latency"), 2)}×)`,
    );
  }
  const pack = ctx.pack;
  lines.push(
    typeof pack === "string"
      ? `npm tarball ≤ 30 kB: not measured (${pack})`
      : `npm tarball ≤ 30 kB: ${verdict(pack.size <= 30_000)}, ${
        f(pack.size / 1000, 1)
      } kB (${pack.size} bytes, ${pack.entryCount} files)`,
  );
  return lines;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(join(ROOT, "dist/cli.js"))) fail("dist/ is missing: run npm run build (npm run bench does)");
  const dir = tempDir = await mkdtemp(join(tmpdir(), "oidc2aws-bench-"));
  const emulators: Emulator[] = [];
  try {
    const [emulator, slow] = await Promise.all([
      startEmulator(["emulator/main.ts", "--roles", "any"]),
      startEmulator(["bench/cases/latency_emulator.ts", String(LATENCY_MS)]),
    ]);
    emulators.push(emulator, slow);
    // A small config file of 20 web identity profiles; HOME is empty, so no ~/.aws is read.
    const configFile = join(dir, "aws_config");
    await writeFile(
      configFile,
      Array.from(
        { length: 20 },
        (_, i) =>
          `[profile p${i}]\nrole_arn = arn:aws:iam::123456789012:role/p${i}\nweb_identity_token_server = GitHub\n`,
      ).join("\n"),
    );
    const base: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: join(dir, "home"),
      NO_COLOR: "1",
      DENO_DIR: join(dir, "deno"),
      DENO_NO_UPDATE_CHECK: "1",
      DO_NOT_TRACK: "1",
      AWS_ROLE_ARN: ROLE_ARN,
      AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
      AWS_CONFIG_FILE: configFile,
    };
    const env = { ...base, ...emulator.env };
    const stsHost = new URL(emulator.env.AWS_ENDPOINT_URL_STS).host;
    const cases = options.runtimes.flatMap((r) => casesFor(r, stsHost, `${configFile},${base.HOME}/.aws`));

    const versions = await Promise.all(
      options.runtimes.map(async (r) =>
        `${r} ${r === "node" ? process.version : (await capture(BIN[r], ["--version"])).split("\n")[0]}`
      ),
    );
    const cpu = /^model name\s*:\s*(.*)$/m.exec(await readFile("/proc/cpuinfo", "utf8").catch(() => ""))?.[1] ??
      cpus()[0]?.model ?? "unknown CPU";
    const machine = [
      `machine: ${cpu}, ${cpus().length} cores (${process.platform} ${process.arch})`,
      `runtimes: ${versions.join(", ")}`,
      `date: ${new Date().toISOString()}`,
    ];

    const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
    machine.push(`load average (1, 5, 15 min) before: ${load()}`);
    await runCases(cases, options, env, dir);
    const inproc: Context["inproc"] = {};
    const inprocEnv = { ...env, BENCH_LATENCY_ENV: JSON.stringify({ ...base, ...slow.env }) };
    for (const runtime of options.runtimes) inproc[runtime] = await inProcess(runtime, options, inprocEnv);
    const pack = await tarball();
    machine.push(`load average after: ${load()}`);

    const text = report({ options, machine, cases, inproc, pack });
    process.stdout.write(text);
    const out = options.out ?? (options.quick ? undefined : join(ROOT, "bench/RESULTS.md"));
    if (out) await writeFile(out, text);
    const failed = cases.some((c) => c.error) || Object.values(inproc).some((r) => typeof r === "string") ||
      typeof pack === "string";
    return failed ? 1 : 0;
  } finally {
    for (const e of emulators) e.stop();
    killAll();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
