/**
 * Buildkite's agent API for OIDC tokens, the request `buildkite-agent oidc
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

import { signJwt } from "./jwt.ts";
import { platformClaims, type PlatformIssuer } from "./platforms.ts";
import { jsonReply, type Outcome, safeDecode } from "./_util.ts";

/** Where the emulator serves Buildkite's agent API: `BUILDKITE_AGENT_ENDPOINT` is `<url>/buildkite/v3`. */
export const BUILDKITE_API_PREFIX = "/buildkite/v3";

const TOKEN_PATH = /^\/buildkite\/v3\/jobs\/([^/]+)\/oidc\/tokens$/;

/** The body of a token request, checked. */
export interface BuildkiteTokenBody {
  audience?: string;
  lifetime?: number;
  claims?: string[];
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

/**
 * Answers a request under `/buildkite/v3`: 404 for another path or job, 405 for
 * a method other than POST, 401 for a wrong or missing agent token, 400/422 for
 * a malformed body, else 201 with a fresh token. An empty `audience` or a
 * `lifetime` of 0 asks for Buildkite's default.
 */
export async function handleBuildkiteRequest(
  ctx: PlatformIssuer,
  request: { method: string; path: string; body: string; tokenOk: boolean },
): Promise<Outcome> {
  const match = TOKEN_PATH.exec(request.path);
  if (!match) return { reply: jsonReply(404, { message: "Not Found" }), error: "not_found" };
  if (request.method !== "POST") {
    return { reply: jsonReply(405, { message: "Method Not Allowed" }), error: "method_not_allowed" };
  }
  if (!request.tokenOk) {
    return {
      reply: jsonReply(401, { message: "Unauthorized: missing or wrong agent access token" }),
      error: "unauthorized",
    };
  }
  if (safeDecode(match[1]) !== ctx.ids.buildkiteJobId) {
    return { reply: jsonReply(404, { message: "No job found with that ID" }), error: "not_found" };
  }
  const body = parseBuildkiteBody(request.body);
  if ("problem" in body) {
    return { reply: jsonReply(body.status, { message: body.problem }), error: "bad_request" };
  }
  const claims = platformClaims(ctx, "buildkite", {
    audience: body.audience || undefined,
    lifetimeSeconds: body.lifetime || undefined,
    optionalClaims: body.claims,
  });
  return { reply: jsonReply(201, { token: await signJwt(ctx.github.key, claims) }) };
}
