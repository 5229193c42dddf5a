/**
 * The Node adapter: `process`, synchronous built-ins through `process.getBuiltinModule` (Node ≥ 20.16;
 * they skip loading `node:fs/promises`), and the small `node:http` fetch of `./node_http.ts`, because
 * Node's first global `fetch` loads undici (~65 ms). Bun reuses the process-based pieces (see `bun.ts`).
 *
 * @module
 */
import type { Env, ReadFile } from "../host.ts";
import { fileKind, refusal, type Runtime, runtimeFs } from "./mod.ts";
import { builtin, nodeFetch } from "./node_http.ts";

/** The parts of Node's (and Bun's) `process` used here. */
export interface NodeProcess {
  env: Record<string, string | undefined>;
  argv: string[];
  platform: string;
  exitCode?: number;
  stdout: { write(data: string | Uint8Array): boolean };
  stderr: { write(data: string | Uint8Array): boolean };
  getuid?(): number;
  on(event: string, listener: () => void): void;
  off(event: string, listener: () => void): void;
  getBuiltinModule?(name: string): unknown;
}
interface NodeWriteSync {
  writeSync(fd: number, data: Uint8Array, offset: number): number;
}

const proc = (): NodeProcess => (globalThis as unknown as { process: NodeProcess }).process;

/** The adapter for Node. */
export function nodeRuntime(): Runtime {
  const p = proc();
  const env = p.env as Env;
  return {
    ...processRuntime(p, nodeReadFile),
    name: "node",
    fetch: nodeFetch(env, nodeReadFile),
    write: processWriter(p),
  };
}

/** What Node and Bun share: everything that goes through `process`. */
export function processRuntime(
  p: NodeProcess,
  readFile: ReadFile,
): Omit<Runtime, "name" | "fetch" | "write"> {
  const windows = p.platform === "win32";
  return {
    env: p.env as Env,
    readFile,
    runCommand: async (command, args, options) =>
      (await import("./run_command.ts")).runCommand(command, args, options, windows),
    args: p.argv.slice(2),
    platform: p.platform,
    setExitCode: (code) => void (p.exitCode = code),
    uid: () => p.getuid?.(),
    fs: runtimeFs(readFile),
    spawn: async (command, args, env) =>
      (await import("./run_command.ts")).spawnInherit(command, args, env, {
        add: (signal, handler) => p.on(signal, handler),
        remove: (signal, handler) => p.off(signal, handler),
      }),
  };
}

/** A missing file (or a path through a non-directory) reads as `undefined`. */
export function missing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The file calls nodeReadFile makes: node:fs (synchronous) and, on Node < 20.16, node:fs/promises. */
interface NodeFsSync {
  openSync(path: string, flags: number): number;
  fstatSync(fd: number): NodeStat;
  readFileSync(fd: number, encoding: "utf8"): string;
  closeSync(fd: number): void;
  constants: { O_RDONLY: number; O_NONBLOCK?: number };
}
interface NodeFsPromises {
  open(path: string, flags: number): Promise<{
    stat(): Promise<NodeStat>;
    readFile(encoding: "utf8"): Promise<string>;
    close(): Promise<void>;
  }>;
  constants: NodeFsSync["constants"];
}
interface NodeStat {
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}

/**
 * Reads a regular file of at most MAX_FILE_BYTES; anything else is refused at once (see `refusal`).
 * Opened non-blocking, so that a FIFO with no writer does not wait for one; checked with fstat on the
 * open file (no race); then read, which for a regular file reads the size fstat gave (or, for one
 * whose size says 0, as in /proc, to its end). The fstat costs a cold start ~0.3 ms.
 */
async function nodeReadFile(path: string): Promise<string | undefined> {
  try {
    // Synchronous calls skip loading node:fs/promises (~1 ms); Node < 20.16 has no getBuiltinModule.
    const sync = builtin<NodeFsSync>("node:fs");
    if (sync) {
      const fd = sync.openSync(path, sync.constants.O_RDONLY | (sync.constants.O_NONBLOCK ?? 0));
      try {
        check(sync.fstatSync(fd));
        return sync.readFileSync(fd, "utf8");
      } finally {
        sync.closeSync(fd);
      }
    }
    // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
    const fs = await (import("node:fs/promises") as Promise<NodeFsPromises>);
    const file = await fs.open(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      check(await file.stat());
      return await file.readFile("utf8");
    } finally {
      await file.close();
    }
  } catch (err) {
    if (missing(err)) return undefined;
    throw err;
  }
}

/** Throws why a file will not be read (not a regular file, or over the cap), if it will not. */
function check(stat: NodeStat): void {
  const kind = fileKind({
    file: stat.isFile(),
    directory: stat.isDirectory(),
    fifo: stat.isFIFO(),
    characterDevice: stat.isCharacterDevice(),
    blockDevice: stat.isBlockDevice(),
    socket: stat.isSocket(),
  });
  const refused = refusal(kind, stat.size);
  if (refused) throw refused;
}

/**
 * Writes to stdout/stderr without creating process.stdout (which costs Node ~3.5 ms): fs.writeSync,
 * and process.stdout for whatever a non-blocking pipe refuses (and on Node < 20.16, which lacks
 * process.getBuiltinModule).
 */
function processWriter(p: NodeProcess): Runtime["write"] {
  const fs = builtin<NodeWriteSync>("node:fs");
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
