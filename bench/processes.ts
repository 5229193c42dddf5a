/**
 * The processes the benchmark starts but does not time: the emulators and `--version` queries. Keeps
 * a registry of every child still running, so a signal or the end of the run kills them all.
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

/** The repository's root directory (with a trailing slash). */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** Every child still running, killed (with its process group) on the way out. */
export const children: Set<ChildProcess> = new Set();

/** Kills every child still running, with its process group where it has one. */
export function killAll(): void {
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }
}

/** On SIGINT or SIGTERM: kills every child, runs `cleanup` (synchronous) and exits with 130. */
export function exitOnSignal(cleanup: () => void): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      cleanup();
      process.exit(130);
    });
  }
}

/** A running emulator: the environment that points at it, and how to stop it. */
export interface Emulator {
  env: Record<string, string>;
  stop(): void;
}

/**
 * Starts an emulator process (`node --import tsx ARGS`: emulator/main.ts or
 * bench/cases/latency_emulator.ts); resolves the environment it prints as `export NAME='value'` lines.
 */
export function startEmulator(args: string[]): Promise<Emulator> {
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

/** A command's trimmed stdout, or "(unavailable)" when it fails. */
export function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile(command, args, (err, stdout) => resolve(err ? "(unavailable)" : stdout.trim()))
  );
}
