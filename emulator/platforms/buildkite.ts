/**
 * Buildkite: the agent API for OIDC tokens, the request `buildkite-agent oidc
 * request-token` makes:
 *
 * `POST $BUILDKITE_AGENT_ENDPOINT/jobs/$BUILDKITE_JOB_ID/oidc/tokens` with
 * `Authorization: Token $BUILDKITE_AGENT_ACCESS_TOKEN` and a JSON body
 * `{"audience"?: …, "lifetime"?: seconds, "claims"?: ["organization_id", …]}`
 * answers `201` with `{"token": "<jwt>"}`.
 *
 * https://buildkite.com/docs/agent/v3/cli-oidc and the agent's client,
 * https://github.com/buildkite/agent/blob/main/api/oidc.go
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import type { Route, RouteRequest } from "../routes.ts";
import { jsonReply, type Outcome, randomString, safeDecode, UPPER_ALNUM, withoutEmpty } from "../_util.ts";
import {
  type PlatformContext,
  type PlatformEmulator,
  randomNumber,
  stamp,
  type TokenRequest,
  withOverrides,
} from "./_platform.ts";

/** Where the emulator serves Buildkite's agent API: `BUILDKITE_AGENT_ENDPOINT` is `<url>/buildkite/v3`. */
export const BUILDKITE_API_PREFIX = "/buildkite/v3";

const TOKEN_PATH = /^\/buildkite\/v3\/jobs\/([^/]+)\/oidc\/tokens$/;
const ORG = "acme-inc";
const PIPELINE = "super-duper-app";
const COMMIT = "9f3182061f1e2cca4702c368cbc039b7dc9d4485";
const STEP = "deploy";
const ORG_ID = "0184990a-477b-4fa8-9968-496074483a77";
const PIPELINE_ID = "0184990a-4782-42b5-afc1-16715b10b1a0";
const SUBJECT = `organization:${ORG}:pipeline:${PIPELINE}:ref:refs/heads/main:commit:${COMMIT}:step:${STEP}`;
const AUDIENCE = `https://buildkite.com/${ORG}`;
const LIFETIME = 300;

/** The body of a token request, checked. */
export interface BuildkiteTokenBody {
  audience?: string;
  lifetime?: number;
  claims?: string[];
}

interface Job {
  agentToken: string;
  jobId: string;
  agentId: string;
  buildNumber: number;
}

function job(ctx: PlatformContext): Job {
  return ctx.state("Buildkite", () => ({
    agentToken: ctx.options.buildkiteAgentToken ?? randomString(UPPER_ALNUM, 40).toLowerCase(),
    jobId: ctx.options.buildkiteJobId ?? crypto.randomUUID(),
    agentId: crypto.randomUUID(),
    buildNumber: Number(randomNumber(4)),
  }));
}

/** True when `authorization` is `Token <agentToken>`, the token compared exactly. */
export function agentTokenMatches(authorization: string | undefined, agentToken: string): boolean {
  const match = /^Token (.+)$/i.exec(authorization ?? "");
  return match !== null && match[1] === agentToken;
}

/**
 * Parses a token request body: empty means `{}` (the agent sends `{}` when it
 * asks for nothing); a `problem` with its status when malformed.
 */
export function parseBuildkiteBody(body: string): BuildkiteTokenBody | { problem: string; status: number } {
  if (body.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { problem: "Request body is not valid JSON", status: 400 };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problem: "Request body must be a JSON object", status: 400 };
  }
  const { audience, lifetime, claims } = value as Record<string, unknown>;
  if (audience !== undefined && audience !== null && typeof audience !== "string") {
    return { problem: "audience must be a string", status: 422 };
  }
  if (lifetime !== undefined && lifetime !== null && !(Number.isInteger(lifetime) && (lifetime as number) >= 0)) {
    return { problem: "lifetime must be a non-negative integer", status: 422 };
  }
  if (
    claims !== undefined && claims !== null && !(Array.isArray(claims) && claims.every((c) => typeof c === "string"))
  ) {
    return { problem: "claims must be an array of strings", status: 422 };
  }
  return {
    ...(typeof audience === "string" ? { audience } : {}),
    ...(typeof lifetime === "number" ? { lifetime } : {}),
    ...(Array.isArray(claims) ? { claims: claims as string[] } : {}),
  };
}

