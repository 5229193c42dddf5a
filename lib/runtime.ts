/**
 * The shapes of what oidc2aws takes from its host: the environment, file reading, `fetch`, the clock.
 * Every function of the library accepts these as options; what is left out comes from the runtime
 * (Deno, Bun or Node), loaded lazily, so the library imports cleanly where there is no file system.
 *
 * @module
 */

/** Environment variables, read by name. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a UTF-8 text file; resolves `undefined` when the file does not exist. */
export type ReadFile = (path: string) => Promise<string | undefined>;

/** The request options oidc2aws passes to {@linkcode Fetch}. */
export interface FetchInit {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Always `manual`: oidc2aws never follows a redirect. */
  redirect: "manual";
}

/** What oidc2aws reads of a response: a subset of the standard `Response`. */
export interface FetchResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null;
  /** The whole body as text; used when the length is announced (and within the cap). */
  text?(): Promise<string>;
}

/** A `fetch`-shaped function; the standard `fetch` is one. */
export type Fetch = (url: string, init: FetchInit) => Promise<FetchResponse>;

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
