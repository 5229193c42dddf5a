/**
 * The Bun adapter: Node's process-based pieces, with Bun's own fast paths: its native global fetch,
 * `Bun.file` (node:fs/promises costs Bun ~3.5 ms to load) and `Bun.write` (process.stdout costs ~13 ms).
 *
 * @module
 */
import { globalFetch, type Runtime } from "./mod.ts";
import { missing, type NodeProcess, processRuntime } from "./node.ts";

interface BunApi {
  file(path: string): { text(): Promise<string> };
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
  stderr: unknown;
}

/** The adapter for Bun. */
export function bunRuntime(): Runtime {
  const g = globalThis as unknown as { Bun: BunApi; process: NodeProcess };
  const bun = g.Bun;
  const readFile = async (path: string): Promise<string | undefined> => {
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
