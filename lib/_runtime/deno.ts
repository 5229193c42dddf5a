/**
 * The Deno adapter: `Deno.env`, `Deno.readTextFileSync`, the global fetch, `Deno.stdout`. It never reads
 * `globalThis.process` (that loads Deno's Node compatibility layer, ~10-20 ms).
 *
 * @module
 */
import { isPermissionDenied, PermissionError } from "../errors.ts";
import { type Env, type Fetch, type FetchInit, NETWORK, type NetworkSettings, type ReadFile } from "../host.ts";
import { proxyConfigured } from "../proxy.ts";
import { caBundleFromEnv, fileKind, globalFetch, refusal, type Runtime, runtimeFs, type SpawnResult } from "./mod.ts";

// Minimal shapes of the Deno APIs used here (the core is type-checked with no runtime types).
interface DenoApi {
  env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  readTextFileSync(path: string): string;
  statSync(path: string): {
    size: number;
    isFile: boolean;
    isDirectory: boolean;
    isFifo: boolean | null;
    isCharDevice: boolean | null;
    isBlockDevice: boolean | null;
    isSocket: boolean | null;
  };
  errors: { NotFound: ErrorConstructor };
  createHttpClient(options: { caCerts?: string[] }): unknown;
  permissions: { querySync?(descriptor: { name: "env"; variable: string }): { state: string } };
  args: string[];
  build: { os: string };
  exitCode: number;
  uid(): number | null;
  stdout: { writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  Command: new (command: string, options: {
    args: string[];
    env: Record<string, string>;
    clearEnv: boolean;
    stdin: "inherit";
    stdout: "inherit";
    stderr: "inherit";
  }) => {
    spawn(): {
      kill(signal: string): void;
      status: Promise<{ code: number; signal: string | null }>;
    };
  };
}

/** The adapter for Deno. */
export function denoRuntime(): Runtime {
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  const encoder = new TextEncoder();
  // Synchronous: a small file reads in half the time of the first Deno.readTextFile. Still async, so
  // that a failure is a rejected promise, as ReadFile promises. A stat first: only a regular file of
  // at most MAX_FILE_BYTES is read (Deno cannot open non-blocking, and a FIFO's open would wait for
  // a writer). The file could change in between; what this guards against is a hang, not a race.
  // deno-lint-ignore require-await
  const readFile = async (path: string): Promise<string | undefined> => {
    try {
      const stat = deno.statSync(path);
      const refused = refusal(
        fileKind({
          file: stat.isFile,
          directory: stat.isDirectory,
          fifo: stat.isFifo,
          characterDevice: stat.isCharDevice,
          blockDevice: stat.isBlockDevice,
          socket: stat.isSocket,
        }),
        stat.size,
      );
      if (refused) throw refused;
      return deno.readTextFileSync(path);
    } catch (err) {
      // A missing file, or a path through a file (NotADirectory), as node:fs and Bun read them.
      if (err instanceof deno.errors.NotFound || (err as { code?: string }).code === "ENOTDIR") return undefined;
      if (isPermissionDenied(err)) {
        throw new PermissionError(`Deno denied reading ${path}: run with --allow-read=${path}`, {
          cause: err,
        });
      }
      throw err;
    }
  };
  const windows = deno.build.os === "windows";
  return {
    name: "deno",
    env: denoEnv(deno),
    readFile,
    fetch: denoFetch(deno, readFile),
    runCommand: async (command, args, options) =>
      (await import("./run_command.ts")).runCommand(command, args, options, windows),
    args: deno.args,
    platform: windows ? "win32" : deno.build.os,
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
    fs: runtimeFs(readFile),
    spawn: (command, args, env) => denoSpawn(deno, command, args, env),
  };
}

/**
 * `exec`'s command through Deno.Command: node:child_process in Deno reports a command that exited
 * on its own after a forwarded signal as killed by that signal (and loads the Node layer).
 */
async function denoSpawn(
  deno: DenoApi,
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<SpawnResult> {
  const { forwardSignals } = await import("./run_command.ts");
  let child: ReturnType<InstanceType<DenoApi["Command"]>["spawn"]>;
  try {
    child = new deno.Command(command, {
      args,
      env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    // Deno's own refusal (no --allow-run) is NotCapable; PermissionDenied with an errno code is the
    // system's (EACCES: not executable), left to the caller as any failure to start.
    if ((err as Error)?.name === "NotCapable" || (isPermissionDenied(err) && !(err as { code?: string }).code)) {
      throw new PermissionError(
        `Deno denied running ${JSON.stringify(command)}: run with --allow-run (or --allow-run=${command})`,
      );
    }
    throw err;
  }
  const stop = forwardSignals({
    add: (signal, handler) => deno.addSignalListener(signal, handler),
    remove: (signal, handler) => deno.removeSignalListener(signal, handler),
  }, (signal) => child.kill(signal));
  try {
    // Deno's code is already the shell's: 128 + N when signal N ended the command.
    const { code, signal } = await child.status;
    return { code: signal ? null : code, signal, status: code };
  } finally {
    stop();
  }
}

/** `Deno.env` as a record; a variable Deno may not read is ERR_PERMISSION naming the flag. */
function denoEnv(deno: DenoApi): Env {
  return new Proxy(Object.create(null) as Record<string, string | undefined>, {
    get(_target, name) {
      if (typeof name !== "string") return undefined;
      try {
        return deno.env.get(name);
      } catch (err) {
        if (isPermissionDenied(err)) {
          throw new PermissionError(
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
}

/**
 * Deno's fetch, with proxies and CA bundles applied as oidc2aws decides (see proxyFor in ../proxy.ts).
 * With a proxy variable set, requests go over node:http and node:tls (../_runtime/network.ts), as on
 * Node: Deno's own client reads the proxy variables itself, and its NO_PROXY rules differ (it even
 * applies them to a proxy given explicitly), so no Deno client could follow our decision. With a CA
 * bundle alone, a `Deno.createHttpClient({ caCerts })`, one per bundle. With neither, the global
 * fetch. Proxy variables Deno may not read (--allow-env without them) count as unset.
 */
function denoFetch(deno: DenoApi, readFile: ReadFile, settings: NetworkSettings = {}): Fetch {
  const env = readableEnv(deno);
  const fetch = async (url: string, init: FetchInit) => {
    const caBundle = settings.caBundle ?? caBundleFromEnv(env);
    if (proxyConfigured(env)) {
      return (await import("./node_http.ts")).request(url, init, undefined, { env, caBundle, readFile });
    }
    if (!caBundle) return globalFetch(url, init);
    const client = await caClient(deno, caBundle, readFile);
    return (globalThis.fetch as (url: string, init: object) => ReturnType<Fetch>)(url, { ...init, client });
  };
  return Object.assign(fetch, {
    [NETWORK]: (next: NetworkSettings) => denoFetch(deno, readFile, { ...settings, ...next }),
  });
}

const caClients = new Map<string, Promise<unknown>>();

function caClient(
  deno: DenoApi,
  caBundle: NonNullable<NetworkSettings["caBundle"]>,
  readFile: ReadFile,
): Promise<unknown> {
  let client = caClients.get(caBundle.path);
  if (!client) {
    client = import("./network.ts").then(async ({ loadCaBundle }) =>
      deno.createHttpClient({ caCerts: await loadCaBundle(caBundle, readFile) })
    );
    caClients.set(caBundle.path, client);
    client.catch(() => caClients.delete(caBundle.path));
  }
  return client;
}

/**
 * The environment for the network settings: a variable Deno may not read is unset (asked first, so
 * that a run with a narrower --allow-env never prompts for a proxy variable).
 */
function readableEnv(deno: DenoApi): Env {
  return new Proxy(Object.create(null) as Record<string, string | undefined>, {
    get(_target, name) {
      if (typeof name !== "string") return undefined;
      try {
        if (deno.permissions.querySync?.({ name: "env", variable: name }).state === "prompt") return undefined;
        return deno.env.get(name);
      } catch {
        return undefined;
      }
    },
  });
}
