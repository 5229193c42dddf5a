import type { Env, Fetch, ReadFile, RunCommand } from "./runtime.ts";
import type { RuntimeAdapter } from "./_runtime.ts";

/** Every host piece the library uses, filled in. */
export interface Host {
  env: Env;
  readFile: ReadFile;
  fetch: Fetch;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  runCommand: RunCommand;
}

let adapter: Promise<RuntimeAdapter> | undefined;

/** The runtime adapter (Deno, Bun or Node), loaded on first use only. */
export function runtimeAdapter(): Promise<RuntimeAdapter> {
  return adapter ??= import("./_runtime.ts").then((m) => m.createAdapter());
}

/** Fills in the host pieces a caller did not inject; loads the runtime adapter only if needed. */
export async function hostDefaults<K extends keyof Host>(options: Partial<Host>, keys: K[]): Promise<Pick<Host, K>> {
  const host: Partial<Host> = {};
  let runtime: RuntimeAdapter | undefined;
  for (const key of keys) {
    const given = options[key];
    if (given !== undefined) {
      (host as Record<string, unknown>)[key] = given;
    } else if (key === "now") host.now = Date.now;
    else if (key === "random") host.random = Math.random;
    else if (key === "sleep") host.sleep = sleep;
    else {
      runtime ??= await runtimeAdapter();
      (host as Record<string, unknown>)[key] = runtime[key as "env" | "readFile" | "fetch" | "runCommand"];
    }
  }
  return host as Pick<Host, K>;
}

/** Waits `ms` milliseconds; rejects with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
