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
 * This file orchestrates: the arguments, which cases, the round loop. The others each hold one
 * concern: processes.ts (the emulators and other untimed children), measure.ts (timing a command and
 * the environment it gets), stats.ts, report.ts (RESULTS.md's text), targets.ts; the scripts the
 * cases run are in cases/.
 *
 * @module
 */
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import * as actions from "./actions.ts";
import {
  BIN,
  inProcess,
  lastLine,
  MAIN_RUNTIMES,
  NULL_COMMAND,
  RSS_MEASURED,
  runOnce,
  type Runtime,
  RUNTIMES,
  tarball,
  youngGeneration,
} from "./measure.ts";
import { capture, type Emulator, exitOnSignal, killAll, ROOT, startEmulator } from "./processes.ts";
import { chart } from "./chart.ts";
import { report } from "./report.ts";
import { type Case, type CaseId, LATENCY_MS, type Options, type Results } from "./results.ts";
import { median, shuffle } from "./stats.ts";

const ROLE_ARN = "arn:aws:iam::123456789012:role/oidc2aws-bench";
const USAGE =
  "usage: run.ts [--quick] [--runs N] [--runtimes node,deno,bun,node24] [--out PATH] [--official-action DIR]";

function parseOptions(argv: string[]): Options {
  const options: Options = {
    quick: false,
    runs: 30,
    warmup: 2,
    runtimes: [...RUNTIMES],
    officialAction: join(ROOT, ".cache/configure-aws-credentials"),
  };
  let runs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === "--quick") options.quick = true;
    else if (flag === "--runs") runs = Number(value());
    else if (flag === "--out") options.out = value();
    else if (flag === "--official-action") options.officialAction = value();
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
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

// ── cases ────────────────────────────────────────────────────────────────────────────────────────

const KEY = /"AccessKeyId":"ASIA\w+"/;
/** What a successful run of each case prints. */
const EXPECT: Record<CaseId, RegExp> = {
  empty: /^$/,
  emptyModule: /^$/,
  floorFetch: KEY,
  floorHttp: KEY,
  checked: KEY,
  cli: KEY,
  cliFreshJob: KEY,
  lib: /^ASIA\w+$/m,
  sdk: KEY,
  import: /^import ms [\d.]+$/m,
  // Both actions mask the access key they export before writing it.
  action: /::add-mask::ASIA\w+/,
  officialAction: /::add-mask::ASIA\w+/,
};

/**
 * The floor scripts Node runs: floor_fetch.js, floor_http.js and floor_checked.js as CommonJS, each
 * one's text in an async function (`.cjs`, in the run's directory; the scripts import nothing and
 * await at their top level, which CommonJS cannot). The floor script starts ~9 ms sooner on Node 20
 * as CommonJS than as an ES module, ~4 ms on Node 22 (the same on Node 24); Deno and Bun run the
 * files as they are, ES modules (Bun runs the floor ~2 ms slower with its text in an async function,
 * and as CommonJS). The floor is the cheapest way on each runtime. Node's other scripts are CommonJS
 * too (lib_npm.cjs, sdk.cjs), and so is oidc2aws's npm bin.
 */
interface NodeFloors {
  floorFetch: string;
  floorHttp: string;
  checked: string;
}

/** Writes the CommonJS copies of the floors into `dir`. */
async function writeNodeFloors(dir: string): Promise<NodeFloors> {
  const copy = async (name: string) => {
    const file = join(dir, `${name}.cjs`);
    const text = await readFile(join(ROOT, "bench/cases", `${name}.js`), "utf8");
    if (/^\s*(?:import|export)\b/m.test(text)) throw new Error(`bench/cases/${name}.js must not import or export`);
    // A failure rejects the function's promise: unhandled, it ends the process with code 1, as the
    // module's top-level await does.
    await writeFile(file, `(async () => {\n${text}\n})();\n`);
    return file;
  };
  return {
    floorFetch: await copy("floor_fetch"),
    floorHttp: await copy("floor_http"),
    checked: await copy("floor_checked"),
  };
}

/** npm's bin (what `npx oidc2aws` and `bunx --bun oidc2aws` run), which loads dist/cli.js. */
const NPM_BIN = join(ROOT, "dist/bin.cjs");

/** The two actions and the variables of their step, for the Node 24 cases. */
interface ActionSetup {
  ours: actions.PreparedAction | string;
  official: (actions.PreparedAction & { version: string }) | string;
  env: (inputs: Record<string, string>) => Record<string, string>;
}

/**
 * Node 24's cases, the GitHub Action section: the floor and the CLI as on Node 20, and each action run
 * as the runner runs it. Every one preloads the loopback guard.
 */
function node24Cases(setup: ActionSetup, floors: NodeFloors): Case[] {
  const bin = BIN.node24;
  const guarded = (...args: string[]) => [bin, "--import", actions.GUARD, ...args];
  const cases: Case[] = [
    {
      runtime: "node24",
      id: "floorHttp",
      argv: guarded(floors.floorHttp),
      expect: KEY,
      runs: [],
    },
    {
      runtime: "node24",
      id: "cli",
      argv: guarded(NPM_BIN, "credential-process", "--no-cache"),
      expect: KEY,
      runs: [],
    },
  ];
  for (const [id, action] of [["action", setup.ours], ["officialAction", setup.official]] as const) {
    const c: Case = { runtime: "node24", id, argv: [], expect: EXPECT[id], runs: [] };
    if (typeof action === "string") c.error = action;
    else Object.assign(c, { argv: guarded(action.main), env: setup.env(action.inputs) });
    cases.push(c);
  }
  return cases;
}

/** The fresh-process cases of one runtime; `readable` is what Deno may read (the config file, ~/.aws). */
function casesFor(
  runtime: Runtime,
  stsHost: string,
  readable: string,
  setup: ActionSetup,
  floors: NodeFloors,
): Case[] {
  if (runtime === "node24") return node24Cases(setup, floors);
  const bin = BIN[runtime];
  const b = (file: string) => join(ROOT, "bench/cases", file);
  const deno = (flags: string[], file: string) => [bin, "run", ...flags, file];
  // Deno gets the narrow flags a user would give (the SDK gets -A: it reads more than we can list).
  const net = [`--allow-env`, `--allow-net=${stsHost}`];
  const argv: Partial<Record<CaseId, string[]>> = runtime === "deno"
    ? {
      empty: deno([], b("empty.js")),
      emptyModule: deno([], b("import_empty.js")),
      floorFetch: deno(net, b("floor_fetch.js")),
      floorHttp: deno(net, b("floor_http.js")),
      checked: deno([...net, `--allow-read=${readable}`], b("floor_checked.js")),
      // What `deno run jsr:@oidc2aws/oidc2aws/cli` runs: JSR's ./cli export is the built file.
      cli: deno([...net, `--allow-read=${readable}`], join(ROOT, "dist/cli.js")),
      lib: deno([...net, `--allow-read=${readable}`], b("lib_deno.js")),
      sdk: deno(["-A"], b("sdk.js")),
      import: deno([], b("import_deno.js")),
    }
    : {
      empty: runtime === "node" ? [bin, "-e", "0"] : [bin, b("empty.js")],
      // Node's ES module loader starts for an ES module entry; Bun's, for the entry's first import.
      emptyModule: runtime === "node" ? [bin, b("empty.js")] : [bin, b("import_empty.js")],
      floorFetch: [bin, runtime === "node" ? floors.floorFetch : b("floor_fetch.js")],
      floorHttp: [bin, runtime === "node" ? floors.floorHttp : b("floor_http.js")],
      checked: [bin, runtime === "node" ? floors.checked : b("floor_checked.js")],
      cli: [bin, NPM_BIN],
      lib: [bin, b(runtime === "node" ? "lib_npm.cjs" : "lib_npm.js")],
      sdk: [bin, b(runtime === "node" ? "sdk.cjs" : "sdk.js")],
      import: [bin, b("import_npm.js")],
    };
  argv.cli!.push("credential-process", "--no-cache");
  // Bun keeps what its transpiler makes of a file over 50 kB in the HOME's cache, which the warm-up
  // fills and a fresh CI job starts without: this case runs as that job's first run does.
  if (runtime === "bun") argv.cliFreshJob = argv.cli;
  return (Object.keys(argv) as CaseId[]).filter((id) => argv[id]).map((id) => ({
    runtime,
    id,
    argv: argv[id]!,
    expect: EXPECT[id],
    extraEnv: id === "cliFreshJob" ? { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" } : undefined,
    runs: [],
  }));
}

/**
 * Warm-up rounds, then `runs` counted rounds. Every round runs each live case once, in a new
 * shuffled order, so a slow drift of the machine hits every case alike and no case always follows
 * the same one. A case that fails once is reported and dropped.
 *
 * Every round also runs {@link NULL_COMMAND} the same way, at a place of its own in the order: its
 * median is what the harness itself adds to a run (spawning it from this Node process, `time`,
 * seeing it exit; ~15 ms on a 2-core machine, as much as a third of Bun's floor), and is taken off
 * every counted run. Left in, it pulled every ratio toward 1. Resolves that median (ms).
 */
async function runCases(cases: Case[], options: Options, env: Record<string, string>, dir: string): Promise<number> {
  const rssFile = RSS_MEASURED ? join(dir, "rss") : undefined;
  const overhead: number[] = [];
  const once = async (c: Case | undefined, record: boolean) => {
    if (c === undefined) {
      const run = await runOnce(NULL_COMMAND, { env, rssFile });
      if (!run.ok) throw new Error(`${NULL_COMMAND.join(" ")} failed: ${lastLine(run.stderr, "no message")}`);
      if (record) overhead.push(run.ms);
      return;
    }
    if (c.error) return;
    const run = await runOnce(c.argv, { env: c.env ?? { ...env, ...c.extraEnv }, rssFile });
    if (!run.ok || !c.expect.test(run.stdout)) c.error = lastLine(run.stderr, "exit without the expected output");
    else if (record) c.runs.push(run);
  };
  const round = () => shuffle<Case | undefined>([...cases, undefined]);
  for (let i = 0; i < options.warmup; i++) for (const c of round()) await once(c, false);
  for (let i = 0; i < options.runs; i++) {
    for (const c of round()) await once(c, true);
    if (process.stderr.isTTY) process.stderr.write(`\rbench: round ${i + 1}/${options.runs}`);
  }
  if (process.stderr.isTTY) process.stderr.write("\n");
  const harnessMs = median(overhead);
  for (const c of cases) for (const run of c.runs) run.ms -= harnessMs;
  return harnessMs;
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────

/** A small config file of 20 web identity profiles (p0 … p19); resolves its path. */
async function writeConfig(dir: string): Promise<string> {
  const file = join(dir, "aws_config");
  const profile = (i: number) =>
    `[profile p${i}]\nrole_arn = arn:aws:iam::123456789012:role/p${i}\nweb_identity_token_server = GitHub\n`;
  await writeFile(file, Array.from({ length: 20 }, (_, i) => profile(i)).join("\n"));
  return file;
}

/** The report's first lines: CPU, runtime versions, date. */
async function describeMachine(runtimes: Runtime[]): Promise<string[]> {
  const versions = await Promise.all(
    runtimes.map(async (r) =>
      `${r} ${r === "node" ? process.version : (await capture(BIN[r], ["--version"])).split("\n")[0]}`
    ),
  );
  const cpu = /^model name\s*:\s*(.*)$/m.exec(await readFile("/proc/cpuinfo", "utf8").catch(() => ""))?.[1] ??
    cpus()[0]?.model ?? "unknown CPU";
  return [
    `machine: ${cpu}, ${cpus().length} cores (${process.platform} ${process.arch})`,
    `runtimes: ${versions.join(", ")}`,
    `date: ${new Date().toISOString()}`,
  ];
}

/** Runs everything against the two emulators; resolves what was measured. */
async function measureAll(options: Options, dir: string, emulators: Emulator[]): Promise<Results> {
  const [emulator, slow] = emulators;
  const configFile = await writeConfig(dir);
  // Every variable a timed command gets (measure.ts's timedEnv leaves out the rest); HOME is empty,
  // so no ~/.aws is read.
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
  await actions.prepareRunnerFiles(dir);
  const setup: ActionSetup = {
    ours: await actions.ours(),
    official: await actions.official(options.officialAction, dir),
    env: (inputs) => actions.actionEnv(base, emulator.env, dir, inputs),
  };
  const floors = await writeNodeFloors(dir);
  const cases = options.runtimes.flatMap((r) => casesFor(r, stsHost, `${configFile},${base.HOME}/.aws`, setup, floors));

  const machine = await describeMachine(options.runtimes);
  const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
  machine.push(`load average (1, 5, 15 min) before: ${load()}`);
  const harnessMs = await runCases(cases, options, env, dir);
  const inproc: Results["inproc"] = {};
  const inprocEnv = { ...env, BENCH_LATENCY_ENV: JSON.stringify({ ...base, ...slow.env }) };
  for (const runtime of options.runtimes.filter((r) => MAIN_RUNTIMES.includes(r))) {
    inproc[runtime] = await inProcess(runtime, { quick: options.quick, env: inprocEnv });
  }
  const young = {
    floor: await youngGeneration([floors.floorHttp], env),
    cli: await youngGeneration([NPM_BIN, "credential-process", "--no-cache"], env),
  };
  const pack = await tarball();
  machine.push(`load average after: ${load()}`);
  return {
    options,
    machine,
    harnessMs,
    cases,
    inproc,
    young,
    pack,
    actions: actions.sizes(setup.ours, setup.official),
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(join(ROOT, "dist/cli.js"))) fail("dist/ is missing: run npm run build (npm run bench does)");
  const dir = await mkdtemp(join(tmpdir(), "oidc2aws-bench-"));
  exitOnSignal(() => rmSync(dir, { recursive: true, force: true }));
  const emulators: Emulator[] = [];
  try {
    emulators.push(
      ...await Promise.all([
        startEmulator(["emulator/main.ts", "--roles", "any"]),
        startEmulator(["bench/cases/latency_emulator.ts", String(LATENCY_MS)]),
      ]),
    );
    const results = await measureAll(options, dir, emulators);
    const text = report(results);
    process.stdout.write(text);
    const out = options.out ?? (options.quick ? undefined : join(ROOT, "bench/RESULTS.md"));
    if (out) {
      await writeFile(out, text);
      // The chart README shows, beside the report (docs/speed.svg for bench/RESULTS.md).
      const svg = options.out ? out.replace(/(\.md)?$/, ".svg") : join(ROOT, "docs/speed.svg");
      await mkdir(dirname(svg), { recursive: true });
      await writeFile(svg, chart(results));
    }
    const { cases, inproc, pack } = results;
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
