/**
 * The one module that knows about Deno, Bun, Node and `node:` modules. It is loaded lazily, only
 * when a caller did not inject a host piece, so the rest of the library stays web-standard.
 */
import { Oidc2AwsError } from "./errors.ts";
import type { Env, Fetch, FetchInit, FetchResponse, ReadFile, RunCommand } from "./runtime.ts";

/** What the library and the CLI take from the runtime. */
export interface RuntimeAdapter {
  name: "deno" | "bun" | "node";
  env: Env;
  readFile: ReadFile;
  fetch: Fetch;
  runCommand: RunCommand;
}

// Minimal shapes of the runtime APIs used here (the core is type-checked with no runtime types).
interface DenoNamespace {
  env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  readTextFile(path: string): Promise<string>;
  errors: { NotFound: ErrorConstructor; NotCapable?: ErrorConstructor; PermissionDenied: ErrorConstructor };
}
interface NodeProcess {
  env: Record<string, string | undefined>;
  versions: { node?: string; bun?: string };
}
interface NodeIncoming extends AsyncIterable<Uint8Array> {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
}
interface NodeRequest {
  on(event: "error", listener: (err: Error) => void): void;
  end(body?: string): void;
}
interface NodeHttp {
  request(url: URL, options: object, callback: (res: NodeIncoming) => void): NodeRequest;
}
interface NodeFs {
  readFile(path: string, encoding: "utf8"): Promise<string>;
  mkdir(path: string, options: { recursive: boolean; mode: number }): Promise<unknown>;
  lstat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean; uid: number; mode: number }>;
  writeFile(path: string, data: string, options: { mode: number; flag: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  appendFile(path: string, data: string): Promise<void>;
}
interface NodeReadable {
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  destroy(): void;
}
interface NodeChild {
  pid?: number;
  stdout: NodeReadable | null;
  stderr: NodeReadable | null;
  on(event: "exit" | "close", listener: (code: number | null, signal: string | null) => void): void;
  on(event: "error", listener: (err: Error & { code?: string }) => void): void;
  kill(signal: string): boolean;
}
interface NodeChildProcess {
  spawn(
    command: string,
    args: string[],
    options: {
      stdio: "inherit" | ["ignore", "pipe", "pipe"];
      env: Record<string, string>;
      detached?: boolean;
      windowsHide?: boolean;
    },
  ): NodeChild;
}
interface NodeProcessFull extends NodeProcess {
  argv: string[];
  platform: string;
  exitCode?: number;
  stdout: { write(data: string | Uint8Array): boolean };
  stderr: { write(data: string | Uint8Array): boolean };
  getuid?(): number;
  on(event: string, listener: () => void): void;
  off(event: string, listener: () => void): void;
  getBuiltinModule?(name: "node:fs"): { writeSync(fd: number, data: Uint8Array, offset: number): number };
}
interface DenoFull extends DenoNamespace {
  args: string[];
  build: { os: string };
  exitCode: number;
  uid(): number | null;
  stdout: { writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number };
}

/** Imports a `node:` module; the specifier is opaque to the type checker, which knows no runtime types here. */
function nodeModule<T>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}

const g = globalThis as unknown as { Deno?: DenoNamespace; Bun?: unknown; process?: NodeProcess };

/** Builds the adapter for the runtime this code runs on. */
export function createAdapter(): RuntimeAdapter {
  if (g.Deno) return denoAdapter(g.Deno);
  const process = g.process;
  if (!process) {
    throw new Oidc2AwsError("ERR_PERMISSION", "No runtime environment found: pass env, readFile and fetch explicitly");
  }
  const bun = g.Bun !== undefined;
  return {
    name: bun ? "bun" : "node",
    env: process.env,
    readFile: nodeReadFile,
    // Bun's fetch is native and fast; Node's first fetch loads undici (~65 ms), so Node gets node:http.
    fetch: bun ? globalFetch : nodeFetch,
    runCommand,
  };
}

