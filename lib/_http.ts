import { HttpError, isPermissionDenied, Oidc2AwsError, PermissionError } from "./errors.ts";
import { oneLine, redact, shownContentType } from "./_redact.ts";
import { type Fetch, type FetchInit, type FetchResponse, TIMED, type TimedFetch } from "./host.ts";

/** An answer read in full (up to a size cap). @internal */
export interface Answer {
  status: number;
  contentType: string;
  headers: FetchResponse["headers"];
  body: string;
}

/** Options of {@linkcode exchange}. @internal */
export interface ExchangeOptions {
  fetch: Fetch;
  /** Milliseconds for the whole exchange, body included. */
  timeoutMs: number;
  /** The caller's signal: aborting it rejects with its reason. */
  signal?: AbortSignal;
  /** The largest body accepted, in bytes. */
  maxBytes: number;
  /** What the server is, for messages: "the token server", "STS". */
  peer: string;
  /** Values never to show in a message (the bearer, the token). */
  secrets?: string[];
  /** Builds the error for an answer over the size cap (its code depends on the peer). */
  tooLarge: (message: string, status: number, contentType: string) => Oidc2AwsError;
}

/** A URL for messages: no query string, no user info. @internal */
export function displayUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(an invalid URL)";
  }
}

/**
 * Whether a URL's host is this machine: a literal loopback address (127.0.0.0/8, ::1, or IPv4-mapped
 * ::ffff:127.x.y.z) or the name `localhost` itself. Not `*.localhost`: such a name goes to the
 * system resolver, which may ask DNS. (URL parsing has already normalized `127.1` and `[0::1]`.)
 * @internal
 */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host) ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

/**
 * One HTTP exchange: sends the request, refuses redirects, reads the body up to `maxBytes` within
 * the timeout. Transport failures become `ERR_NETWORK`, the timeout `ERR_TIMEOUT` (both retryable).
 * @internal
 */
export async function exchange(
  url: string,
  init: Omit<FetchInit, "signal" | "redirect">,
  options: ExchangeOptions,
): Promise<Answer> {
  const timed = options.signal ? undefined : (options.fetch as { [TIMED]?: TimedFetch })[TIMED];
  const limit = timed ? { ms: options.timeoutMs, expired: false } : undefined;
  const signal = limit ? undefined : timeLimit(options);
  const fail = (err: unknown): never => {
    throw transportFailure(err, url, options, limit ? limit.expired : signal!.timedOut());
  };
  try {
    let response: FetchResponse;
    try {
      response = timed
        ? await timed(url, { ...init, redirect: "manual" }, limit!)
        : await options.fetch(url, { ...init, signal: signal!.signal, redirect: "manual" });
    } catch (err) {
      return fail(err);
    }
    return await readAnswer(response, url, options, fail);
  } finally {
    signal?.dispose();
  }
}

/**
 * A signal that aborts at the timeout or with the caller's signal, whichever comes first. Without a
 * caller's signal it is `AbortSignal.timeout` alone: no controller and no listener to set up (on
 * Node those cost ~1 ms the first time; on Deno the first setTimeout loads the Node timers layer,
 * ~10 ms, which AbortSignal.timeout does not).
 */
function timeLimit(options: ExchangeOptions): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const caller = options.signal;
  if (!caller) return { signal: timeout, timedOut: () => timeout.aborted, dispose() {} };
  const controller = new AbortController();
  const onTimeout = () => controller.abort(timeout.reason);
  const onAbort = () => controller.abort(caller.reason);
  timeout.addEventListener("abort", onTimeout, { once: true });
  if (caller.aborted) onAbort();
  else caller.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    // The caller's abort wins: it is reported as the caller's reason, not as a timeout.
    timedOut: () => timeout.aborted && !caller.aborted,
    dispose() {
      timeout.removeEventListener("abort", onTimeout);
      caller.removeEventListener("abort", onAbort);
    },
  };
}

