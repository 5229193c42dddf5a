/**
 * GitLab CI/CD: the job gets its token in a variable named by its `id_tokens`
 * entry, here `<AUD>_ID_TOKEN` after the audience.
 *
 * https://docs.gitlab.com/ci/secrets/id_token_authentication/#token-payload
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import { randomHex } from "../_util.ts";
import {
  type PlatformContext,
  type PlatformEmulator,
  randomNumber,
  stamp,
  type TokenRequest,
  withOverrides,
} from "./_platform.ts";

const NAMESPACE = "octo-group";
const PROJECT = "octo-group/octo-project";
const AUDIENCE = "sts.amazonaws.com";
const SUBJECT = `project_path:${PROJECT}:ref_type:branch:ref:main`;
const LIFETIME = 3600;

/**
 * GitLab's `id_tokens` naming convention used by the emulator's GitLab env:
 * `<AUD>_ID_TOKEN`, the audience uppercased with every character that is not a
 * letter or digit replaced by `_`.
 *
 * @example
 * ```ts
 * import { gitlabIdTokenVariable } from "./gitlab.ts";
 * console.log(gitlabIdTokenVariable("sts.amazonaws.com")); // STS_AMAZONAWS_COM_ID_TOKEN
 * ```
 */
export function gitlabIdTokenVariable(audience: string): string {
  return `${audience.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_ID_TOKEN`;
}

function job(ctx: PlatformContext): { jobId: string; pipelineId: string } {
  return ctx.state("GitLab", () => ({ jobId: randomNumber(10), pipelineId: randomNumber(10) }));
}

function gitlabClaims(ctx: PlatformContext, request: TokenRequest): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  const sha = randomHex(20);
  return withOverrides(ctx, "GitLab", {
    namespace_id: "72",
    namespace_path: NAMESPACE,
    project_id: "20",
    project_path: PROJECT,
    user_id: "1",
    user_login: "octocat",
    user_email: "octocat@example.com",
    user_access_level: "maintainer",
    pipeline_id: job(ctx).pipelineId,
    pipeline_source: "push",
    job_id: job(ctx).jobId,
    ref: "main",
    ref_type: "branch",
    ref_path: "refs/heads/main",
    ref_protected: "true",
    runner_id: 12270837,
    runner_environment: "gitlab-hosted",
    sha,
    project_visibility: "private",
    ci_config_ref_uri: `gitlab.com/${PROJECT}//.gitlab-ci.yml@refs/heads/main`,
    ci_config_sha: sha,
    jti: crypto.randomUUID(),
    iss,
    iat,
    nbf: iat - 5,
    exp,
    sub: SUBJECT,
    aud: request.audience ?? AUDIENCE,
  }, request);
}

/** GitLab CI/CD, with an `id_tokens` entry for the audience. */
export const gitlab: PlatformEmulator = {
  id: "GitLab",
  cliName: "gitlab",
  audience: AUDIENCE,
  subject: SUBJECT,
  lifetimeSeconds: LIFETIME,
  demoSubject: `project_path:${PROJECT}:*`,
  claims: gitlabClaims,
  async env(ctx, options) {
    return {
      GITLAB_CI: "true",
      CI_JOB_ID: job(ctx).jobId,
      CI_PIPELINE_ID: job(ctx).pipelineId,
      CI_PROJECT_PATH: PROJECT,
      [gitlabIdTokenVariable(options.audience ?? AUDIENCE)]: await signJwt(
        ctx.key,
        gitlabClaims(ctx, { audience: options.audience, claims: options.claims }),
      ),
    };
  },
};
