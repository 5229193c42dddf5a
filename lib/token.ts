/**
 * Gets the OIDC token from wherever the spec says: a CI token server over HTTP (GitHub's protocol,
 * Buildkite, Azure DevOps, Google Cloud's metadata server), an env var, a command, or a file — or
 * detects the platform. A fresh token on every call; never cached.
 *
 * @module
 */
import { HttpError, Oidc2AwsError, TokenError } from "./errors.ts";
import { type Answer, displayUrl, exchange, isLoopback, retryAfterMs } from "./_http.ts";
import { attemptTimeout, backoff, type RetryContext, retryContext, type RetryPolicy } from "./retry.ts";
import { type Host, hostDefaults } from "./host.ts";
import type { HostOptions, RunCommand } from "./host.ts";
import {
  type AzureTokenSpec,
  type BuildkiteTokenSpec,
  circleciCommand,
  DEFAULT_AUDIENCE,
  type EnvTokenSpec,
  gitlabVariable,
  type GoogleTokenSpec,
  type Platform,
  type ProcessTokenSpec,
  type ServerTokenSpec,
  type TokenSpec,
} from "./token_spec.ts";
import { VERSION } from "./version.ts";
import { bodyExcerpt, clip, redact, secretValues } from "./_redact.ts";

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
/** How long a token command may run. */
const PROCESS_TIMEOUT_MS = 30_000;

type TokenHost = Pick<Host, "env" | "fetch" | "now" | "sleep" | "random" | "readFile" | "runCommand">;

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
  if (spec.type === "file") return readTokenFile(spec.path, (await hostDefaults(options, ["readFile"])).readFile);
  const host = await hostDefaults(options, ["env", "fetch", "now", "sleep", "random", "readFile", "runCommand"]);
  return (await obtainToken(spec, host, retryContext(host, options.retry, options.signal))).token;
}

/** Internal: a token and the concrete spec it came from (`auto` resolved), within a shared retry context. */
export async function obtainToken(
  spec: TokenSpec,
  host: TokenHost,
  context: RetryContext,
): Promise<{ token: string; spec: Exclude<TokenSpec, { type: "auto" }> }> {
  if (spec.type === "auto") spec = await detectTokenSource(host.env, spec.audience);
  switch (spec.type) {
    case "file":
      return { token: await readTokenFile(spec.path, host.readFile), spec };
    case "env":
      return { token: envToken(spec, host.env), spec };
    case "process":
      return { token: await processToken(spec, host, context), spec };
    case "server":
      return { token: await requestToken(githubRequest(spec, host.env), host, context), spec };
    case "buildkite":
      return { token: await requestToken(buildkiteRequest(spec, host.env), host, context), spec };
    case "azure":
      return { token: await requestToken(azureRequest(spec, host.env), host, context), spec };
    case "google":
      return { token: await requestToken(googleRequest(spec, host.env), host, context), spec };
  }
}

// ---------------------------------------------------------------------------------------------
// Detection

/** What `auto` checked, in order, for the "nothing found" message. */
const DETECTION_ORDER = "GitHub Actions/Forgejo (GITHUB_ACTIONS), GitLab (GITLAB_CI), Buildkite (BUILDKITE), " +
  "CircleCI (CIRCLECI), Bitbucket (BITBUCKET_BUILD_NUMBER), Azure DevOps (TF_BUILD with SYSTEM_OIDCREQUESTURI), " +
  "HCP Terraform (TFC_WORKLOAD_IDENTITY_TOKEN), Spacelift (SPACELIFT_OIDC_TOKEN), Kubernetes (AWS_WEB_IDENTITY_TOKEN_FILE), " +
  "Google Cloud (only with OIDC2AWS_DETECT_GOOGLE=true)";

