/**
 * A token requested over HTTP, as the GitHub, Buildkite, Azure DevOps and Google Cloud sources do:
 * one platform's request described as data, sent with retries, and its answer read.
 *
 * @module
 */
import { HttpError, retryableStatus, TokenError } from "../errors.ts";
import { type Answer, displayUrl, exchange, isLoopback } from "../_http.ts";
import { attemptTimeout, Retry, retryAfterMs, type RetryContext, retrying } from "../retry.ts";
import { bodyExcerpt, redact, serverWord, shownContentType } from "../_redact.ts";
import { VERSION } from "../version.ts";
import { formEncode, wellFormed } from "../_form.ts";
import type { TokenHost } from "./registry.ts";

/** The largest token-server answer read (a token is a few kB). */
const MAX_TOKEN_ANSWER = 64 * 1024;

/** One platform's token request. */
export interface TokenRequest {
  url: URL;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** What the server is, for messages. */
  peer: string;
  /** Values never to show (the bearer). */
  secrets: string[];
  /** What the secret sent with the request is, for messages: "the bearer token". */
  secretName: string;
  /** Where the URL comes from, for messages. */
  urlSource: string;
  /**
   * Reads the token out of a 2xx answer, or undefined with a description of what came instead (which
   * shows no word of the answer unless it is a plain word without one of `secrets`).
   */
  extract: (answer: Answer, secrets: readonly string[]) => { token?: string; got: string };
  /** What the expected answer looks like, for messages. */
  expected: string;
  /** What to do about an HTTP error status. */
  advice: (status: number) => string;
}

