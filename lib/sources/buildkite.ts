/**
 * Buildkite: `POST $BUILDKITE_AGENT_ENDPOINT/jobs/$BUILDKITE_JOB_ID/oidc/tokens` with the agent's
 * access token, answering `{"token": "<token>"}` (what `buildkite-agent oidc request-token` does).
 * See https://buildkite.com/docs/agent/v3/cli-oidc
 *
 * @module
 */
import { TokenError } from "../errors.ts";
import type { Env } from "../host.ts";
import { envValue } from "../_path.ts";
import type { BuildkiteTokenSpec } from "../token_spec.ts";
import { jsonField, requestToken, secureUrl, type TokenRequest } from "./_request.ts";
import type { TokenSource } from "./registry.ts";

/** The Buildkite agent API source. */
export const buildkite: TokenSource<BuildkiteTokenSpec> = {
  detect(env, audience) {
    if (!envValue(env, "BUILDKITE_AGENT_ACCESS_TOKEN") || !envValue(env, "BUILDKITE_JOB_ID")) {
      throw new TokenError(
        "ERR_TOKEN_UNAVAILABLE",
        "This is a Buildkite job (BUILDKITE=true) but BUILDKITE_AGENT_ACCESS_TOKEN or BUILDKITE_JOB_ID is not set: run oidc2aws " +
          "in a command step, where the agent sets both",
      );
    }
    return { type: "buildkite", audience };
  },
  obtain: (spec, host, context) => requestToken(request(spec, host.env), host, context),
  binding: (_spec, env) => ({
    endpoint: envValue(env, "BUILDKITE_AGENT_ENDPOINT") ?? "",
    job: envValue(env, "BUILDKITE_JOB_ID"),
    agent: envValue(env, "BUILDKITE_AGENT_ACCESS_TOKEN"),
  }),
  describe: (spec) => `Buildkite agent API (audience ${spec.audience ?? "Buildkite's default"})`,
};

function request(spec: BuildkiteTokenSpec, env: Env): TokenRequest {
  const agentToken = envValue(env, "BUILDKITE_AGENT_ACCESS_TOKEN");
  const job = envValue(env, "BUILDKITE_JOB_ID");
  if (!agentToken || !job) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      "Cannot request a Buildkite OIDC token: BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID must be set, as they are in " +
        "a Buildkite command step",
    );
  }
  const base = (envValue(env, "BUILDKITE_AGENT_ENDPOINT") || "https://agent.buildkite.com/v3").replace(/\/+$/, "");
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
