/**
 * Bitbucket Pipelines: a step with `oidc: true` gets its token in
 * `BITBUCKET_STEP_OIDC_TOKEN`.
 *
 * https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import {
  type PlatformContext,
  type PlatformEmulator,
  randomNumber,
  stamp,
  type TokenRequest,
  withOverrides,
} from "./_platform.ts";

const WORKSPACE_UUID = "3f2e1d0c-b9a8-4f7e-8d6c-5b4a3f2e1d0c";
const REPO_UUID = "{9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d}";
const STEP_UUID = "{b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e}";
const AUDIENCE = `ari:cloud:bitbucket::workspace/${WORKSPACE_UUID}`;
const SUBJECT = `${REPO_UUID}:${STEP_UUID}`;
const LIFETIME = 3600;

function build(ctx: PlatformContext): { buildNumber: string; pipelineUuid: string } {
  return ctx.state("Bitbucket", () => ({ buildNumber: randomNumber(3), pipelineUuid: `{${crypto.randomUUID()}}` }));
}

function bitbucketClaims(ctx: PlatformContext, request: TokenRequest): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  return withOverrides(ctx, "Bitbucket", {
    sub: SUBJECT,
    aud: request.audience ?? AUDIENCE,
    stepUuid: STEP_UUID,
    iss,
    repositoryUuid: REPO_UUID,
    branchName: "main",
    exp,
    iat,
    pipelineUuid: build(ctx).pipelineUuid,
    workspaceUuid: `{${WORKSPACE_UUID}}`,
  }, request);
}

/** Bitbucket Pipelines, in a step with `oidc: true`. */
export const bitbucket: PlatformEmulator = {
  id: "Bitbucket",
  cliName: "bitbucket",
  audience: AUDIENCE,
  subject: SUBJECT,
  lifetimeSeconds: LIFETIME,
  demoSubject: `${REPO_UUID}:*`,
  claims: bitbucketClaims,
  async env(ctx, options) {
    return {
      BITBUCKET_BUILD_NUMBER: build(ctx).buildNumber,
      BITBUCKET_REPO_UUID: REPO_UUID,
      BITBUCKET_STEP_UUID: STEP_UUID,
      BITBUCKET_STEP_OIDC_TOKEN: await signJwt(
        ctx.key,
        bitbucketClaims(ctx, { audience: options.audience, claims: options.claims }),
      ),
    };
  },
};
