/**
 * GitLab: the job's `id_tokens:` entry puts the token in a variable, `<AUDIENCE>_ID_TOKEN` by our
 * convention (`STS_AMAZONAWS_COM_ID_TOKEN` for the default audience).
 * See https://docs.gitlab.com/ci/secrets/id_token_authentication/
 *
 * @module
 */
import type { EnvTokenSpec } from "../token_spec.ts";
import { envToken, platformEnvSource } from "./env.ts";
import { DEFAULT_AUDIENCE, gitlabVariable, type TokenSource } from "./registry.ts";

function fix(name: string): string {
  const audience = name === gitlabVariable(DEFAULT_AUDIENCE) ? DEFAULT_AUDIENCE : "<the audience>";
  return `GitLab puts a token there only when the job asks for one; add to the job:\n  id_tokens:\n    ${name}:\n      aud: ${audience}`;
}

/** The GitLab source. */
export const gitlab: TokenSource<EnvTokenSpec> = {
  ...platformEnvSource(fix),
  detect(env, audience) {
    const spec: EnvTokenSpec = { type: "env", name: gitlabVariable(audience ?? DEFAULT_AUDIENCE), platform: "GitLab" };
    envToken(spec, env, fix);
    return spec;
  },
};