/**
 * Detects the CI platform from its environment, in a fixed order (the first match wins): GitHub
 * Actions and Forgejo, GitLab, Buildkite, CircleCI, Bitbucket, Azure DevOps, HCP Terraform,
 * Spacelift, Kubernetes (a token file), and Google Cloud's metadata server only when
 * `OIDC2AWS_DETECT_GOOGLE=true` (it is the one check that needs the network). A platform that is
 * present but not set up to issue a token is an `ERR_TOKEN_UNAVAILABLE` error with that platform's
 * fix; no platform at all is one too.
 *
 * @example
 * ```ts
 * import { detectTokenSource } from "oidc2aws";
 * const spec = detectTokenSource({ GITLAB_CI: "true", STS_AMAZONAWS_COM_ID_TOKEN: "eyJ..." });
 * console.log(spec); // { type: "env", name: "STS_AMAZONAWS_COM_ID_TOKEN", platform: "GitLab" }
 * ```
 */
export function detectTokenSource(
  env: Host["env"],
  audience: string | undefined = DEFAULT_AUDIENCE,
): Exclude<TokenSpec, { type: "auto" }> {
  const set = (name: string) => (env[name] ?? "") !== "";
  if (env.GITHUB_ACTIONS === "true" || (set("ACTIONS_ID_TOKEN_REQUEST_URL") && set("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))) {
    const name = env.FORGEJO_ACTIONS === "true" || env.GITEA_ACTIONS === "true" ? "Forgejo" : "GitHub";
    const spec: ServerTokenSpec = {
      type: "server",
      name,
      urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
      tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      audience,
    };
    if (!set(spec.urlEnv) || !set(spec.tokenEnv)) {
      throw unavailable(spec, env, [!set(spec.urlEnv) && spec.urlEnv, !set(spec.tokenEnv) && spec.tokenEnv]);
    }
    return spec;
  }
  if (env.GITLAB_CI === "true") {
    const spec: EnvTokenSpec = { type: "env", name: gitlabVariable(audience ?? DEFAULT_AUDIENCE), platform: "GitLab" };
    envToken(spec, env);
    return spec;
  }
  if (env.BUILDKITE === "true") {
    if (!set("BUILDKITE_AGENT_ACCESS_TOKEN") || !set("BUILDKITE_JOB_ID")) {
      throw new TokenError(
        "ERR_TOKEN_UNAVAILABLE",
        "This is a Buildkite job (BUILDKITE=true) but BUILDKITE_AGENT_ACCESS_TOKEN or BUILDKITE_JOB_ID is not set: run oidc2aws " +
          "in a command step, where the agent sets both",
      );
    }
    return { type: "buildkite", audience };
  }
  if (env.CIRCLECI === "true") {
    if (audience !== undefined && audience !== DEFAULT_AUDIENCE) {
      return { type: "process", command: circleciCommand(audience), platform: "CircleCI" };
    }
    const spec: EnvTokenSpec = {
      type: "env",
      name: "CIRCLE_OIDC_TOKEN_V2",
      alternatives: ["CIRCLE_OIDC_TOKEN"],
      platform: "CircleCI",
    };
    envToken(spec, env);
    return spec;
  }
  if (set("BITBUCKET_BUILD_NUMBER")) {
    const spec: EnvTokenSpec = { type: "env", name: "BITBUCKET_STEP_OIDC_TOKEN", platform: "Bitbucket" };
    envToken(spec, env);
    return spec;
  }
  if (env.TF_BUILD?.toLowerCase() === "true" && set("SYSTEM_OIDCREQUESTURI")) {
    const spec: AzureTokenSpec = { type: "azure", serviceConnectionId: undefined };
    azureRequest(spec, env);
    return spec;
  }
  if (set("TFC_WORKLOAD_IDENTITY_TOKEN")) {
    return { type: "env", name: "TFC_WORKLOAD_IDENTITY_TOKEN", platform: "TerraformCloud" };
  }
  if (set("SPACELIFT_OIDC_TOKEN")) return { type: "env", name: "SPACELIFT_OIDC_TOKEN", platform: "Spacelift" };
  if (set("AWS_WEB_IDENTITY_TOKEN_FILE")) return { type: "file", path: env.AWS_WEB_IDENTITY_TOKEN_FILE! };
  if (env.OIDC2AWS_DETECT_GOOGLE === "true") return { type: "google", audience: audience ?? DEFAULT_AUDIENCE };
  throw new TokenError(
    "ERR_TOKEN_UNAVAILABLE",
    `No CI platform that issues OIDC tokens was detected (checked ${DETECTION_ORDER}): run in such a job, or name the token ` +
      "source with web_identity_token_server / AWS_WEB_IDENTITY_TOKEN_SERVER",
  );
}

// ---------------------------------------------------------------------------------------------
// Tokens handed over in env vars, files and commands

const ENV_FIXES: Partial<Record<Platform, (name: string) => string>> = {
  GitLab: (name) => {
    const audience = name === gitlabVariable(DEFAULT_AUDIENCE) ? DEFAULT_AUDIENCE : "<the audience>";
    return `GitLab puts a token there only when the job asks for one; add to the job:\n  id_tokens:\n    ${name}:\n      aud: ${audience}`;
  },
  CircleCI: () => "CircleCI sets it only in jobs that use a context: add a context to the job in the workflow",
  Bitbucket: () => "Bitbucket sets it only in steps with OIDC: add oidc: true to the step in bitbucket-pipelines.yml",
  TerraformCloud: (name) =>
    `HCP Terraform sets it only when the workspace has the variable ${
      name.replace("_TOKEN", "_AUDIENCE")
    } (set it to the ` +
    "audience your IAM OIDC provider expects, e.g. aws.workload.identity)",
  Spacelift: () => "Spacelift sets it in every run: check that this runs inside a Spacelift run",
};

function envToken(spec: EnvTokenSpec, env: Host["env"]): string {
  for (const name of [spec.name, ...(spec.alternatives ?? [])]) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  const names = [spec.name, ...(spec.alternatives ?? [])].join(" or ");
  // Any variable name in a GitLab job (web_identity_token_env = NAME) is an id_tokens entry: say so.
  const platform = spec.platform ?? (env.GITLAB_CI === "true" ? "GitLab" : undefined);
  const fix = platform && ENV_FIXES[platform]?.(spec.name);
  throw new TokenError(
    "ERR_TOKEN_UNAVAILABLE",
    fix
      ? `${platform} did not give this job an OIDC token: ${names} is not set. ${fix}`
      : `The OIDC token is not available: the environment variable ${names} (web_identity_token_env) is not set or empty`,
  );
}

async function readTokenFile(rawPath: string, readFile: Host["readFile"]): Promise<string> {
  const path = clip(rawPath);
  if (path.startsWith("<a ")) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      "The web identity token file setting holds what looks like a token, not a path: set it to the path of a file that holds the token",
    );
  }
  let text: string | undefined;
  try {
    text = await readFile(rawPath);
  } catch (cause) {
    if (cause instanceof Oidc2AwsError) throw cause;
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `Cannot read the web identity token file ${path}: ${(cause as Error)?.message ?? cause}`,
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

async function processToken(spec: ProcessTokenSpec, host: TokenHost, context: RetryContext): Promise<string> {
  const [command, ...args] = spec.command;
  const timeoutMs = Math.max(1, Math.min(PROCESS_TIMEOUT_MS, context.deadline - host.now()));
  // The job's own secrets (bearers, keys) may be echoed by the command or pasted into the setting.
  const secrets = secretValues(host.env);
  const name = JSON.stringify(clip(command, secrets));
  let result: Awaited<ReturnType<RunCommand>>;
  try {
    result = await host.runCommand(command, args, { env: host.env, timeoutMs, signal: context.signal });
  } catch (cause) {
    if (context.signal?.aborted) throw context.signal.reason;
    if (cause instanceof Oidc2AwsError) throw cause;
    // No `cause`: the runtime's error lists the command line, which may hold what it should not.
    const code = (cause as { code?: string })?.code;
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      code === "ENOENT"
        ? `Cannot run the token command ${name}: command not found (install it or fix web_identity_token_process)`
        : `Cannot run the token command ${name}: ${redact(String((cause as Error)?.message ?? cause), secrets)}`,
    );
  }
  if (result.timedOut) {
    throw new HttpError("ERR_TIMEOUT", `The token command ${name} did not finish within ${timeoutMs} ms`);
  }
  const token = result.stdout.trim();
  if (result.code !== 0 || token === "" || /\s/.test(token)) {
    const why = result.code !== 0
      ? result.code === null ? "was stopped by a signal" : `exited with code ${result.code}`
      : token === ""
      ? "printed nothing"
      : "printed more than a token";
    const stderr = bodyExcerpt(result.stderr, [token, ...secrets]);
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `The token command ${name} ${why}${stderr ? `: ${stderr}` : ""}. It must print the OIDC token alone on stdout`,
    );
  }
  return token;
}

