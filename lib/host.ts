/**
 * The host: what oidc2aws takes from the world (the environment, file reading, `fetch`, commands,
 * the clock), the shapes a caller may inject, and the defaults for what it leaves out. Defaults come
 * from the runtime adapter (`lib/_runtime/`: Deno, Bun or Node), imported only when a piece is
 * missing, so the library imports cleanly where there is no file system.
 *
 * @module
 */
import type { Runtime } from "./_runtime/mod.ts";
import type { ValueOrigin } from "./errors.ts";

/** Environment variables, read by name. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a UTF-8 text file; resolves `undefined` when the file does not exist. */
export type ReadFile = (path: string) => Promise<string | undefined>;

/** The request options oidc2aws passes to {@linkcode Fetch}. */
export interface FetchInit {
  /** `POST` for STS and some token servers (Buildkite, Azure DevOps); `GET` for the others. */
  method: "GET" | "POST";
  /** Request headers, lowercase names. May hold a bearer token: never log them. */
  headers: Record<string, string>;
  /** The request body: STS's form-encoded parameters (holding the OIDC token: secret), or a token server's JSON. */
  body?: string;
  /** Aborts the request: the caller's signal, or a time limit's. */
  signal?: AbortSignal;
  /** Always `manual`: oidc2aws never follows a redirect. */
  redirect: "manual";
}

/** What oidc2aws reads of a response: a subset of the standard `Response`. */
export interface FetchResponse {
  /** The HTTP status code. */
  status: number;
  /** Response headers, looked up case-insensitively by name; `null` when absent. */
  headers: { get(name: string): string | null };
  /**
   * The body. To give up on it (too large, or an answer not wanted), oidc2aws calls its `cancel()`
   * when it has one (a web stream has), else the `return()` of a new iterator: an async-iterable
   * body must then free its connection there, or carry a `cancel()` that does.
   */
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null;
  /** The whole body as text; used when the length is announced (and within the cap). */
  text?(): Promise<string>;
}

/** A `fetch`-shaped function; the standard `fetch` is one. */
export type Fetch = (url: string, init: FetchInit) => Promise<FetchResponse>;

/**
 * A time limit a {@linkcode TimedFetch} enforces; it sets `expired` when the limit cut the exchange short.
 * @internal
 */
export interface TimeLimit {
  ms: number;
  expired: boolean;
}

/**
 * A fetch that enforces a time limit itself, on the request and the whole body, instead of taking an
 * AbortSignal. The Node adapter's fetch carries one under {@linkcode TIMED}: a timer and
 * `request.destroy()` cost Node less than `AbortSignal.timeout` and http.request's signal handling
 * (~2% of a cold start). Used only when the caller gave no signal of their own.
 * @internal
 */
export type TimedFetch = (url: string, init: FetchInit, limit: TimeLimit) => Promise<FetchResponse>;

/** Where a fetch carries its {@linkcode TimedFetch}. @internal */
export const TIMED: unique symbol = Symbol("oidc2aws.timedFetch");

/**
 * The trust settings a request is made with: the CA bundle (`AWS_CA_BUNDLE` or a profile's
 * `ca_bundle`), and where it was set, for messages. @internal
 */
export interface NetworkSettings {
  caBundle?: { path: string; origin: ValueOrigin };
}

/**
 * Where the runtime adapter's fetch carries its variant for other {@linkcode NetworkSettings} (a
 * profile's `ca_bundle`). A fetch without it (one the caller injected) is used as given. @internal
 */
export const NETWORK: unique symbol = Symbol("oidc2aws.networkFetch");

/** A fetch for these network settings: the adapter's variant when it has one, else the fetch itself. @internal */
export function fetchFor(fetch: Fetch, settings: NetworkSettings): Fetch {
  if (!settings.caBundle) return fetch;
  const variant = (fetch as { [NETWORK]?: (settings: NetworkSettings) => Fetch })[NETWORK];
  return variant ? variant(settings) : fetch;
}

/** Runs a command without a shell and captures its output (for `web_identity_token_process`). */
export type RunCommand = (
  command: string,
  args: string[],
  options: { env: Env; timeoutMs: number; signal?: AbortSignal },
) => Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>;

/** Injectable pieces of the host. Every one is optional; defaults come from the runtime. */
export interface HostOptions {
  /** Environment variables. Default: the process environment. */
  env?: Env;
  /** File reader. Default: the runtime's. */
  readFile?: ReadFile;
  /** HTTP client. Default: the runtime's `fetch` (on Node, a small `node:http` client). */
  fetch?: Fetch;
  /** Milliseconds since the epoch. Default: `Date.now`. */
  now?: () => number;
  /** Runs a token command. Default: the runtime's `child_process.execFile`. */
  runCommand?: RunCommand;
}

/** Every host piece the library uses, filled in. @internal */
export interface Host {
  env: Env;
  readFile: ReadFile;
  fetch: Fetch;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  runCommand: RunCommand;
}

let runtime: Promise<Runtime> | undefined;

/** The runtime adapter (Deno, Bun or Node), imported on first use only. @internal */
export function runtimeAdapter(): Promise<Runtime> {
  return runtime ??= import("./_runtime/mod.ts").then((m) => m.createRuntime());
}

/** Fills in the host pieces a caller did not inject; loads the runtime adapter only if one is missing. @internal */
export async function hostDefaults<K extends keyof Host>(options: Partial<Host>, keys: K[]): Promise<Pick<Host, K>> {
  const host: Partial<Host> = {};
  let adapter: Runtime | undefined;
  for (const key of keys) {
    const given = options[key];
    if (given !== undefined) {
      (host as Record<string, unknown>)[key] = given;
    } else if (key === "now") host.now = Date.now;
    else if (key === "random") host.random = Math.random;
    else if (key === "sleep") host.sleep = sleep;
    else {
      adapter ??= await runtimeAdapter();
      (host as Record<string, unknown>)[key] = adapter[key as "env" | "readFile" | "fetch" | "runCommand"];
    }
  }
  return host as Pick<Host, K>;
}

/** Waits `ms` milliseconds; rejects with the signal's reason when it aborts. @internal */
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