function denoAdapter(deno: DenoNamespace): RuntimeAdapter {
  const denied = (err: unknown): boolean =>
    (deno.errors.NotCapable !== undefined && err instanceof deno.errors.NotCapable) ||
    err instanceof deno.errors.PermissionDenied;
  const env = new Proxy(Object.create(null) as Record<string, string | undefined>, {
    get(_target, name) {
      if (typeof name !== "string") return undefined;
      try {
        return deno.env.get(name);
      } catch (err) {
        if (denied(err)) {
          throw new Oidc2AwsError(
            "ERR_PERMISSION",
            `Deno denied access to the environment variable ${name}: run with --allow-env (or --allow-env=${name})`,
          );
        }
        throw err;
      }
    },
    has(_target, name) {
      return typeof name === "string" && deno.env.get(name) !== undefined;
    },
    ownKeys() {
      return Object.keys(deno.env.toObject());
    },
    getOwnPropertyDescriptor(_target, name) {
      const value = typeof name === "string" ? deno.env.get(name) : undefined;
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
  });
  return {
    name: "deno",
    env,
    async readFile(path) {
      try {
        return await deno.readTextFile(path);
      } catch (err) {
        if (err instanceof deno.errors.NotFound) return undefined;
        if (denied(err)) {
          throw new Oidc2AwsError("ERR_PERMISSION", `Deno denied reading ${path}: run with --allow-read=${path}`, {
            cause: err,
          });
        }
        throw err;
      }
    },
    fetch: globalFetch,
    runCommand,
  };
}

/** The most a token command may print (stdout and stderr together). */
const COMMAND_OUTPUT_LIMIT = 1024 * 1024;
/** After SIGTERM at the deadline, the command's process group gets this long before SIGKILL. */
const KILL_GRACE_MS = 500;
/** After the command exits, how long its output pipes may stay open (held by a child it left). */
const EXIT_GRACE_MS = 200;

/**
 * Runs a command with node:child_process (all three runtimes have it), without a shell. At the
 * deadline (or when the signal aborts) it answers at once and stops the command's whole process
 * group: SIGTERM, then SIGKILL after a short grace, so neither a command that ignores SIGTERM nor a
 * child it left behind holding stdout can keep the caller waiting.
 */
const runCommand: RunCommand = async (command, args, options) => {
  const { spawn } = await nodeModule<NodeChildProcess>("node:child_process");
  const { default: proc } = await nodeModule<{ default: { kill(pid: number, signal: string): void } }>(
    "node:process",
  );
  const os = g.Deno ? (g.Deno as unknown as DenoFull).build.os : (g.process as NodeProcessFull).platform;
  const windows = os === "windows" || os === "win32";
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) env[name] = value;
  return new Promise((resolve, reject) => {
    let child: NodeChild;
    try {
      // detached: its own process group (POSIX), so that the group can be stopped as a whole.
      child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: !windows, windowsHide: true });
    } catch (err) {
      return reject(commandError(err));
    }
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    let exitTimer: ReturnType<typeof setTimeout> | undefined;
    const stop = (): void => {
      const signal = (name: string): void => {
        try {
          if (!windows && child.pid !== undefined) proc.kill(-child.pid, name);
          else child.kill(name);
        } catch {
          // already gone
        }
      };
      signal("SIGTERM");
      setTimeout(() => signal("SIGKILL"), KILL_GRACE_MS);
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(exitTimer);
      options.signal?.removeEventListener("abort", onAbort);
      action();
    };
    const text = (chunks: Uint8Array[]): string => {
      const decoder = new TextDecoder();
      return chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
    };
    const collect = (into: Uint8Array[]) => (chunk: Uint8Array): void => {
      size += chunk.length;
      if (size > COMMAND_OUTPUT_LIMIT) {
        stop();
        const error = Object.assign(new Error(`it printed more than ${COMMAND_OUTPUT_LIMIT} bytes`), {
          code: "EOVERFLOW",
        });
        return settle(() => reject(error));
      }
      into.push(chunk);
    };
    child.stdout?.on("data", collect(out));
    child.stderr?.on("data", collect(err));
    child.on("error", (error) => settle(() => reject(commandError(error))));
    const done = (code: number | null) => (): void =>
      resolve({ code, stdout: text(out), stderr: text(err), timedOut: false });
    child.on("close", (code) => settle(done(code)));
    // The command exited but something it started still holds its output open: take what is in the
    // pipes, then stop the rest of its group.
    child.on("exit", (code) => {
      if (settled) return;
      exitTimer = setTimeout(() => {
        if (settled) return;
        stop();
        settle(done(code));
      }, EXIT_GRACE_MS);
    });
    const timer = setTimeout(() => {
      stop();
      settle(() => resolve({ code: null, stdout: text(out), stderr: text(err), timedOut: true }));
    }, options.timeoutMs);
    const onAbort = (): void => {
      stop();
      settle(() => reject(options.signal!.reason));
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
  });
};

