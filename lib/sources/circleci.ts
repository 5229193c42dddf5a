/**
 * CircleCI: jobs with a context get the token in `CIRCLE_OIDC_TOKEN_V2` (or `CIRCLE_OIDC_TOKEN`); a
 * custom audience needs `circleci run oidc get --claims '{"aud": …}'`.
 * See https://circleci.com/docs/openid-connect-tokens/
 *
 * @module
 */
import type { EnvTokenSpec, ProcessTokenSpec } from "../token_spec.ts";
import { envToken, platformEnvSource } from "./env.ts";
import { processSource } from "./process.ts";
import { circleciCommand, DEFAULT_AUDIENCE, type TokenSource } from "./registry.ts";

const fix = (): string => "CircleCI sets it only in jobs that use a context: add a context to the job in the workflow";
const fromEnv = platformEnvSource(fix);

/** The CircleCI source: the env var, or the `circleci` command for a custom audience. */
export const circleci: TokenSource<EnvTokenSpec | ProcessTokenSpec> = {
  detect(env, audience) {
    if (audience !== undefined && audience !== DEFAULT_AUDIENCE) {
      return { type: "process", command: circleciCommand(audience), platform: "CircleCI" };
    }
    const spec: EnvTokenSpec = {
      type: "env",
      name: "CIRCLE_OIDC_TOKEN_V2",
      alternatives: ["CIRCLE_OIDC_TOKEN"],
      platform: "CircleCI",
    };
    envToken(spec, env, fix);
    return spec;
  },
  obtain: (spec, host, context) =>
    spec.type === "env" ? fromEnv.obtain(spec, host, context) : processSource.obtain(spec, host, context),
  binding: (spec, env, readFile) =>
    spec.type === "env" ? fromEnv.binding(spec, env, readFile) : processSource.binding(spec, env, readFile),
  describe: (spec) => (spec.type === "env" ? fromEnv.describe(spec) : processSource.describe(spec)),
  fix,
};
