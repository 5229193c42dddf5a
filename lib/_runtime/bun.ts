/**
 * The Bun adapter: Node's process-based pieces, with Bun's own fast paths: its native global fetch,
 * `Bun.mmap` to read files (node:fs costs Bun ~8 ms to load, and the first `Bun.file().text()` ~3 ms
 * to start its I/O threads) and `Bun.write` (process.stdout costs ~13 ms).
 *
 * @module
 */
import { globalFetch, type Runtime } from "./mod.ts";
import { missing, type NodeProcess, processRuntime } from "./node.ts";

interface BunApi {
  mmap(path: string): Uint8Array;
  file(path: string): { text(): Promise<string> };
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
  stderr: unknown;
}

/** The adapter for Bun. */
export function bunRuntime(): Runtime {
  const g = globalThis as unknown as { Bun: BunApi; process: NodeProcess };
  const bun = g.Bun;
  const decoder = new TextDecoder();
  const readFile = async (path: string): Promise<string | undefined> => {
    try {
      // A synchronous read of a small file. mmap refuses an empty file (EINVAL) and anything that is
      // not a regular file: Bun.file reads those, or throws the error that says why it cannot.
      return decoder.decode(bun.mmap(path));
    } catch (err) {
      if (missing(err)) return undefined;
    }
    try {
      return await bun.file(path).text();
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  };
  let chain: Promise<unknown> = Promise.resolve();
  return {
    ...processRuntime(g.process, readFile),
    name: "bun",
    fetch: globalFetch,
    // In order, through one promise chain.
    write: (stream, text) => void (chain = chain.then(() => bun.write(bun[stream], text))),
  };
}