/** Buildkite's claims; `optionalClaims` adds `organization_id` and `pipeline_id` when named (others are ignored). */
function buildkiteClaims(ctx: PlatformContext, request: TokenRequest & { optionalClaims?: readonly string[] }): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  const optional = new Set(request.optionalClaims ?? []);
  return withOverrides(ctx, "Buildkite", {
    iss,
    sub: SUBJECT,
    aud: request.audience ?? AUDIENCE,
    iat,
    nbf: iat,
    exp,
    jti: crypto.randomUUID(),
    organization_slug: ORG,
    pipeline_slug: PIPELINE,
    build_number: job(ctx).buildNumber,
    build_branch: "main",
    build_commit: COMMIT,
    step_key: STEP,
    job_id: job(ctx).jobId,
    agent_id: job(ctx).agentId,
    ...(optional.has("organization_id") ? { organization_id: ORG_ID } : {}),
    ...(optional.has("pipeline_id") ? { pipeline_id: PIPELINE_ID } : {}),
  }, request);
}

/**
 * Answers a request under `/buildkite/v3`: 404 for another path or job, 405 for
 * a method other than POST, 401 for a wrong or missing agent token, 400/422 for
 * a malformed body, else 201 with a fresh token. An empty `audience` or a
 * `lifetime` of 0 asks for Buildkite's default.
 */
async function answer(request: RouteRequest & { body: string }, ctx: PlatformContext): Promise<Outcome> {
  const match = TOKEN_PATH.exec(request.path);
  if (!match) return { reply: jsonReply(404, { message: "Not Found" }), error: "not_found" };
  if (request.method !== "POST") {
    return { reply: jsonReply(405, { message: "Method Not Allowed" }), error: "method_not_allowed" };
  }
  if (!agentTokenMatches(request.headers.authorization, job(ctx).agentToken)) {
    return {
      reply: jsonReply(401, { message: "Unauthorized: missing or wrong agent access token" }),
      error: "unauthorized",
    };
  }
  if (safeDecode(match[1]) !== job(ctx).jobId) {
    return { reply: jsonReply(404, { message: "No job found with that ID" }), error: "not_found" };
  }
  const body = parseBuildkiteBody(request.body);
  if ("problem" in body) {
    return { reply: jsonReply(body.status, { message: body.problem }), error: "bad_request" };
  }
  const claims = buildkiteClaims(ctx, {
    audience: body.audience || undefined,
    lifetimeSeconds: body.lifetime || undefined,
    optionalClaims: body.claims,
  });
  return { reply: jsonReply(201, { token: await signJwt(ctx.key, claims) }) };
}

const agentApiRoute: Route = {
  target: "buildkite",
  faults: { hugeBody: { head: `{"token":"`, tail: `"}`, contentType: "application/json; charset=utf-8" } },
  matches: (path) => path.startsWith("/buildkite/"),
  log(request, ctx) {
    const parsed = parseBuildkiteBody(request.body ?? "");
    return {
      ...withoutEmpty({
        audience: "audience" in parsed ? parsed.audience : null,
        contentType: request.headers["content-type"],
      }),
      bearerOk: agentTokenMatches(request.headers.authorization, job(ctx).agentToken),
    };
  },
  handle: answer,
};

/** Buildkite, in a job whose agent can request OIDC tokens. */
export const buildkite: PlatformEmulator = {
  id: "Buildkite",
  cliName: "buildkite",
  audience: AUDIENCE,
  subject: SUBJECT,
  lifetimeSeconds: LIFETIME,
  demoSubject: `organization:${ORG}:pipeline:${PIPELINE}:*`,
  claims: buildkiteClaims,
  env: (ctx) =>
    Promise.resolve({
      BUILDKITE: "true",
      BUILDKITE_AGENT_ACCESS_TOKEN: job(ctx).agentToken,
      BUILDKITE_JOB_ID: job(ctx).jobId,
      BUILDKITE_AGENT_ENDPOINT: `${ctx.url}${BUILDKITE_API_PREFIX}`,
      BUILDKITE_BUILD_NUMBER: String(job(ctx).buildNumber),
      BUILDKITE_ORGANIZATION_SLUG: ORG,
      BUILDKITE_PIPELINE_SLUG: PIPELINE,
    }),
  routes: [agentApiRoute],
  fields: (ctx) => ({
    buildkiteAgentToken: job(ctx).agentToken,
    buildkiteJobId: job(ctx).jobId,
    buildkiteEndpoint: `${ctx.url}${BUILDKITE_API_PREFIX}`,
  }),
};
