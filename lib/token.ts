/**
 * Gets the OIDC token from wherever the spec says (see `sources/`: a CI token server, an env var, a
 * command, a file), or detects the platform. A fresh token on every call; never cached. Only the
 * code of the source in use is loaded.
 *
 * @module
 */
import { TokenError } from "./errors.ts";
import { type Env, hostDefaults, type HostOptions, type ReadFile } from "./host.ts";
import { type RetryContext, retryContext, type RetryPolicy } from "./retry.ts";
import type { ConcreteTokenSpec, TokenSpec } from "./token_spec.ts";
import { DEFAULT_AUDIENCE, sourceFor, SOURCES, type TokenHost } from "./sources/registry.ts";

/** Options of {@linkcode getToken}. */
export interface GetTokenOptions extends HostOptions {
  /** Aborts the request; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Retry policy for transient failures (docs/retries.md). */
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts (injectable for tests). Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Randomness for backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * Gets an OIDC token as the spec says: from a token server (retrying network errors, 408, 429 and
 * 5xx with backoff), an env var, a command, or a file (read on every call, since it may be rotated);
 * `auto` detects the platform first (see {@linkcode detectTokenSource}).
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
  if (spec.type === "file") {
    // A file needs nothing of the host but a reader.
    const { readFile } = await hostDefaults(options, ["readFile"]);
    return (await import("./sources/file.ts")).readTokenFile(spec.path, readFile);
  }
  const host = await hostDefaults(options, ["env", "fetch", "now", "sleep", "random", "readFile", "runCommand"]);
  return (await obtainToken(spec, host, retryContext(host, options.retry, options.signal))).token;
}

/**
 * Internal: a token, the concrete spec it came from (`auto` resolved) and its description, in a shared retry context.
 * @internal
 */
export async function obtainToken(
  spec: TokenSpec,
  host: TokenHost,
  context: RetryContext,
): Promise<{ token: string; spec: ConcreteTokenSpec; source: string }> {
  const concrete = spec.type === "auto" ? await detectTokenSource(host.env, spec.audience) : spec;
  const source = await sourceFor(concrete);
  return { token: await source.obtain(concrete, host, context), spec: concrete, source: source.describe(concrete) };
}

/**
 * Detects the CI platform from its environment, in a fixed order (the first match wins): GitHub
 * Actions and Forgejo, GitLab, Buildkite, CircleCI, Bitbucket, Azure DevOps, HCP Terraform,
 * Spacelift, Kubernetes (a token file), and Google Cloud's metadata server only when
 * `OIDC2AWS_DETECT_GOOGLE=true` (it is the one check that needs the network). A platform that is
 * present but not set up to issue a token is an `ERR_TOKEN_UNAVAILABLE` error with that platform's
 * fix; no platform at all is one too.
 *
 * @param env The job's environment variables to inspect, e.g. `process.env` or `Deno.env.toObject()`.
 * @param audience The audience to ask for where the platform lets the job choose. Default `sts.amazonaws.com`.
 * @returns The concrete spec of the detected platform's source, for {@linkcode getToken}.
 *
 * @example
 * ```ts
 * import { detectTokenSource } from "oidc2aws";
 * const spec = await detectTokenSource({ GITLAB_CI: "true", STS_AMAZONAWS_COM_ID_TOKEN: "eyJ..." });
 * console.log(spec); // { type: "env", name: "STS_AMAZONAWS_COM_ID_TOKEN", platform: "GitLab" }
 * ```
 */
export async function detectTokenSource(
  env: Env,
  audience: string | undefined = DEFAULT_AUDIENCE,
): Promise<ConcreteTokenSpec> {
  for (const entry of SOURCES) {
    if (entry.present?.(env)) return (await entry.load()).detect!(env, audience);
  }
  const checked = SOURCES.flatMap((entry) => (entry.detectedBy ? [entry.detectedBy] : [])).join(", ");
  throw new TokenError(
    "ERR_TOKEN_UNAVAILABLE",
    `No CI platform that issues OIDC tokens was detected (checked ${checked}): run in such a job, or name the token ` +
      "source with web_identity_token_server / AWS_WEB_IDENTITY_TOKEN_SERVER",
  );
}

/** Says where a spec gets its token, for messages and `--debug` (never a value). @internal */
export async function describeTokenSpec(spec: TokenSpec): Promise<string> {
  if (spec.type === "auto") return `auto-detected (audience ${spec.audience ?? "the platform's default"})`;
  return (await sourceFor(spec)).describe(spec);
}

/**
 * Internal: what binds a token source to this job (the bearer, the token itself, the file's content),
 * for the CLI's cache key; `undefined` where nothing does (a command), so nothing is cached.
 * @internal
 */
export async function tokenBinding(
  spec: TokenSpec,
  env: HostOptions["env"] & object,
  readFile: ReadFile,
): Promise<unknown> {
  const concrete = spec.type === "auto" ? await detectTokenSource(env, spec.audience) : spec;
  return await (await sourceFor(concrete)).binding(concrete, env, readFile);
}
