/**
 * Bitbucket Pipelines: a step with `oidc: true` gets the token in `BITBUCKET_STEP_OIDC_TOKEN`; its
 * audience is set in bitbucket-pipelines.yml.
 * See https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/
 *
 * @module
 */
import type { EnvTokenSpec } from "../token_spec.ts";
import { envToken, platformEnvSource } from "./env.ts";
import type { TokenSource } from "./registry.ts";

const fix = (): string =>
  "Bitbucket sets it only in steps with OIDC: add oidc: true to the step in bitbucket-pipelines.yml";

/** The Bitbucket source. */
export const bitbucket: TokenSource<EnvTokenSpec> = {
  ...platformEnvSource(fix),
  detect(env) {
    const spec: EnvTokenSpec = { type: "env", name: "BITBUCKET_STEP_OIDC_TOKEN", platform: "Bitbucket" };
    envToken(spec, env, fix);
    return spec;
  },
};