// ---------------------------------------------------------------------------------------------
// Tokens requested over HTTP

/** One platform's token request. */
interface TokenRequest {
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
  /** Reads the token out of a 2xx answer, or undefined with a description of what came instead. */
  extract: (answer: Answer) => { token?: string; got: string };
  /** What the expected answer looks like, for messages. */
  expected: string;
  /** What to do about an HTTP error status. */
  advice: (status: number) => string;
}

function githubRequest(spec: ServerTokenSpec, env: Host["env"]): TokenRequest {
  const rawUrl = env[spec.urlEnv];
  const bearer = env[spec.tokenEnv];
  if (!rawUrl || !bearer) throw unavailable(spec, env, [!rawUrl && spec.urlEnv, !bearer && spec.tokenEnv]);
  const url = secureUrl(rawUrl, spec.urlEnv, "the token request bearer");
  if (spec.audience !== undefined) url.searchParams.set("audience", spec.audience);
  return {
    url,
    method: "GET",
    headers: { authorization: `Bearer ${bearer}`, accept: "application/json" },
    peer: "the token server",
    secrets: [bearer],
    secretName: "the bearer token",
    urlSource: spec.urlEnv,
    extract: jsonField("value"),
    expected: 'JSON {"value": "<token>"}',
    advice: (status) =>
      status === 401 || status === 403
        ? `the request bearer in ${spec.tokenEnv} was refused; it is valid only for the job that received it`
        : status === 404
        ? `check the URL in ${spec.urlEnv}`
        : status === 400
        ? `check the audience ${JSON.stringify(spec.audience ?? "(none)")}`
        : "the token server failed; try again later",
  };
}

