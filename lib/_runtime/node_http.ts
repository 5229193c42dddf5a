/**
 * A fetch over `node:http` / `node:https`: Node's (Node's first global `fetch` loads undici, ~65 ms),
 * and Deno's and Bun's when a proxy is in use (see `./network.ts`). Also the synchronous lookup of a
 * Node built-in that `./node.ts` shares.
 *
 * @module
 */
import {
  type Env,
  type Fetch,
  type FetchInit,
  type FetchResponse,
  NETWORK,
  type NetworkSettings,
  type ReadFile,
  TIMED,
  type TimeLimit,
} from "../host.ts";
import { caBundleFromEnv, networkInUse } from "./mod.ts";
import type { NetworkContext } from "./network.ts";

interface NodeIncoming extends AsyncIterable<Uint8Array> {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  complete: boolean;
  setEncoding(encoding: "utf8"): void;
  on(event: "data", listener: (chunk: string) => void): void;
  on(event: "end" | "close", listener: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  destroy(): void;
}
interface NodeHttp {
  request(url: URL, options: object, callback: (res: NodeIncoming) => void): {
    on(event: "error", listener: (err: Error) => void): void;
    on(event: "close", listener: () => void): void;
    end(body?: string): void;
    destroy(err?: Error): void;
  };
}

/**
 * A Node built-in module, synchronously, through process.getBuiltinModule (Node ≥ 20.16), or
 * undefined. It returns the CommonJS module object, which interceptors (msw, nock) patch. @internal
 */
export function builtin<T>(name: string): T | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?(name: string): unknown } }).process;
  return process?.getBuiltinModule?.(name) as T | undefined;
}

let clients: Record<string, Promise<NodeHttp>> | undefined;

function importHttp(): Promise<{ default: NodeHttp }> {
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  return import("node:http") as Promise<{ default: NodeHttp }>;
}

function importHttps(): Promise<{ default: NodeHttp }> {
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  return import("node:https") as Promise<{ default: NodeHttp }>;
}

/**
 * A fetch over node:http / node:https: no redirects followed, the body streamed as it arrives. It
 * also enforces a time limit itself (its TimedFetch, see TIMED in ../host.ts), with an unref'd timer
 * that destroys the request: Node then loads neither AbortSignal.timeout nor http's signal handling.
 * With a proxy variable or a CA bundle set (read at each request), the route comes from
 * ./network.ts (a CONNECT tunnel, the bundle's certificates); with none, nothing more is loaded.
 * Its NETWORK variant takes a profile's CA bundle.
 * @internal
 */
export function nodeFetch(
  env: Env,
  readFile: ReadFile,
  settings: NetworkSettings = {},
): Fetch & { [TIMED]: TimedRequest; [NETWORK]: (settings: NetworkSettings) => Fetch } {
  const timed: TimedRequest = (url, init, limit) => {
    const caBundle = settings.caBundle ?? caBundleFromEnv(env);
    return request(url, init, limit, networkInUse(env, caBundle) ? { env, caBundle, readFile } : undefined);
  };
  return Object.assign((url: string, init: FetchInit) => timed(url, init), {
    [TIMED]: timed,
    [NETWORK]: (next: NetworkSettings) => nodeFetch(env, readFile, { ...settings, ...next }),
  });
}

type TimedRequest = (url: string, init: FetchInit, limit?: TimeLimit) => Promise<FetchResponse>;

/**
 * One request over node:http / node:https (on Deno and Bun too, when a proxy is in use). `network`
 * only when a proxy variable or a CA bundle is set. @internal
 */
export async function request(
  url: string,
  init: FetchInit,
  limit?: TimeLimit,
  network?: NetworkContext,
): Promise<FetchResponse> {
  const target = new URL(url);
  const route = network ? await (await import("./network.ts")).route(target, network) : undefined;
  // The CommonJS module object (the default export), not the ESM namespace's snapshot of its
  // functions, so that interceptors patching http.request (msw, nock) see the request.
  const name = route?.module ?? (target.protocol === "https:" ? "node:https" : "node:http");
  clients ??= {};
  const client = builtin<NodeHttp>(name) ??
    await (clients[name] ??= (name === "node:https" ? importHttps() : importHttp()).then((m) => m.default));
  const headers: Record<string, string> = { ...init.headers };
  // Through a tunnel the request goes over node:http: the Host header is the target's.
  if (route?.via.startsWith("via")) headers.host = target.host;
  if (init.body !== undefined) headers["content-length"] = String(new TextEncoder().encode(init.body).length);
  const options = { method: init.method, headers, signal: init.signal, ...route?.options };
  return new Promise((resolve, reject) => {
    const request = client.request(target, options, (response) => {
      resolve({
        status: response.statusCode ?? 0,
        headers: {
          get(name: string): string | null {
            const value = response.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
          },
        },
        body: {
          [Symbol.asyncIterator]: () => response[Symbol.asyncIterator](),
          // Giving up on the answer (too large, a bad one) must free its socket, or it holds the
          // process open: the core cancels a body through cancel() (see cancel in ../_http.ts); a
          // fresh iterator's return() would not do, since Node's never started and destroys nothing.
          cancel: () => Promise.resolve(response.destroy()),
        },
        text: () => readText(response),
      });
    });
    request.on("error", reject);
    // A tunnel: ended with the request, and at once when the request is cut short (a request
    // destroyed before it has its socket emits nothing until the CONNECT settles).
    const close = route?.close;
    if (close) {
      const signal = init.signal;
      signal?.addEventListener("abort", close, { once: true });
      // A listener left on a timeout signal keeps Deno's event loop alive until the signal fires:
      // removed when the request ends, or fails (a refused tunnel emits 'error' but no 'close').
      const done = () => {
        signal?.removeEventListener("abort", close);
        close();
      };
      request.on("close", done);
      request.on("error", done);
    }
    if (limit) {
      // Until the exchange is over ('close': the answer read, or the connection gone), not beyond:
      // a keep-alive socket may serve another request after it.
      const timer = setTimeout(() => {
        limit.expired = true;
        request.destroy(new Error(`no complete answer within ${limit.ms} ms`));
        close?.();
      }, limit.ms);
      (timer as { unref?(): void }).unref?.();
      request.on("close", () => clearTimeout(timer));
    }
    request.end(init.body);
  });
}

/**
 * The whole body as text, through 'data' events: the response's async iterator (the generic read)
 * loads Node's stream helpers, ~1 ms, on first use. Called only with a length announced and within
 * the cap (see readAnswer in ../_http.ts), so the body is that long.
 */
function readText(response: NodeIncoming): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    response.setEncoding("utf8");
    response.on("data", (chunk) => (text += chunk));
    response.on("end", () => resolve(text));
    response.on("error", reject);
    // Aborted (the timeout) or cut off: 'close' without 'end'.
    response.on("close", () => {
      if (response.complete) resolve(text);
      else reject(new Error("the connection closed before the answer ended"));
    });
  });
}
