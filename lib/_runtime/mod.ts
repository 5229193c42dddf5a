/**
 * The runtime adapter: the only code that knows Deno, Bun, Node and `node:` modules. The library
 * imports it lazily (see `runtimeAdapter` in `../host.ts`), only when a caller did not inject a host
 * piece; the CLI creates it at start and hands it to the library. One file per runtime, and the
 * process-group runner that all three share; the file operations the three share are here.
 *
 * @module
 */
import { PermissionError } from "../errors.ts";
import type { Env, Fetch, ReadFile, RunCommand } from "../host.ts";

/** What the library and the CLI take from the runtime. @internal */
export interface Runtime {
  name: "deno" | "bun" | "node";
  /** The process environment (enumerable where the runtime allows, for `exec`). */
  env: Env;
  readFile: ReadFile;
  fetch: Fetch;
  runCommand: RunCommand;
  /** Command-line arguments after the script. */
  args: string[];
  /** `linux`, `darwin`, `win32`, ... */
  platform: string;
  write(stream: "stdout" | "stderr", text: string): void;
  setExitCode(code: number): void;
  /** This process's user id; `undefined` where unknown (Windows, or Deno without --allow-sys=uid). */
  uid(): number | undefined;
  fs: RuntimeFs;
  /** Runs a command with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP; resolves its exit. */
  spawn(command: string, args: string[], env: Record<string, string>): Promise<SpawnResult>;
}

/** How a command run by {@linkcode Runtime.spawn} ended. @internal */
export interface SpawnResult {
  code: number | null;
  signal: string | null;
}

/** File operations of the CLI (the credential cache, `$GITHUB_ENV`). @internal */
export interface RuntimeFs {
  mkdir(path: string, mode: number): Promise<void>;
  /** `undefined` when the path does not exist. */
  lstat(path: string): Promise<{ isFile: boolean; isDirectory: boolean; uid: number; mode: number } | undefined>;
  readFile(path: string): Promise<string | undefined>;
  /** Creates a new file (fails if it exists) with this mode. */
  writeNew(path: string, data: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  append(path: string, data: string): Promise<void>;
}

const g = globalThis as { Deno?: unknown; Bun?: unknown; process?: unknown };

/** Builds the adapter for the runtime this code runs on; only that runtime's file is loaded. @internal */
export async function createRuntime(): Promise<Runtime> {
  // Deno first: reading globalThis.process there loads its Node compatibility layer (~10-20 ms).
  if (g.Deno) return (await import("./deno.ts")).denoRuntime();
  if (g.Bun !== undefined) return (await import("./bun.ts")).bunRuntime();
  if (g.process) return (await import("./node.ts")).nodeRuntime();
  throw new PermissionError("No runtime environment found: pass env, readFile and fetch explicitly");
}

// The CLI's file operations over node:fs/promises, which Deno, Bun and Node all provide; imported on
// first use only: the common path (no cache, no $GITHUB_ENV) never loads it.

interface NodeFs {
  mkdir(path: string, options: { recursive: boolean; mode: number }): Promise<unknown>;
  lstat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean; uid: number; mode: number }>;
  writeFile(path: string, data: string, options: { mode: number; flag: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  appendFile(path: string, data: string): Promise<void>;
}

let module: Promise<NodeFs> | undefined;
function fsp(): Promise<NodeFs> {
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  return module ??= import("node:fs/promises") as Promise<NodeFs>;
}

/** The CLI's file operations; `readFile` is the runtime's own. @internal */
export function runtimeFs(readFile: ReadFile): RuntimeFs {
  return {
    async mkdir(path, mode) {
      await (await fsp()).mkdir(path, { recursive: true, mode });
    },
    async lstat(path) {
      try {
        const stat = await (await fsp()).lstat(path);
        return { isFile: stat.isFile(), isDirectory: stat.isDirectory(), uid: stat.uid, mode: stat.mode };
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return undefined;
        throw err;
      }
    },
    readFile,
    async writeNew(path, data, mode) {
      await (await fsp()).writeFile(path, data, { mode, flag: "wx" });
    },
    async rename(from, to) {
      await (await fsp()).rename(from, to);
    },
    async remove(path) {
      await (await fsp()).rm(path, { force: true });
    },
    async append(path, data) {
      await (await fsp()).appendFile(path, data);
    },
  };
}

/** The global fetch, looked up at each call, so that a fetch patched later (msw, a test spy) is used. @internal */
export const globalFetch: Fetch = (url, init) => (globalThis.fetch as Fetch)(url, init);
