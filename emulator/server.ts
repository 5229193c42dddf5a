/**
 * The loopback HTTP server that puts the token endpoints (GitHub's, Buildkite's
 * agent API, Azure DevOps', Google's metadata server), the discovery documents
 * and STS behind one port, with fault injection and a request log.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import {
  checkFault,
  cutConnection,
  type Fault,
  FAULT_TARGETS,
  faultReply,
  type FaultTarget,
  writeHugeBody,
  writeTruncated,
} from "./faults.ts";
import { type Claims, decodeJwt, foreignSigningKey, sharedSigningKey, signJwt } from "./jwt.ts";
import {
  bearerMatches,
  DEFAULT_SUBJECT,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  discoveryReply,
  handleTokenRequest,
  jwksReply,
  repositoryOf,
  type TokenIssuer,
} from "./oidc.ts";
import { createStsService, type IssuedCredentials, type RoleTrust, stsErrorReply } from "./sts.ts";
import {
  createRunIds,
  DEFAULT_AZURE_SERVICE_CONNECTIONS,
  gitlabIdTokenVariable,
  type Platform,
  PLATFORM_AUDIENCES,
  PLATFORM_NAMES,
  type PlatformClaims,
  platformClaims,
  type PlatformIssuer,
  PLATFORMS,
  type PlatformTokenRequest,
} from "./platforms.ts";
import { agentTokenMatches, BUILDKITE_API_PREFIX, handleBuildkiteRequest, parseBuildkiteBody } from "./buildkite.ts";
import { AZURE_OIDC_PATH, azureApiVersion, handleAzureRequest } from "./azure.ts";
import { GCP_METADATA_PREFIX, handleGcpRequest } from "./gcp.ts";
import { jsonReply, type Outcome, randomString, type Reply, sleep, UPPER_ALNUM } from "./_util.ts";

/** Options for {@link startEmulator}; every one has a default. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** The bearer the token endpoint requires; default random. */
  bearer?: string;
  /** The `sub` claim of GitHub tokens; default `repo:octo-org/octo-repo:ref:refs/heads/main`. */
  subject?: string;
  /** Claims merged over the defaults of every GitHub token (`undefined` removes one), e.g. `{ repository: "acme/app" }`. */
  claims?: Claims;
  /**
   * Claims merged over the defaults of each platform's tokens (`undefined` removes one), e.g.
   * `{ gitlab: { ref: "dev" } }`; `github` applies after `claims`.
   */
  platformClaims?: PlatformClaims;
  /**
   * `exp - iat` of minted tokens. Default each platform's own: GitHub 300, Buildkite 300 (or the
   * request's `lifetime`), Azure DevOps 600, the others 3600. When set, it applies to every platform.
   */
  tokenLifetimeSeconds?: number;
  /** Audiences STS accepts (the OIDC provider's client ids); default `["sts.amazonaws.com"]`. */
  audiences?: string[];
  /** Role ARN → trust policy. Undefined: every well-formed role ARN trusts any subject. */
  roles?: Record<string, RoleTrust>;
  /** The token server's clock in ms (iat, nbf, exp); default `Date.now`. Set it in the past to mint expired tokens. */
  now?: () => number;
  /** The STS clock in ms (token expiry, credential expiry, SigV4 time); default `Date.now`. */
  stsNow?: () => number;
  /** Extra delay before every response, in ms; default 0. */
  latencyMs?: number;
  /** The agent access token Buildkite's endpoint requires (`Authorization: Token …`); default random. */
  buildkiteAgentToken?: string;
  /** The job id Buildkite's endpoint serves (other ids get 404); default a random UUID. */
  buildkiteJobId?: string;
  /** The bearer Azure DevOps' endpoint requires (`System.AccessToken`); default random. */
  azureAccessToken?: string;
  /** Azure DevOps service connection id → name (the `sc://` subject's last part); default one connection, `aws-oidc`. */
  azureServiceConnections?: Record<string, string>;
}