/** Deno's refusal to run a command (no --allow-run) as ERR_PERMISSION naming the flag; else undefined. */
function deniedRun(err: unknown, what: string, flag: string): Oidc2AwsError | undefined {
  const name = (err as { name?: string })?.name;
  if (name !== "NotCapable" && name !== "PermissionDenied" && !/Requires run access/.test(String(err))) {
    return undefined;
  }
  return new Oidc2AwsError("ERR_PERMISSION", `Deno denied running ${what}: run with --allow-run (or ${flag})`);
}

/**
 * A token command that could not start, reduced to what is safe to show: its errno code (ENOENT,
 * EACCES) and no arguments (the raw error lists them, and the command is not quoted in case a
 * token was pasted there). Deno's permission refusal becomes ERR_PERMISSION.
 */
function commandError(err: unknown): Error {
  const denied = deniedRun(err, "the token command", "--allow-run=<the command's name>");
  if (denied) return denied;
  const code = (err as { code?: unknown })?.code;
  return Object.assign(new Error(typeof code === "string" ? code : "it could not be started"), {
    code: typeof code === "string" ? code : undefined,
  });
}

/** The global fetch, looked up at each call, so that a fetch patched later (msw, a test spy) is used. */
const globalFetch: Fetch = (url, init) => (globalThis.fetch as Fetch)(url, init);

let fs: Promise<NodeFs> | undefined;