function buildkiteRequest(spec: BuildkiteTokenSpec, env: Host["env"]): TokenRequest {
  const agentToken = env.BUILDKITE_AGENT_ACCESS_TOKEN;
  const job = env.BUILDKITE_JOB_ID;
  if (!agentToken || !job) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      "Cannot request a Buildkite OIDC token: BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID must be set, as they are in " +
        "a Buildkite command step",
    );
  }
  const base = (env.BUILDKITE_AGENT_ENDPOINT || "https://agent.buildkite.com/v3").replace(/\/+$/, "");
  const url = secureUrl(
    `${base}/jobs/${encodeURIComponent(job)}/oidc/tokens`,
    "BUILDKITE_AGENT_ENDPOINT",
    "the agent token",
  );
  return {
    url,
    method: "POST",
    headers: { authorization: `Token ${agentToken}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(spec.audience === undefined ? {} : { audience: spec.audience }),
    peer: "the Buildkite agent API",
    secrets: [agentToken],
    secretName: "the agent token",
    urlSource: "BUILDKITE_AGENT_ENDPOINT",
    extract: jsonField("token"),
    expected: 'JSON {"token": "<token>"}',
    advice: (status) =>
      status === 401 || status === 403
        ? "the agent token in BUILDKITE_AGENT_ACCESS_TOKEN was refused; it is valid only for the running job"
        : status === 404
        ? "check BUILDKITE_JOB_ID and BUILDKITE_AGENT_ENDPOINT"
        : status === 400 || status === 422
        ? `check the audience ${JSON.stringify(spec.audience ?? "(none)")}`
        : "the Buildkite agent API failed; try again later",
  };
}

function azureRequest(spec: AzureTokenSpec, env: Host["env"]): TokenRequest {
  const uri = env.SYSTEM_OIDCREQUESTURI;
  const accessToken = env.SYSTEM_ACCESSTOKEN;
  if (!uri || !accessToken) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `Azure DevOps did not give this step what it needs to request an OIDC token: ${
        !uri ? "SYSTEM_OIDCREQUESTURI" : "SYSTEM_ACCESSTOKEN"
      } ` +
        "is not set. Azure Pipelines hides the job's access token unless a step maps it; add to the step:\n" +
        "  env:\n    SYSTEM_ACCESSTOKEN: $(System.AccessToken)",
    );
  }
  const url = secureUrl(uri, "SYSTEM_OIDCREQUESTURI", "the job access token");
  url.searchParams.set("api-version", "7.1");
  if (spec.serviceConnectionId) url.searchParams.set("serviceConnectionId", spec.serviceConnectionId);
  return {
    url,
    method: "POST",
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json", accept: "application/json" },
    body: "{}",
    peer: "Azure DevOps",
    secrets: [accessToken],
    secretName: "the job access token",
    urlSource: "SYSTEM_OIDCREQUESTURI",
    extract: jsonField("oidcToken"),
    expected: 'JSON {"oidcToken": "<token>"}',
    advice: (status) =>
      status === 401 || status === 403
        ? "the job access token in SYSTEM_ACCESSTOKEN was refused; map $(System.AccessToken) of this job"
        : status === 404
        ? "check the service connection id and SYSTEM_OIDCREQUESTURI"
        : "Azure DevOps failed; try again later",
  };
}

function googleRequest(spec: GoogleTokenSpec, env: Host["env"]): TokenRequest {
  // The metadata server is plain http by design; GCE_METADATA_HOST is Google's own override.
  const host = env.GCE_METADATA_HOST || "metadata.google.internal";
  const url = new URL(`http://${host}/computeMetadata/v1/instance/service-accounts/default/identity`);
  url.searchParams.set("audience", spec.audience);
  url.searchParams.set("format", "full");
  return {
    url,
    method: "GET",
    headers: { "metadata-flavor": "Google" },
    peer: "Google Cloud's metadata server",
    secrets: [],
    secretName: "the request",
    urlSource: "GCE_METADATA_HOST",
    extract: (answer) => {
      const token = answer.body.trim();
      return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token) ? { token, got: "" } : { got: "not a JWT" };
    },
    expected: "a JWT as plain text",
    advice: (status) =>
      status === 404
        ? "this VM or pod has no service account, or the metadata server is not Google's"
        : status === 403
        ? "the metadata server refused the request"
        : "the metadata server failed; try again later",
  };
}