/** Options for {@link Emulator.envFor}; they shape the tokens put in env vars (GitLab, CircleCI, Bitbucket, HCP Terraform, Spacelift). */
export interface EnvForOptions {
  /** The `aud` of those tokens; default the platform's (GitLab: `sts.amazonaws.com`, also naming the variable). */
  audience?: string;
  /** Claims merged over theirs (`undefined` removes one). */
  claims?: Claims;
}

/** What the emulator logs of each request; never a token, bearer or secret. */
export interface RequestRecord {
  /** `token` is GitHub's endpoint; `buildkite`, `azure` and `gcp` the other platforms' token endpoints. */
  target: "token" | "sts" | "jwks" | "buildkite" | "azure" | "gcp" | "other";
  method: string;
  /** The path without the query string. */
  path: string;
  /** STS `Action`. */
  action?: string;
  roleArn?: string;
  roleSessionName?: string;
  /**
   * Token requests: the `audience` parameter (Buildkite: the body's `audience`). STS requests: the
   * `aud` claim of the token sent (unverified).
   */
  audience?: string;
  /** The HTTP status sent; 0 while unanswered, or when the request was dropped or hung. */
  status: number;
  /** True when a queued fault was applied. */
  faulted?: boolean;
  /** Token requests (GitHub, Buildkite, Azure): whether the bearer or agent token matched. */
  bearerOk?: boolean;
  /** Whether the request carried an Authorization header. */
  hasAuthorization?: boolean;
  /**
   * STS error code, or `"unauthorized"` for a refused bearer or agent token; the Buildkite, Azure and
   * Google endpoints also log `"forbidden"`, `"not_found"`, `"method_not_allowed"` and `"bad_request"`.
   */
  error?: string;
  /** Buildkite and Azure: the request's Content-Type header. */
  contentType?: string;
  /** Azure: the `api-version` asked for (query parameter or Accept header). */
  apiVersion?: string;
  /** Azure: the `serviceConnectionId` parameter. */
  serviceConnectionId?: string;
  /** Google: whether `Metadata-Flavor: Google` was sent. */
  metadataFlavor?: boolean;
  /** Google: the `format` parameter. */
  format?: string;
}

/** Options for {@link Emulator.mintToken}. */
export interface MintOptions {
  /** Whose claims the token carries; default `github`. */
  platform?: Platform;
  /**
   * The `aud` claim; default the platform's ({@link PLATFORM_AUDIENCES}): `sts.amazonaws.com` for
   * GitHub (the token endpoint itself defaults to GitHub's `https://github.com/<owner>`), GitLab and
   * Google, the org id for CircleCI, and so on.
   */
  audience?: string;
  /** Claims merged over this emulator's (`undefined` removes one). */
  claims?: Claims;
  /** Sign with a key nobody trusts, keeping this emulator's kid: a forged token. */
  foreignKey?: boolean;
}

/** A running emulator. Stop it with `stop()` or `await using`. */
export interface Emulator extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `${url}/token?api-version=2.0`, what ACTIONS_ID_TOKEN_REQUEST_URL holds. */
  readonly tokenUrl: string;
  /** The STS endpoint: `url` (POST / and POST /sts both work). */
  readonly stsUrl: string;
  /** The bearer the token endpoint requires. */
  readonly bearer: string;
  /** The `iss` of minted tokens, the only issuer STS trusts: `url`. */
  readonly issuer: string;
  /** The environment of a GitHub Actions job with `id-token: write`, pointed at this emulator. */
  readonly env: Record<string, string>;
  /** The agent access token Buildkite's endpoint requires. */
  readonly buildkiteAgentToken: string;
  /** The job id Buildkite's endpoint serves. */
  readonly buildkiteJobId: string;
  /** `${url}/buildkite/v3`, what BUILDKITE_AGENT_ENDPOINT holds. */
  readonly buildkiteEndpoint: string;
  /** The bearer Azure DevOps' endpoint requires. */
  readonly azureAccessToken: string;
  /** `${url}/azure/oidctoken`, what SYSTEM_OIDCREQUESTURI holds. */
  readonly azureOidcUrl: string;
  /** Azure DevOps service connection id → name. */
  readonly azureServiceConnections: Readonly<Record<string, string>>;
  /** `127.0.0.1:PORT`, what GCE_METADATA_HOST holds. */
  readonly gcpMetadataHost: string;
  /** Every request so far, oldest first (cleared in place by `reset()`). */
  readonly requests: RequestRecord[];
  /** Credentials issued by AssumeRoleWithWebIdentity, by access key id. */
  readonly issued: ReadonlyMap<string, IssuedCredentials>;
  /** Requests to `target` so far (all requests without one). */
  count(target?: RequestRecord["target"]): number;
  /** Queues `fault` for the next `fault.times` (default 1) requests to `target`. */
  fault(target: FaultTarget, fault: Fault): void;
  /** Signs a token directly, without a request; for STS tests. */
  mintToken(options?: MintOptions): Promise<string>;
  /**
   * The environment of a job on `platform`, pointed at this emulator, with `AWS_ENDPOINT_URL_STS` and
   * `AWS_REGION`. Platforms that put the token in an env var get a freshly minted one; the others get
   * what their token request needs.
   */
  envFor(platform: Platform, options?: EnvForOptions): Promise<Record<string, string>>;
  /** Clears queued faults and the request log. */
  reset(): void;
  /** Closes the server and every connection, hung ones included. */
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