async function nodeReadFile(path: string): Promise<string | undefined> {
  try {
    // Bun.file: node:fs/promises costs Bun ~3.5 ms to load.
    if (g.Bun !== undefined) return await (g.Bun as BunApi).file(path).text();
    // Node ≥ 20.16: a synchronous read of a small file skips loading node:fs/promises (~1 ms).
    const sync = builtin<{ readFileSync(path: string, encoding: "utf8"): string }>("node:fs");
    if (sync) return sync.readFileSync(path, "utf8");
    fs ??= nodeModule<NodeFs>("node:fs/promises");
    return await (await fs).readFile(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/**
 * A Node built-in module, synchronously, through process.getBuiltinModule (Node ≥ 20.16), or
 * undefined. It returns the CommonJS module object, which interceptors (msw, nock) patch.
 */
function builtin<T>(name: string): T | undefined {
  const process = g.process as { getBuiltinModule?(name: string): unknown } | undefined;
  return g.Bun === undefined && !g.Deno ? process?.getBuiltinModule?.(name) as T | undefined : undefined;
}

let http: Promise<NodeHttp> | undefined;
let https: Promise<NodeHttp> | undefined;

/** A fetch over node:http / node:https: no redirects followed, the body streamed as it arrives. */
async function nodeFetch(url: string, init: FetchInit): Promise<FetchResponse> {
  const target = new URL(url);
  // The CommonJS module object (the default export), not the ESM namespace's snapshot of its
  // functions, so that interceptors patching http.request (msw, nock) see the request.
  const name = target.protocol === "https:" ? "node:https" : "node:http";
  const client = builtin<NodeHttp>(name) ??
    await (name === "node:https"
      ? https ??= nodeModule<{ default: NodeHttp }>(name).then((m) => m.default)
      : http ??= nodeModule<{ default: NodeHttp }>(name).then((m) => m.default));
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers["content-length"] = String(new TextEncoder().encode(init.body).length);
  return new Promise((resolve, reject) => {
    const request = client.request(target, { method: init.method, headers, signal: init.signal }, (response) => {
      resolve({
        status: response.statusCode ?? 0,
        headers: {
          get(name: string): string | null {
            const value = response.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
          },
        },
        body: response,
      });
    });
    request.on("error", reject);
    request.end(init.body);
  });
}

/** What the CLI needs beyond the library's host pieces. */
export interface CliSystem {
  runtime: "deno" | "bun" | "node";
  /** The process environment (enumerable, for `exec`). */
  env: Env;
  /** Command-line arguments after the script. */
  args: string[];
  platform: string;
  write(stream: "stdout" | "stderr", text: string): void;
  setExitCode(code: number): void;
  /** This process's user id; `undefined` where unknown (Windows, or Deno without --allow-sys=uid). */
  uid(): number | undefined;
  fs: CliFs;
  /** Runs a command with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP; resolves its exit. */
  spawn(
    command: string,
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; signal: string | null }>;
}

/** File operations of the CLI (the credential cache, `$GITHUB_ENV`). */
export interface CliFs {
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

interface BunApi {
  file(path: string): { text(): Promise<string> };
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
  stderr: unknown;
}

/**
 * Writes to stdout/stderr without creating process.stdout, which costs Node ~3.5 ms and Bun ~13 ms:
 * Bun.write on Bun (in order, through one promise chain), fs.writeSync on Node (process.stdout for
 * whatever a non-blocking pipe refuses, and on Node < 20.16, which lacks process.getBuiltinModule).
 */
function processWriter(p: NodeProcessFull): CliSystem["write"] {
  if (g.Bun !== undefined) {
    const bun = g.Bun as BunApi;
    let chain: Promise<unknown> = Promise.resolve();
    return (stream, text) => void (chain = chain.then(() => bun.write(bun[stream], text)));
  }
  const fs = p.getBuiltinModule?.("node:fs");
  if (!fs) return (stream, text) => void p[stream].write(text);
  const encoder = new TextEncoder();
  let queued = false; // once a non-blocking pipe refused bytes, the stream keeps the order
  return (stream, text) => {
    if (queued) return void p[stream].write(text);
    let bytes = encoder.encode(text);
    try {
      while (bytes.length) bytes = bytes.subarray(fs.writeSync(stream === "stdout" ? 1 : 2, bytes, 0));
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      queued = true;
      p[stream].write(bytes);
    }
  };
}

/** Builds the CLI's system for this runtime. File and process operations use node: modules, which all three runtimes provide. */
export function createCliSystem(): CliSystem {
  const adapter = createAdapter();
  // Loaded on first use only: on Deno, node:child_process alone costs tens of milliseconds.
  let fsModule: Promise<NodeFs> | undefined;
  let childModule: Promise<NodeChildProcess> | undefined;
  const fsp = () => (fsModule ??= nodeModule<NodeFs>("node:fs/promises"));
  const childProcess = () => (childModule ??= nodeModule<NodeChildProcess>("node:child_process"));
  const encoder = new TextEncoder();
  const deno = g.Deno as DenoFull | undefined;
  // Not on Deno: reading globalThis.process there loads its Node compatibility layer (~10-20 ms).
  const proc = deno ? undefined : (g.process as NodeProcessFull | undefined);
  const fs: CliFs = {
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
    readFile: nodeReadFile,
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
  const spawn: CliSystem["spawn"] = async (command, args, env) => {
    const { spawn } = await childProcess();
    return new Promise((resolve, reject) => {
      let child: NodeChild;
      try {
        child = spawn(command, args, { stdio: "inherit", env });
      } catch (err) {
        return reject(deniedRun(err, JSON.stringify(command), `--allow-run=${command}`) ?? err);
      }
      const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
      const forwarders = signals.map((signal) => () => void child.kill(signal));
      const listen = (on: boolean) =>
        signals.forEach((signal, i) => {
          try {
            if (deno) {
              const api = deno as unknown as Record<string, (s: string, f: () => void) => void>;
              api[on ? "addSignalListener" : "removeSignalListener"](signal, forwarders[i]);
            } else if (proc) {
              proc[on ? "on" : "off"](signal, forwarders[i]);
            }
          } catch {
            // A signal this platform does not have (SIGHUP on Windows) is simply not forwarded.
          }
        });
      listen(true);
      child.on("error", (err) => {
        listen(false);
        reject(deniedRun(err, JSON.stringify(command), `--allow-run=${command}`) ?? err);
      });
      child.on("exit", (code, signal) => {
        listen(false);
        resolve({ code, signal });
      });
    });
  };
  if (deno) {
    return {
      runtime: "deno",
      env: adapter.env,
      args: deno.args,
      platform: deno.build.os === "windows" ? "win32" : deno.build.os,
      write(stream, text) {
        let bytes = encoder.encode(text);
        while (bytes.length) bytes = bytes.subarray(deno[stream].writeSync(bytes));
      },
      setExitCode: (code) => void (deno.exitCode = code),
      uid() {
        try {
          return deno.uid() ?? undefined;
        } catch {
          return undefined;
        }
      },
      fs,
      spawn,
    };
  }
  const p = proc!;
  return {
    runtime: adapter.name,
    env: adapter.env,
    args: p.argv.slice(2),
    platform: p.platform,
    write: processWriter(p),
    setExitCode: (code) => void (p.exitCode = code),
    uid: () => p.getuid?.(),
    fs,
    spawn,
  };
}
