/**
 * The one module that knows about Deno, Bun, Node and `node:` modules. It is loaded lazily, only
 * when a caller did not inject a host piece, so the rest of the library stays web-standard.
 */
import { Oidc2AwsError } from "./errors.ts";
import type { Env, Fetch, FetchInit, FetchResponse, ReadFile } from "./runtime.ts";

/** What the library and the CLI take from the runtime. */
export interface RuntimeAdapter {
  name: "deno" | "bun" | "node";
  env: Env;
  readFile: ReadFile;
  fetch: Fetch;
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
    fetch: bun ? (globalThis.fetch as Fetch) : nodeFetch,
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
    fetch: globalThis.fetch as Fetch,
  };
}

let fs: Promise<NodeFs> | undefined;

async function nodeReadFile(path: string): Promise<string | undefined> {
  fs ??= nodeModule<NodeFs>("node:fs/promises");
  try {
    return await (await fs).readFile(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

let http: Promise<NodeHttp> | undefined;
let https: Promise<NodeHttp> | undefined;

/** A fetch over node:http / node:https: no redirects followed, the body streamed as it arrives. */
async function nodeFetch(url: string, init: FetchInit): Promise<FetchResponse> {
  const target = new URL(url);
  const client =
    await (target.protocol === "https:"
      ? https ??= nodeModule<NodeHttp>("node:https")
      : http ??= nodeModule<NodeHttp>("node:http"));
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