/**
 * Starts the emulator on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { startEmulator } from "./mod.ts";
 * await using emulator = await startEmulator();
 * const res = await fetch(emulator.tokenUrl, { headers: { authorization: `Bearer ${emulator.bearer}` } });
 * console.log((await res.json()).value.split(".").length); // 3
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const key = await sharedSigningKey();
  const bearer = options.bearer ?? randomString(UPPER_ALNUM, 32).toLowerCase();
  const buildkiteAgentToken = options.buildkiteAgentToken ?? randomString(UPPER_ALNUM, 40).toLowerCase();
  const azureAccessToken = options.azureAccessToken ?? randomString(UPPER_ALNUM, 52).toLowerCase();
  const azureServiceConnections: Readonly<Record<string, string>> = Object.freeze(
    Object.fromEntries(
      Object.entries(options.azureServiceConnections ?? DEFAULT_AZURE_SERVICE_CONNECTIONS).map(([id, name]) => [
        id.toLowerCase(),
        name,
      ]),
    ),
  );
  const requests: RequestRecord[] = [];
  const queues = Object.fromEntries(FAULT_TARGETS.map((t) => [t, []])) as unknown as Record<
    FaultTarget,
    { fault: Fault; left: number }[]
  >;
  const sockets = new Set<Socket>();
  const pending = new Map<ServerResponse, IncomingMessage>();
  const stopping = new AbortController();
  const encoder = new TextEncoder();

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) send(res, undefined, stsErrorReply("InternalFailure"));
      else res.destroy();
    });
  });
  server.on("connection", (socket: Socket) => track(socket));
  server.on("clientError", (_error: unknown, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;

  const issuer: TokenIssuer = {
    key,
    issuer: url,
    now: options.now ?? Date.now,
    lifetimeSeconds: options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    subject: options.subject ?? DEFAULT_SUBJECT,
    runId: String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)),
    claims: { ...options.claims, ...options.platformClaims?.github },
  };
  const platform: PlatformIssuer = {
    github: issuer,
    lifetimeSeconds: options.tokenLifetimeSeconds,
    overrides: options.platformClaims ?? {},
    ids: createRunIds(options.buildkiteJobId),
  };
  const sts = createStsService({
    key,
    issuer: url,
    audiences: options.audiences ?? ["sts.amazonaws.com"],
    roles: options.roles,
    now: options.stsNow ?? Date.now,
  });

  function track(socket: Socket | null | undefined): void {
    if (!socket || sockets.has(socket)) return;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  }

  function send(res: ServerResponse, record: RequestRecord | undefined, reply: Reply): void {
    if (record) record.status = reply.status;
    const bytes = encoder.encode(reply.body);
    res.writeHead(reply.status, { ...reply.headers, "content-length": String(bytes.length) });
    res.end(bytes);
  }

  function takeFault(target: RequestRecord["target"]): Fault | undefined {
    if (!isFaultTarget(target)) return undefined;
    const head = queues[target][0];
    if (!head) return undefined;
    if (--head.left <= 0) queues[target].shift();
    return head.fault;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Bun's node:http does not emit "connection"; the request's socket covers it there.
    track(req.socket);
    pending.set(res, req);
    res.once("close", () => pending.delete(res));
    res.on("error", () => {});
    req.on("error", () => {});

    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
    const query = new URLSearchParams(rawQuery);
    const body = await readBody(req);
    const method = req.method ?? "GET";
    const authorization = req.headers.authorization;
    const target = classify(path);
    const record: RequestRecord = { target, method, path, status: 0, hasAuthorization: authorization !== undefined };

    const params = target === "sts" ? stsParams(query, req.headers["content-type"], body) : query;
    if (target === "token") {
      Object.assign(record, withoutEmpty({ audience: query.get("audience") }));
      record.bearerOk = bearerMatches(authorization, bearer);
    } else if (target === "buildkite") {
      const parsed = parseBuildkiteBody(body ?? "");
      Object.assign(
        record,
        withoutEmpty({
          audience: "audience" in parsed ? parsed.audience : null,
          contentType: req.headers["content-type"],
        }),
      );
      record.bearerOk = agentTokenMatches(authorization, buildkiteAgentToken);
    } else if (target === "azure") {
      Object.assign(
        record,
        withoutEmpty({
          apiVersion: azureApiVersion(query, req.headers.accept),
          serviceConnectionId: query.get("serviceConnectionId"),
          contentType: req.headers["content-type"],
        }),
      );
      record.bearerOk = bearerMatches(authorization, azureAccessToken);
    } else if (target === "gcp") {
      Object.assign(record, withoutEmpty({ audience: query.get("audience"), format: query.get("format") }));
      record.metadataFlavor = req.headers["metadata-flavor"] === "Google";
    } else if (target === "sts") {
      const aud = decodeJwt(params.get("WebIdentityToken") ?? "")?.claims.aud;
      Object.assign(
        record,
        withoutEmpty({
          action: params.get("Action"),
          roleArn: params.get("RoleArn"),
          roleSessionName: params.get("RoleSessionName"),
          audience: Array.isArray(aud) ? aud.join(",") : aud === undefined ? null : String(aud),
        }),
      );
    }
    requests.push(record);

    if (options.latencyMs) await sleep(options.latencyMs, stopping.signal);
    const fault = takeFault(target);
    if (fault) {
      record.faulted = true;
      if (fault.delayMs) await sleep(fault.delayMs, stopping.signal);
    }
    if (stopping.signal.aborted || res.destroyed) return;
    if (fault && "drop" in fault) return cutConnection(req, res);
    if (fault && "hang" in fault) return; // answered by stop() or by the client leaving
    if (fault && "hugeBody" in fault) {
      record.status = 200;
      return await writeHugeBody(res, target as FaultTarget, fault.hugeBody, stopping.signal);
    }
    const injected = fault && faultReply(fault);
    if (injected) return send(res, record, injected);

    if (body === undefined) {
      return send(res, record, jsonReply(413, { message: `Request body over ${MAX_BODY_BYTES} bytes` }));
    }
    let reply: Reply;
    if (target === "token") {
      reply = await handleTokenRequest(issuer, { method, query, bearerOk: record.bearerOk! });
      if (reply.status === 401) record.error = "unauthorized";
    } else if (target === "sts") {
      const outcome = await sts.handle({ method, path, rawQuery, headers: req.headers, body, params });
      reply = outcome.reply;
      if (outcome.error) record.error = outcome.error;
    } else if (target === "buildkite" || target === "azure" || target === "gcp") {
      let outcome: Outcome;
      if (target === "buildkite") {
        outcome = await handleBuildkiteRequest(platform, { method, path, body, tokenOk: record.bearerOk! });
      } else if (target === "azure") {
        outcome = await handleAzureRequest(platform, azureServiceConnections, {
          method,
          path,
          query,
          accept: req.headers.accept,
          bearerOk: record.bearerOk!,
        });
      } else {
        const flavor = req.headers["metadata-flavor"];
        outcome = await handleGcpRequest(platform, {
          method,
          path,
          rawPath: rawUrl,
          query,
          flavor: Array.isArray(flavor) ? flavor[0] : flavor,
        });
      }
      reply = outcome.reply;
      if (outcome.error) record.error = outcome.error;
    } else if (target === "jwks") {
      reply = path.endsWith("/jwks") ? jwksReply(key) : discoveryReply(url, url);
    } else {
      reply = jsonReply(404, { message: `No route for ${method} ${path}` });
    }
    if (stopping.signal.aborted || res.destroyed) return;
    if (fault && "truncate" in fault) {
      record.status = reply.status;
      return writeTruncated(req, res, reply);
    }
    send(res, record, reply);
  }

  const aws = { AWS_ENDPOINT_URL_STS: url, AWS_REGION: "us-east-1" };
  async function envFor(which: Platform, envOptions: EnvForOptions = {}): Promise<Record<string, string>> {
    checkPlatform(which);
    const mint = async (p: Platform, extra: PlatformTokenRequest = {}): Promise<string> =>
      await signJwt(
        key,
        platformClaims(platform, p, { audience: envOptions.audience, claims: envOptions.claims, ...extra }),
      );
    const ids = platform.ids;
    switch (which) {
      case "github":
        return { ...emulator.env };
      case "gitlab":
        return {
          GITLAB_CI: "true",
          CI_JOB_ID: ids.gitlabJobId,
          CI_PIPELINE_ID: ids.gitlabPipelineId,
          CI_PROJECT_PATH: PLATFORM_NAMES.gitlabProject,
          [gitlabIdTokenVariable(envOptions.audience ?? PLATFORM_AUDIENCES.gitlab)]: await mint("gitlab"),
          ...aws,
        };
      case "circleci":
        return {
          CIRCLECI: "true",
          CIRCLE_BUILD_NUM: ids.circleciBuildNumber,
          CIRCLE_OIDC_TOKEN: await mint("circleci", { circleciV2: false }),
          CIRCLE_OIDC_TOKEN_V2: await mint("circleci"),
          ...aws,
        };
      case "bitbucket":
        return {
          BITBUCKET_BUILD_NUMBER: ids.bitbucketBuildNumber,
          BITBUCKET_REPO_UUID: PLATFORM_NAMES.bitbucketRepoUuid,
          BITBUCKET_STEP_UUID: PLATFORM_NAMES.bitbucketStepUuid,
          BITBUCKET_STEP_OIDC_TOKEN: await mint("bitbucket"),
          ...aws,
        };
      case "buildkite":
        return {
          BUILDKITE: "true",
          BUILDKITE_AGENT_ACCESS_TOKEN: buildkiteAgentToken,
          BUILDKITE_JOB_ID: ids.buildkiteJobId,
          BUILDKITE_AGENT_ENDPOINT: `${url}${BUILDKITE_API_PREFIX}`,
          BUILDKITE_BUILD_NUMBER: String(ids.buildkiteBuildNumber),
          BUILDKITE_ORGANIZATION_SLUG: PLATFORM_NAMES.buildkiteOrganization,
          BUILDKITE_PIPELINE_SLUG: PLATFORM_NAMES.buildkitePipeline,
          ...aws,
        };
      case "azure":
        return {
          TF_BUILD: "True",
          SYSTEM_OIDCREQUESTURI: `${url}${AZURE_OIDC_PATH}`,
          SYSTEM_ACCESSTOKEN: azureAccessToken,
          SYSTEM_TEAMPROJECT: PLATFORM_NAMES.azureProject,
          BUILD_BUILDID: ids.azureBuildId,
          ...aws,
        };
      case "gcp":
        return { GCE_METADATA_HOST: `127.0.0.1:${port}`, ...aws };
      case "terraform":
        return {
          TFC_RUN_ID: ids.terraformRunId,
          TFC_WORKSPACE_NAME: PLATFORM_NAMES.terraformWorkspace,
          TFC_WORKLOAD_IDENTITY_TOKEN: await mint("terraform"),
          ...aws,
        };
      case "spacelift":
        return { SPACELIFT_OIDC_TOKEN: await mint("spacelift"), ...aws };
    }
  }

  let stopped: Promise<void> | undefined;
  const emulator: Emulator = {
    url,
    tokenUrl: `${url}/token?api-version=2.0`,
    stsUrl: url,
    bearer,
    issuer: url,
    env: {
      GITHUB_ACTIONS: "true",
      ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer,
      GITHUB_RUN_ID: issuer.runId,
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_REPOSITORY: repositoryOf(issuer),
      AWS_ENDPOINT_URL_STS: url,
      AWS_REGION: "us-east-1",
    },
    buildkiteAgentToken,
    buildkiteJobId: platform.ids.buildkiteJobId,
    buildkiteEndpoint: `${url}${BUILDKITE_API_PREFIX}`,
    azureAccessToken,
    azureOidcUrl: `${url}${AZURE_OIDC_PATH}`,
    azureServiceConnections,
    gcpMetadataHost: `127.0.0.1:${port}`,
    requests,
    issued: sts.issued,
    count: (target) => (target ? requests.filter((r) => r.target === target).length : requests.length),
    fault(target, fault) {
      if (!isFaultTarget(target)) throw new TypeError(`Unknown fault target ${JSON.stringify(target)}`);
      checkFault(fault);
      queues[target].push({ fault, left: fault.times ?? 1 });
    },
    async mintToken(mint = {}) {
      const which = mint.platform ?? "github";
      checkPlatform(which);
      const claims = platformClaims(platform, which, { audience: mint.audience, claims: mint.claims });
      return mint.foreignKey ? await signJwt(await foreignSigningKey(), claims, key.kid) : await signJwt(key, claims);
    },
    envFor,
    reset() {
      requests.length = 0;
      for (const target of FAULT_TARGETS) queues[target].length = 0;
    },
    stop() {
      return stopped ??= new Promise<void>((resolve) => {
        stopping.abort();
        server.close(() => resolve());
        for (const [res, req] of pending) cutConnection(req, res);
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        for (const socket of sockets) socket.destroy();
      });
    },
    [Symbol.asyncDispose]() {
      return emulator.stop();
    },
  };
  return emulator;
}

/** Query protocol parameters: the query string, then a form body over it. */
function stsParams(query: URLSearchParams, contentType: string | undefined, body: string | undefined): URLSearchParams {
  const params = new URLSearchParams(query);
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? "")) {
    for (const [name, value] of new URLSearchParams(body ?? "")) params.set(name, value);
  }
  return params;
}

