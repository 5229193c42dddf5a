/**
 * The Bun adapter: Node's process-based pieces, with Bun's own fast paths: its native global fetch,
 * `Bun.mmap` to read files (node:fs costs Bun ~8 ms to load, and the first `Bun.file().text()` ~3 ms
 * to start its I/O threads) and `Bun.write` (process.stdout costs ~13 ms).
 *
 * @module
 */
import type { Env, Fetch, FetchInit, NetworkSettings, ReadFile } from "../host.ts";
import { NETWORK } from "../host.ts";
import { proxyConfigured } from "../proxy.ts";
import { caBundleFromEnv, fileKind, globalFetch, MAX_FILE_BYTES, refusal, type Runtime } from "./mod.ts";
import { missing, type NodeProcess, processRuntime } from "./node.ts";
import { request } from "./node_http.ts";

interface BunApi {
  mmap(path: string): Uint8Array;
  file(path: string): BunFile;
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
  stderr: unknown;
}
interface BunFile {
  /** From a stat, synchronous: Infinity for a FIFO or a device (what would never end), 0 if missing. */
  size: number;
  text(): Promise<string>;
  stat(): Promise<{
    isFile(): boolean;
    isDirectory(): boolean;
    isFIFO(): boolean;
    isCharacterDevice(): boolean;
    isBlockDevice(): boolean;
    isSocket(): boolean;
  }>;
}

/** The adapter for Bun. */
export function bunRuntime(): Runtime {
  const g = globalThis as unknown as { Bun: BunApi; process: NodeProcess };
  const bun = g.Bun;
  const decoder = new TextDecoder();
  const readFile = async (path: string): Promise<string | undefined> => {
    // Only a regular file of at most MAX_FILE_BYTES is read. Bun.file's size is a stat that opens
    // nothing (a FIFO's open would wait for a writer); for a FIFO or a device it is Infinity, and
    // only then does a (slower) stat tell which. mmap fails on a directory (EISDIR).
    const file = bun.file(path);
    const size = file.size;
    if (size === Infinity) throw refusal(await kindOf(file), size);
    const tooLarge = refusal(undefined, size);
    if (tooLarge) throw tooLarge;
    try {
      // A synchronous read of a small file. mmap refuses an empty file (EINVAL) and what is not a
      // regular file: Bun.file reads an empty one (or one of /proc, whose size says 0), or throws why not.
      return decoder.decode(bun.mmap(path));
    } catch (err) {
      if (missing(err)) return undefined;
      if ((err as { code?: string }).code === "EISDIR") throw refusal("a directory", 0);
    }
    try {
      const text = await file.text();
      if (text.length > MAX_FILE_BYTES) throw refusal(undefined, text.length);
      return text;
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  };
  let chain: Promise<unknown> = Promise.resolve();
  return {
    ...processRuntime(g.process, readFile),
    name: "bun",
    fetch: bunFetch(g.process.env as Env, readFile),
    // In order, through one promise chain.
    write: (stream, text) => void (chain = chain.then(() => bun.write(bun[stream], text))),
  };
}

/** What a path that is not a regular file is (see fileKind); "a special file" if even stat fails. */
async function kindOf(file: BunFile): Promise<string> {
  try {
    const stat = await file.stat();
    return fileKind({
      file: false,
      directory: stat.isDirectory(),
      fifo: stat.isFIFO(),
      characterDevice: stat.isCharacterDevice(),
      blockDevice: stat.isBlockDevice(),
      socket: stat.isSocket(),
    })!;
  } catch {
    return "a special file";
  }
}

/**
 * Bun's fetch, with proxies and CA bundles applied as oidc2aws decides (see proxyFor in ../proxy.ts).
 * With a proxy variable set, requests go over node:http and node:tls (./network.ts), as on Node:
 * Bun's fetch reads the proxy variables itself and applies its NO_PROXY even to a `proxy` given
 * explicitly, so it could not follow our decision. With a CA bundle alone, fetch's `tls: { ca }`
 * (the bundle next to the built-in roots, as on Node and Deno).
 * With neither, the global fetch.
 */
function bunFetch(env: Env, readFile: ReadFile, settings: NetworkSettings = {}): Fetch {
  const fetch = async (url: string, init: FetchInit) => {
    const caBundle = settings.caBundle ?? caBundleFromEnv(env);
    if (proxyConfigured(env)) return request(url, init, undefined, { env, caBundle, readFile });
    if (!caBundle) return globalFetch(url, init);
    const ca = await (await import("./network.ts")).caCertificates(caBundle, readFile);
    return (globalThis.fetch as (url: string, init: object) => ReturnType<Fetch>)(url, { ...init, tls: { ca } });
  };
  return Object.assign(fetch, {
    [NETWORK]: (next: NetworkSettings) => bunFetch(env, readFile, { ...settings, ...next }),
  });
}