/** Parses and checks a URL that will receive a secret: https, or http only to this machine. */
export function secureUrl(raw: string, envVar: string, secret: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TokenError("ERR_TOKEN_UNAVAILABLE", `${envVar} does not hold a URL: it should be the token request URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url))) {
    throw new TokenError(
      "ERR_INSECURE_URL",
      `Refusing to send ${secret} to ${
        displayUrl(url)
      }: ${envVar} must be an https URL (plain http is allowed only to this machine)`,
    );
  }
  return url;
}

/**
 * Sets one parameter of `url`'s query as `url.searchParams.set` does: the first parameter of that
 * name (compared decoded) takes the value, later ones go, and it is appended if there is none. The
 * other parameters stay as written. `searchParams` costs a cold start about 0.5 ms on Node and Deno
 * the first time it is touched, for one parameter.
 */
export function setQuery(url: URL, name: string, value: string): void {
  const pair = `${formEncode(name)}=${formEncode(value)}`;
  const key = wellFormed(name); // as URLSearchParams takes a name
  let placed = false;
  const parts: string[] = [];
  // A loop, not filter and flatMap, whose first calls cost Bun ~0.3 ms.
  for (const part of url.search.slice(1).split("&")) {
    if (part === "") continue;
    if (formDecode(part.split("=", 1)[0]) !== key) parts.push(part);
    else if (!placed) {
      placed = true;
      parts.push(pair);
    }
  }
  if (!placed) parts.push(pair);
  // The setter drops one leading "?": a query that starts with one keeps it.
  url.search = `?${parts.join("&")}`;
}

/** A query name as URLSearchParams reads it: `+` is a space, and percent-decoded as the URL standard does it. */
function formDecode(text: string): string {
  const spaced = text.replaceAll("+", " ");
  if (!spaced.includes("%")) return spaced;
  // Byte by byte: a "%" not followed by two hex digits stays as it is; the bytes are then read as UTF-8.
  const bytes = new TextEncoder().encode(spaced);
  const decoded: number[] = [];
  const hex = (byte: number) => (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 37 && hex(bytes[i + 1]) && hex(bytes[i + 2])) {
      decoded.push(parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16));
      i += 2;
    } else decoded.push(bytes[i]);
  }
  return new TextDecoder().decode(new Uint8Array(decoded));
}

/** Reads a string field of a JSON object answer. */
export function jsonField(field: string): TokenRequest["extract"] {
  return (answer, secrets) => {
    try {
      const json: unknown = JSON.parse(answer.body);
      if (typeof json === "object" && json !== null && !Array.isArray(json)) {
        const value = (json as Record<string, unknown>)[field];
        if (typeof value === "string" && value.trim() !== "") return { token: value.trim(), got: "" };
        if (typeof value === "string") return { got: `an empty "${field}"` };
        const keys = Object.keys(json).slice(0, 10).map((k) =>
          serverWord(k, /^[A-Za-z_][\w-]{0,31}$/, secrets) ?? "(a key not shown)"
        );
        return { got: keys.length ? `a JSON object with the keys ${keys.join(", ")}` : "an empty JSON object" };
      }
      return { got: `JSON ${Array.isArray(json) ? "array" : typeof json}` };
    } catch {
      return { got: "not JSON" };
    }
  };
}

/** Whether a secret (trimmed) holds a line break or a NUL. A loop: `some`'s first call costs Bun ~0.1 ms. */
function hasLineBreakOrNul(secrets: readonly string[]): boolean {
  for (const secret of secrets) if (/[\0\r\n]/.test(secret.trim())) return true;
  return false;
}

/** Sends a token request, retrying network errors, timeouts, 408, 429 and 5xx. */
export function requestToken(request: TokenRequest, host: TokenHost, context: RetryContext): Promise<string> {
  if (hasLineBreakOrNul(request.secrets)) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `${capitalize(request.secretName)} holds a line break or NUL character, which cannot be sent in an HTTP header`,
    );
  }
  return retrying(context, async () => {
    let answer: Answer;
    try {
      answer = await send(request, host, context);
    } catch (err) {
      // A proxy's refusal of the tunnel (HttpError, not retryable) fails at once.
      throw err instanceof HttpError && err.retryable ? Retry.of(err) : err;
    }
    if (answer.status >= 200 && answer.status < 300) return tokenOf(request, answer);
    const error = httpError(request, answer, host.now());
    throw error.retryable ? Retry.of(error) : error;
  });
}

function send(request: TokenRequest, host: TokenHost, context: RetryContext): Promise<Answer> {
  return exchange(request.url.href, {
    method: request.method,
    headers: { ...request.headers, "user-agent": `oidc2aws/${VERSION}` },
    body: request.body,
  }, {
    fetch: host.fetch,
    timeoutMs: attemptTimeout(context),
    signal: context.signal,
    maxBytes: MAX_TOKEN_ANSWER,
    peer: request.peer,
    secrets: request.secrets,
    tooLarge: (message, status) => new TokenError("ERR_TOKEN_RESPONSE", message, { status }),
  });
}

/** The token of a 2xx answer, or `ERR_TOKEN_RESPONSE` saying what came instead. */
function tokenOf(request: TokenRequest, answer: Answer): string {
  const { token, got } = request.extract(answer, request.secrets);
  if (token) return token;
  throw new TokenError(
    "ERR_TOKEN_RESPONSE",
    redact(
      `${capitalize(request.peer)} at ${displayUrl(request.url.href)} answered HTTP ${answer.status} without a ` +
        `token: expected ${request.expected}, got ${got} (${shownContentType(answer.contentType, request.secrets)})`,
      request.secrets,
    ),
    { status: answer.status },
  );
}

/** `ERR_TOKEN_HTTP` for an answer that is not a 2xx, with the platform's advice. */
function httpError(request: TokenRequest, answer: Answer, now: number): TokenError {
  const advice = answer.status >= 300 && answer.status < 400
    ? `it answered with a redirect, which oidc2aws never follows with ${request.secretName}: check ${request.urlSource}`
    : request.advice(answer.status);
  const excerpt = bodyExcerpt(answer.body, request.secrets);
  return new TokenError(
    "ERR_TOKEN_HTTP",
    redact(
      `${capitalize(request.peer)} at ${displayUrl(request.url.href)} answered HTTP ${answer.status}${
        excerpt ? ` (${excerpt})` : ""
      }: ${advice}`,
      request.secrets,
    ),
    {
      status: answer.status,
      retryable: retryableStatus(answer.status),
      retryAfterMs: retryAfterMs(answer.headers.get("retry-after"), now),
    },
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