/** The entries whose value is neither null nor undefined. */
function withoutEmpty(fields: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)) as Record<
    string,
    string
  >;
}

function classify(path: string): RequestRecord["target"] {
  if (path === "/token") return "token";
  if (path === "/.well-known/jwks" || path === "/.well-known/openid-configuration") return "jwks";
  if (path === "/" || path === "/sts") return "sts";
  if (path.startsWith("/buildkite/")) return "buildkite";
  if (path === "/azure" || path.startsWith("/azure/")) return "azure";
  if (path.startsWith(GCP_METADATA_PREFIX)) return "gcp";
  return "other";
}

function isFaultTarget(target: string): target is FaultTarget {
  return (FAULT_TARGETS as readonly string[]).includes(target);
}

function checkPlatform(platform: string): asserts platform is Platform {
  if (!(PLATFORMS as readonly string[]).includes(platform)) {
    throw new TypeError(`Unknown platform ${JSON.stringify(platform)}: expected one of ${PLATFORMS.join(", ")}`);
  }
}

/** The body as text, or `undefined` when it is larger than {@link MAX_BODY_BYTES}. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    req.on("data", (chunk: Uint8Array) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return resolve(undefined);
      const all = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) all.set(chunk, (at += chunk.length) - chunk.length);
      resolve(new TextDecoder().decode(all));
    });
    req.on("error", () => resolve(undefined));
  });
}