/** Parses and checks a URL that will receive a secret: https, or http only to this machine. */
function secureUrl(raw: string, envVar: string, secret: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TokenError("ERR_TOKEN_UNAVAILABLE", `${envVar} does not hold a URL: it should be the token request URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url))) {
    throw new HttpError(
      "ERR_INSECURE_URL",
      `Refusing to send ${secret} to ${
        displayUrl(url)
      }: ${envVar} must be an https URL (plain http is allowed only to this machine)`,
    );
  }
  return url;
}

/** Reads a string field of a JSON object answer. */
function jsonField(field: string): TokenRequest["extract"] {
  return (answer) => {
    try {
      const json: unknown = JSON.parse(answer.body);
      if (typeof json === "object" && json !== null && !Array.isArray(json)) {
        const value = (json as Record<string, unknown>)[field];
        if (typeof value === "string" && value.trim() !== "") return { token: value.trim(), got: "" };
        if (typeof value === "string") return { got: `an empty "${field}"` };
        const keys = Object.keys(json).slice(0, 10).map((
          k,
        ) => (/^[A-Za-z_][\w-]{0,31}$/.test(k) ? k : "(a key not shown)"));
        return { got: keys.length ? `a JSON object with the keys ${keys.join(", ")}` : "an empty JSON object" };
      }
      return { got: `JSON ${Array.isArray(json) ? "array" : typeof json}` };
    } catch {
      return { got: "not JSON" };
    }
  };
}

/** Sends a token request, retrying network errors, timeouts, 408, 429 and 5xx. */
async function requestToken(request: TokenRequest, host: TokenHost, context: RetryContext): Promise<string> {
  if (request.secrets.some((secret) => /[\0\r\n]/.test(secret.trim()))) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `${capitalize(request.secretName)} holds a line break or NUL character, which cannot be sent in an HTTP header`,
    );
  }
  const target = request.url.href;
  for (let attempt = 1;; attempt++) {
    let retryable = false;
    let minimumDelay = 0;
    let error: Oidc2AwsError;
    try {
      const answer = await exchange(target, {
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
      if (answer.status >= 200 && answer.status < 300) {
        const { token, got } = request.extract(answer);
        if (token) return token;
        throw new TokenError(
          "ERR_TOKEN_RESPONSE",
          `${capitalize(request.peer)} at ${
            displayUrl(target)
          } answered HTTP ${answer.status} without a token: expected ` +
            `${request.expected}, got ${got} (${answer.contentType || "no content type"})`,
          { status: answer.status },
        );
      }
      retryable = answer.status === 408 || answer.status === 429 || answer.status >= 500;
      minimumDelay = retryAfterMs(answer.headers.get("retry-after"), host.now()) ?? 0;
      const advice = answer.status >= 300 && answer.status < 400
        ? `it answered with a redirect, which oidc2aws never follows with ${request.secretName}: check ${request.urlSource}`
        : request.advice(answer.status);
      const excerpt = bodyExcerpt(answer.body, request.secrets);
      error = new TokenError(
        "ERR_TOKEN_HTTP",
        `${capitalize(request.peer)} at ${displayUrl(target)} answered HTTP ${answer.status}${
          excerpt ? ` (${excerpt})` : ""
        }: ${advice}`,
        { status: answer.status },
      );
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

function unavailable(spec: ServerTokenSpec, env: Host["env"], missing: Array<string | false>): TokenError {
  const names = missing.filter((name): name is string => !!name);
  const list = names.join(" and ");
  const verb = names.length > 1 ? "are" : "is";
  if (spec.name !== undefined || (spec.urlEnv === "ACTIONS_ID_TOKEN_REQUEST_URL" && env.GITHUB_ACTIONS === "true")) {
    if (env.FORGEJO_ACTIONS === "true" || env.GITEA_ACTIONS === "true" || spec.name === "Forgejo") {
      return new TokenError(
        "ERR_TOKEN_UNAVAILABLE",
        `Forgejo Actions did not give this job an OIDC token: ${list} ${verb} not set. Add to the job:\n` +
          "  enable-openid-connect: true",
      );
    }
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

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Internal: what binds a token source to this job (the bearer, the token itself, the file's content),
 * for the CLI's cache key; `undefined` where nothing does (a command), so nothing is cached.
 */
export async function tokenBinding(spec: TokenSpec, env: Host["env"], readFile: Host["readFile"]): Promise<unknown> {
  const concrete = spec.type === "auto" ? detectTokenSource(env, spec.audience) : spec;
  switch (concrete.type) {
    case "server":
      return { url: env[concrete.urlEnv] ?? "", bearer: env[concrete.tokenEnv] ?? "" };
    case "buildkite":
      return {
        endpoint: env.BUILDKITE_AGENT_ENDPOINT ?? "",
        job: env.BUILDKITE_JOB_ID,
        agent: env.BUILDKITE_AGENT_ACCESS_TOKEN,
      };
    case "azure":
      return { uri: env.SYSTEM_OIDCREQUESTURI, token: env.SYSTEM_ACCESSTOKEN };
    case "google":
      return { host: env.GCE_METADATA_HOST ?? "" };
    case "env":
      return { token: [concrete.name, ...(concrete.alternatives ?? [])].map((name) => env[name] ?? "") };
    case "file":
      return { file: (await readFile(concrete.path).catch(() => undefined)) ?? "" };
    case "process":
      return undefined;
  }
}