/** What a failed exchange throws: the caller's abort reason, ERR_PERMISSION, ERR_TIMEOUT or ERR_NETWORK. */
function transportFailure(err: unknown, url: string, options: ExchangeOptions, timedOut: boolean): unknown {
  if (options.signal?.aborted) return options.signal.reason;
  if (err instanceof Oidc2AwsError && !timedOut) return err;
  const where = displayUrl(url);
  if (isPermissionDenied(err)) {
    return new PermissionError(
      `Deno denied network access to ${options.peer} at ${where}: run with --allow-net=${new URL(url).host}`,
      { cause: err },
    );
  }
  if (timedOut) {
    return new HttpError(
      "ERR_TIMEOUT",
      `${capitalize(options.peer)} at ${where} did not answer within ${options.timeoutMs} ms`,
    );
  }
  const detail = oneLine(redact(describeTransportError(err), options.secrets ?? []));
  // The raw error can carry the request (headers, body): keep only its redacted description and code.
  const cause = Object.assign(new Error(detail), { code: (err as { code?: unknown })?.code });
  // A proxy's refusal of the tunnel (403, 407) says it will not pass: not retried.
  const retryable = (err as { retryable?: unknown })?.retryable !== false;
  const hint = TLS_FAILURE.test(detail)
    ? ` (TLS: ${new URL(url).hostname}'s certificate is not trusted; where a proxy inspects TLS, give its CA ` +
      "in AWS_CA_BUNDLE or the profile's ca_bundle)"
    : "";
  return new HttpError("ERR_NETWORK", `Cannot reach ${options.peer} at ${where}: ${detail}${hint}`, {
    cause,
    retryable,
  });
}

/** What the runtimes say when a certificate is not trusted (Node and Bun: OpenSSL's words; Deno: rustls'). */
const TLS_FAILURE =
  /certificate|self[- ]signed|UnknownIssuer|unable to verify|CERT_|issuer|ERR_TLS|TLS handshake|InvalidCertificate/i;

/** Reads the answer's body within the size cap. */
async function readAnswer(
  response: FetchResponse,
  url: string,
  options: ExchangeOptions,
  fail: (err: unknown) => never,
): Promise<Answer> {
  const contentType = response.headers.get("content-type") ?? "";
  const length = Number(response.headers.get("content-length") ?? NaN);
  if (length > options.maxBytes) {
    await cancel(response.body);
    throw tooLarge(options, url, response.status, contentType, `${length} bytes announced`);
  }
  let body: string;
  try {
    // With a length announced (and checked above), text() is the cheaper read; else count bytes as they come.
    body = Number.isFinite(length) && typeof response.text === "function"
      ? await response.text()
      : await readBody(response.body, options.maxBytes);
  } catch (err) {
    if (err === TOO_LARGE) throw tooLarge(options, url, response.status, contentType, "more than that sent");
    return fail(err);
  }
  return { status: response.status, contentType, headers: response.headers, body };
}

const TOO_LARGE = Symbol("too large");

function tooLarge(
  options: ExchangeOptions,
  url: string,
  status: number,
  rawContentType: string,
  detail: string,
): Oidc2AwsError {
  const contentType = shownContentType(rawContentType, options.secrets);
  return options.tooLarge(
    `${capitalize(options.peer)} at ${displayUrl(url)} sent an answer larger than ${options.maxBytes} bytes ` +
      `(HTTP ${status}, ${contentType}, ${detail}); refused without reading it all: check the URL`,
    status,
    contentType,
  );
}

/** Reads a body stream as UTF-8 text, giving up past `maxBytes`. */
async function readBody(body: FetchResponse["body"], maxBytes: number): Promise<string> {
  if (body === null) return "";
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  // Leaving the loop early (too large, an error) returns the iterator, which cancels the stream.
  for await (const chunk of chunks(body)) {
    size += chunk.byteLength;
    if (size > maxBytes) throw TOO_LARGE;
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** The chunks of a web stream (which not every runtime makes async-iterable) or of an async iterable. */
async function* chunks(body: NonNullable<FetchResponse["body"]>): AsyncGenerator<Uint8Array> {
  if (!("getReader" in body)) return yield* body;
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if ((done = next.done)) return;
      yield next.value;
    }
  } finally {
    if (!done) reader.cancel().catch(() => {});
  }
}

/**
 * Frees an answer's connection without reading it: `cancel()` where the body has one (a web stream;
 * the Node adapter's body), else the `return()` of an iterator, which is all an async iterable offers.
 */
async function cancel(body: FetchResponse["body"]): Promise<void> {
  try {
    if (body && "cancel" in body && typeof body.cancel === "function") await body.cancel();
    else if (body) await body[Symbol.asyncIterator]().return?.();
  } catch {
    // The body is being discarded; a failure to cancel it changes nothing.
  }
}

/** The most telling part of a transport error: `connect ECONNREFUSED 127.0.0.1:1`, `socket hang up`. @internal */
export function describeTransportError(err: unknown): string {
  let current: unknown = err;
  let message = "";
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { message?: string; code?: string; cause?: unknown };
    // Deno: "error sending request for url (URL): REASON" — keep the reason, drop the URL (and its query).
    const reason = e.message?.match(/^error sending request for url \(.*?\): (.+)$/s)?.[1];
    if (reason) message = reason;
    else if (e.message && !/^fetch failed$|^error sending request/i.test(e.message)) message = e.message;
    else if (!message && e.code) message = e.code;
    current = e.cause;
  }
  return (message || String(err)).split("\n")[0].slice(0, 200);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
