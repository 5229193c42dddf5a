/**
 * The runtime adapter: the only code that knows Deno, Bun, Node and `node:` modules. The library
 * imports it lazily (see `runtimeAdapter` in `../host.ts`), only when a caller did not inject a host
 * piece; the CLI creates it at start and hands it to the library. One file per runtime, and the
 * process-group runner that all three share; the file operations the three share are here.
 *
 * @module
 */
import { isPermissionDenied, PermissionError } from "../errors.ts";
import type { Env, Fetch, NetworkSettings, ReadFile, RunCommand } from "../host.ts";
import { proxyConfigured } from "../proxy.ts";

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
  /**
   * Runs a command with inherited stdio (and exactly `env`), passing on every signal of
   * {@linkcode FORWARDED_SIGNALS} until it ends; resolves how it ended. Rejects, with the errno
   * `code` (ENOENT, EACCES), when it cannot start.
   */
  spawn(command: string, args: string[], env: Record<string, string>): Promise<SpawnResult>;
}

/** How a command run by {@linkcode Runtime.spawn} ended. @internal */
export interface SpawnResult {
  /** Its exit code, or `null` when a signal ended it. */
  code: number | null;
  /** The signal that ended it (`SIGTERM`), or `null`. */
  signal: string | null;
  /** What a shell reports: the exit code, or 128 + the signal's number on this platform. */
  status: number;
}

/**
 * The signals `exec` passes on to its command, so that whoever signals oidc2aws signals the command
 * (and oidc2aws, which catches them, never ends before it): every signal whose default would end a
 * process and that a process may catch, and SIGWINCH. Left out: SIGKILL and SIGSTOP (no process can
 * catch them), SIGSEGV, SIGBUS, SIGFPE and SIGILL (faults of our own; Deno refuses to catch them),
 * SIGTRAP (debuggers), SIGCHLD (the command's own news), and job control (SIGTSTP, SIGTTIN, SIGTTOU,
 * SIGCONT), which the terminal sends to the whole process group. A name this platform lacks is
 * skipped (SIGPWR on macOS, SIGINFO on Linux; SIGPOLL is SIGIO's other name, so it is not listed).
 * @internal
 */
export const FORWARDED_SIGNALS: readonly string[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGTERM",
  "SIGUSR1",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGABRT",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
  "SIGSTKFLT",
  "SIGINFO",
  "SIGWINCH",
];

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
  mkdir(path: string, options: { mode: number }): Promise<unknown>;
  open(path: string, flags: number, mode: number): Promise<{
    appendFile(data: string): Promise<void>;
    close(): Promise<void>;
  }>;
  constants: { O_WRONLY: number; O_APPEND: number; O_CREAT: number; O_NONBLOCK?: number };
  lstat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean; uid: number; mode: number }>;
  writeFile(path: string, data: string, options: { mode: number; flag: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
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
      await makeDirectory(await fsp(), path, mode);
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
      const fs = await fsp();
      const { O_WRONLY, O_APPEND, O_CREAT, O_NONBLOCK = 0 } = fs.constants;
      try {
        // Non-blocking: opening a FIFO that no one reads fails (ENXIO) instead of waiting forever.
        const file = await fs.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK, 0o666);
        try {
          await file.appendFile(data);
        } finally {
          await file.close();
        }
      } catch (err) {
        throw writeFailure(err);
      }
    },
  };
}

/**
 * `mkdir -p`, one level at a time and at most once each: `{ recursive: true }` never returns on Node
 * where mkdir says ENOENT under a parent that exists (`/proc/1/x`).
 */
async function makeDirectory(fs: NodeFs, path: string, mode: number): Promise<void> {
  const missing: string[] = [];
  for (let current = path;;) {
    try {
      await fs.mkdir(current, { mode });
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "EEXIST") break;
      const parent = current.replace(/[/\\]+$/, "").replace(/[^/\\]*$/, "").replace(/(?<=.)[/\\]+$/, "");
      if (code !== "ENOENT" || parent === "" || parent === current || missing.length >= 64) throw err;
      missing.push(current);
      current = parent;
    }
  }
  for (const directory of missing.reverse()) {
    try {
      await fs.mkdir(directory, { mode });
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
  }
}

/** A failed write, said plainly (the cause keeps the raw error); Deno's permission refusal as it is. */
function writeFailure(err: unknown): unknown {
  if (isPermissionDenied(err)) return err;
  const code = (err as { code?: string })?.code;
  const reasons: Record<string, string> = {
    EISDIR: "it is a directory",
    ENOENT: "its directory does not exist",
    ENOTDIR: "a part of its path is not a directory",
    ENXIO: "it is a FIFO or device that no one reads",
    EAGAIN: "it is a FIFO or device that does not take the data now",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EROFS: "the file system is read-only",
    ENOSPC: "no space left on the device",
  };
  const reason = (code && reasons[code]) ?? (err as Error)?.message ?? String(err);
  return Object.assign(new Error(reason), { code, cause: err });
}

/** The most oidc2aws reads of one file (a config, credentials or token file, a cache entry). @internal */
export const MAX_FILE_BYTES: number = 1024 * 1024;

/**
 * Why a file will not be read, or `undefined` if it will: it is not a regular file (`kind` says what
 * it is: a device or a FIFO would never end or never start), or it is over {@linkcode MAX_FILE_BYTES}.
 * The readers' callers add the path and what to do (ERR_CONFIG_READ, ERR_TOKEN_UNAVAILABLE). @internal
 */
export function refusal(kind: string | undefined, size: number): Error | undefined {
  if (kind !== undefined) {
    return Object.assign(new Error(`it is ${kind}, not a regular file`), {
      code: kind === "a directory" ? "EISDIR" : "EINVAL",
    });
  }
  if (size > MAX_FILE_BYTES) {
    return Object.assign(
      new Error(`it is larger than 1 MiB (${MAX_FILE_BYTES} bytes), the most oidc2aws reads of a file`),
      { code: "EFBIG" },
    );
  }
  return undefined;
}

/** What a path that is not a regular file is, from a stat's `is…` answers; `undefined` for a regular file. @internal */
export function fileKind(stat: {
  file: boolean;
  directory: boolean;
  fifo?: boolean | null;
  characterDevice?: boolean | null;
  blockDevice?: boolean | null;
  socket?: boolean | null;
}): string | undefined {
  if (stat.file) return undefined;
  if (stat.directory) return "a directory";
  if (stat.fifo) return "a FIFO (named pipe)";
  if (stat.characterDevice) return "a character device";
  if (stat.blockDevice) return "a block device";
  if (stat.socket) return "a socket";
  return "a special file";
}

/** The global fetch, looked up at each call, so that a fetch patched later (msw, a test spy) is used. @internal */
export const globalFetch: Fetch = (url, init) => (globalThis.fetch as Fetch)(url, init);

/** `AWS_CA_BUNDLE` as the adapters' fetch reads it (when no profile gave a CA bundle). @internal */
export function caBundleFromEnv(env: Env): NetworkSettings["caBundle"] {
  const path = env.AWS_CA_BUNDLE;
  return path ? { path, origin: { envVar: "AWS_CA_BUNDLE" } } : undefined;
}

/** Whether a request needs more than the runtime's plain fetch: a proxy variable or a CA bundle is set. @internal */
export function networkInUse(env: Env, caBundle: NetworkSettings["caBundle"]): boolean {
  return caBundle !== undefined || proxyConfigured(env);
}
