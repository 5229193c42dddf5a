/**
 * Gets the OIDC token: from a CI token server (the GitHub Actions protocol) or from a file.
 * A fresh token on every call; never cached.
 *
 * @module
 */
import { HttpError, Oidc2AwsError, TokenError } from "./errors.ts";
import { type Answer, displayUrl, exchange, isLoopback, retryAfterMs } from "./_http.ts";
import { attemptTimeout, backoff, type RetryContext, retryContext, type RetryPolicy } from "./retry.ts";
import { type Host, hostDefaults } from "./_defaults.ts";
import type { HostOptions } from "./runtime.ts";
import type { ServerTokenSpec, TokenSpec } from "./token_spec.ts";
import { VERSION } from "./version.ts";

/** Options of {@linkcode getToken}. */
export interface GetTokenOptions extends HostOptions {
  /** Aborts the request; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Retry policy for transient failures (see the README). */
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts (injectable for tests). Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Randomness for backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/** The largest token-server answer read (a token is a few kB). */
const MAX_TOKEN_ANSWER = 64 * 1024;

/**
 * Gets an OIDC token as the spec says: `GET` to the token server's URL with the audience as a query
 * parameter and the bearer token (retrying network errors, 408, 429 and 5xx with backoff), or reads
 * the token file (every call, since it may be rotated).
 *
 * See https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
 *
 * @example
 * ```ts
 * import { getToken } from "oidc2aws";
 * const token = await getToken({ type: "file", path: "/run/token" }, { readFile: () => Promise.resolve("eyJ...\n") });
 * console.log(token); // "eyJ..."
 * ```
 */
export async function getToken(spec: TokenSpec, options: GetTokenOptions = {}): Promise<string> {
  const host = await hostDefaults(
    options,
    spec.type === "file" ? ["readFile"] : ["env", "fetch", "now", "sleep", "random"],
  );
  if (spec.type === "file") return readTokenFile(spec.path, host.readFile!);
  const full = host as Pick<Host, "env" | "fetch" | "now" | "sleep" | "random">;
  return requestToken(spec, full, retryContext(full, options.retry, options.signal));
}

/** Internal: gets a token within a retry context shared with the STS call. */
export function fetchToken(
  spec: TokenSpec,
  host: Pick<Host, "env" | "fetch" | "now" | "sleep" | "random" | "readFile">,
  context: RetryContext,
): Promise<string> {
  return spec.type === "file" ? readTokenFile(spec.path, host.readFile) : requestToken(spec, host, context);
}

async function readTokenFile(path: string, readFile: Host["readFile"]): Promise<string> {
  let text: string | undefined;
  try {
    text = await readFile(path);
  } catch (cause) {
    if (cause instanceof Oidc2AwsError) throw cause;
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `Cannot read the web identity token file ${path}: ${(cause as Error)?.message ?? cause}`,
      {
        cause,
      },
    );
  }
  if (text === undefined) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `The web identity token file ${path} does not exist: check web_identity_token_file / AWS_WEB_IDENTITY_TOKEN_FILE`,
    );
  }
  const token = text.trim();
  if (token === "") {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `The web identity token file ${path} is empty: it should hold the OIDC token`,
    );
  }
  return token;
}

async function requestToken(
  spec: ServerTokenSpec,
  host: Pick<Host, "env" | "fetch" | "now" | "sleep" | "random">,
  context: RetryContext,
): Promise<string> {
  const { env } = host;
  const rawUrl = env[spec.urlEnv];
  const bearer = env[spec.tokenEnv];
  if (!rawUrl || !bearer) throw unavailable(spec, env, [!rawUrl && spec.urlEnv, !bearer && spec.tokenEnv]);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `${spec.urlEnv} does not hold a URL: it should be the token request URL`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url))) {
    throw new HttpError(
      "ERR_INSECURE_URL",
      `Refusing to send the token request bearer to ${displayUrl(url)}: ${spec.urlEnv} must be an https URL ` +
        "(plain http is allowed only to this machine)",
    );
  }
  if (spec.audience !== undefined) url.searchParams.set("audience", spec.audience);
  const target = url.href;
  for (let attempt = 1;; attempt++) {
    let retryable = false;
    let minimumDelay = 0;
    let error: Oidc2AwsError;
    try {
      const answer = await exchange(target, {
        method: "GET",
        headers: { authorization: `Bearer ${bearer}`, accept: "application/json", "user-agent": `oidc2aws/${VERSION}` },
      }, {
        fetch: host.fetch,
        timeoutMs: attemptTimeout(context),
        signal: context.signal,
        maxBytes: MAX_TOKEN_ANSWER,
        peer: "the token server",
        tooLarge: (message, status) => new TokenError("ERR_TOKEN_RESPONSE", message, { status }),
      });
      if (answer.status >= 200 && answer.status < 300) return tokenFromAnswer(answer, target);
      retryable = answer.status === 408 || answer.status === 429 || answer.status >= 500;
      minimumDelay = retryAfterMs(answer.headers.get("retry-after"), host.now()) ?? 0;
      error = httpError(answer, target, bearer, spec);
    } catch (err) {
      if (!(err instanceof HttpError) || !err.retryable) throw err;
      retryable = true;
      error = err;
    }
    if (!retryable || attempt >= context.policy.maxAttempts || !(await backoff(context, attempt, minimumDelay))) {
      if (retryable && attempt > 1) error.message += ` (after ${attempt} attempts)`;
      throw error;
    }
  }
}

