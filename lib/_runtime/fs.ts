/**
 * The CLI's file operations over `node:fs/promises`, which Deno, Bun and Node all provide. The module
 * is imported on first use only: the common path (no cache, no `$GITHUB_ENV`) never loads it.
 *
 * @module
 */
import type { ReadFile } from "../host.ts";
import type { RuntimeFs } from "./mod.ts";

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

/** The CLI's file operations; `readFile` is the runtime's own. */
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
