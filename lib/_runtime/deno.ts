/**
 * The Deno adapter: `Deno.env`, `Deno.readTextFileSync`, the global fetch, `Deno.stdout`. It never reads
 * `globalThis.process` (that loads Deno's Node compatibility layer, ~10-20 ms).
 *
 * @module
 */
import { isPermissionDenied, PermissionError } from "../errors.ts";
import type { Env } from "../host.ts";
import { fileKind, globalFetch, refusal, type Runtime, runtimeFs } from "./mod.ts";

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
  args: string[];
  build: { os: string };
  exitCode: number;
  uid(): number | null;
  stdout: { writeSync(data: Uint8Array): number };
  stderr: { writeSync(data: Uint8Array): number };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
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
    fetch: globalFetch,
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
    spawn: async (command, args, env) =>
      (await import("./run_command.ts")).spawnInherit(command, args, env, {
        add: (signal, handler) => deno.addSignalListener(signal, handler),
        remove: (signal, handler) => deno.removeSignalListener(signal, handler),
      }),
  };
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