function tokenFromAnswer(answer: Answer, url: string): string {
  let value: unknown;
  let shape = "not JSON";
  try {
    const json: unknown = JSON.parse(answer.body);
    if (typeof json === "object" && json !== null && !Array.isArray(json)) {
      value = (json as Record<string, unknown>).value;
      const keys = Object.keys(json).slice(0, 10);
      shape = keys.length ? `a JSON object with the keys ${keys.join(", ")}` : "an empty JSON object";
    } else {
      shape = `JSON ${Array.isArray(json) ? "array" : typeof json}`;
    }
  } catch {
    // shape stays "not JSON"
  }
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  throw new TokenError(
    "ERR_TOKEN_RESPONSE",
    `The token server at ${
      displayUrl(url)
    } answered HTTP ${answer.status} without a token: expected JSON {"value": "<token>"}, ` +
      `got ${typeof value === "string" ? 'an empty "value"' : shape} (${answer.contentType || "no content type"})`,
    { status: answer.status },
  );
}

function httpError(answer: Answer, url: string, bearer: string, spec: ServerTokenSpec): TokenError {
  const { status } = answer;
  let advice: string;
  if (status >= 300 && status < 400) {
    advice = "it answered with a redirect, which oidc2aws never follows with the bearer token: check " + spec.urlEnv;
  } else if (status === 401 || status === 403) {
    advice = `the request bearer in ${spec.tokenEnv} was refused; it is valid only for the job that received it`;
  } else if (status === 404) advice = `check the URL in ${spec.urlEnv}`;
  else if (status === 400) advice = `check the audience ${JSON.stringify(spec.audience ?? "(none)")}`;
  else advice = "the token server failed; try again later";
  const excerpt = bodyExcerpt(answer.body, [bearer]);
  return new TokenError(
    "ERR_TOKEN_HTTP",
    `The token server at ${displayUrl(url)} answered HTTP ${status}${excerpt ? ` (${excerpt})` : ""}: ${advice}`,
    { status },
  );
}

/** A short, single-line excerpt of a body with secrets and anything token-like removed. */
export function bodyExcerpt(body: string, secrets: string[]): string {
  let text = body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  for (const secret of secrets) if (secret) text = text.split(secret).join("<redacted>");
  text = text.replace(/[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g, "<redacted>").replace(/[A-Za-z0-9+/=_-]{40,}/g, "<redacted>");
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function unavailable(spec: ServerTokenSpec, env: Host["env"], missing: Array<string | false>): TokenError {
  const names = missing.filter((name): name is string => !!name);
  const list = names.join(" and ");
  const verb = names.length > 1 ? "are" : "is";
  if (spec.name === "GitHub" || (spec.urlEnv === "ACTIONS_ID_TOKEN_REQUEST_URL" && env.GITHUB_ACTIONS === "true")) {
    if (env.GITHUB_ACTIONS === "true") {
      return new TokenError(
        "ERR_TOKEN_UNAVAILABLE",
        `GitHub Actions did not give this job an OIDC token: ${list} ${verb} not set. GitHub sets them only for jobs ` +
          "allowed to request a token; add this to the job (or the workflow):\n  permissions:\n    id-token: write\n    contents: read",
      );
    }
    return new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `Cannot request a GitHub Actions OIDC token: ${list} ${verb} not set, and this does not look like a GitHub Actions job ` +
        "(GITHUB_ACTIONS is not true). Run it in a job with permissions: id-token: write, or use another token source",
    );
  }
  return new TokenError(
    "ERR_TOKEN_UNAVAILABLE",
    `Cannot request an OIDC token: the environment variable${
      names.length > 1 ? "s" : ""
    } ${list} named by the token server ` +
      `setting ${verb} not set or empty`,
  );
}
