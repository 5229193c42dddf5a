// Runs the oidc2aws CLI as a subprocess on the runtime running the tests, as its users get it: the
// built dist/cli.js under `deno run` (JSR's ./cli export), npm's bin dist/bin.cjs (which loads
// dist/cli.js) under Node (`npx oidc2aws`) and Bun (`bunx --bun oidc2aws`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

/** Which runtime runs the CLI in these tests. */
export const RUNTIME: "deno" | "bun" | "node" = deno ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** The command line that starts the CLI on this runtime (Deno: with the given permission flags). */
export function cliCommand(denoFlags: string[] = ["-A"]): string[] {
  const bin = `${root}dist/${deno ? "cli.js" : "bin.cjs"}`;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`);
  if (deno) return [deno.execPath(), "run", "--quiet", "--no-prompt", ...denoFlags, bin];
  return [process.execPath, bin];
}

/** The result of one CLI run. */
export interface CliRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with these arguments and exactly this environment (plus PATH and HOME). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; denoFlags?: string[]; cwd?: string } = {},
): Promise<CliRun> {
  const [command, ...prefix] = cliCommand(options.denoFlags);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/nonexistent",
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  if (process.env.DENO_DIR) env.DENO_DIR = process.env.DENO_DIR;
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], {
      env,
      cwd: options.cwd ?? root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    // A CLI that exits before reading its stdin (--help) closes the pipe: EPIPE here is no failure.
    child.stdin!.on("error", (err: NodeJS.ErrnoException) => err.code !== "EPIPE" && reject(err));
    child.stdin!.end(options.input ?? "");
  });
}
