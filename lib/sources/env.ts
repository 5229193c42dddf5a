/**
 * Tokens the CI put in an environment variable: `web_identity_token_env = NAME`, and the shared
 * reader of the platforms that hand tokens over that way (GitLab, CircleCI, Bitbucket, HCP
 * Terraform, Spacelift), each with its own fix when the variable is missing.
 *
 * @module
 */
import { TokenError } from "../errors.ts";
import type { Env } from "../host.ts";
import { envProbe, envValue } from "../_path.ts";
import type { EnvTokenSpec } from "../token_spec.ts";
import { SOURCES, type TokenSource } from "./registry.ts";

/** The token in the first of the spec's variables that is set; else the fix (`fix`) or a plain error. */
export function envToken(spec: EnvTokenSpec, env: Env, fix?: (name: string) => string): string {
  const names = [spec.name, ...(spec.alternatives ?? [])];
  for (const name of names) {
    const value = envValue(env, name)?.trim();
    if (value) return value;
  }
  const platform = spec.platform;
  throw new TokenError(
    "ERR_TOKEN_UNAVAILABLE",
    fix && platform
      ? `${platform} did not give this job an OIDC token: ${names.join(" or ")} is not set. ${fix(spec.name)}`
      : `The OIDC token is not available: the environment variable ${
        names.join(" or ")
      } (web_identity_token_env) is not set or empty`,
  );
}

/** `web_identity_token_env = NAME`. */
export const envSource: TokenSource<EnvTokenSpec> = {
  async obtain(spec, host) {
    // Any variable name in a GitLab job (web_identity_token_env = NAME) is an id_tokens entry: say so.
    if (!spec.platform && envProbe(host.env, "GITLAB_CI") === "true") {
      const gitlab = await SOURCES.find((entry) => entry.id === "GitLab")!.load();
      return envToken({ ...spec, platform: "GitLab" }, host.env, gitlab.fix);
    }
    return envToken(spec, host.env);
  },
  binding: (spec, env) => ({
    token: [spec.name, ...(spec.alternatives ?? [])].map((name) => envValue(env, name) ?? ""),
  }),
  describe: (spec) =>
    `${spec.platform ? `${spec.platform}: ` : ""}env ${[spec.name, ...(spec.alternatives ?? [])].join(" or ")}`,
};

/** A platform's env-var source: `envSource` with the platform's fix. */
export function platformEnvSource(fix: (name: string) => string): TokenSource<EnvTokenSpec> {
  return { ...envSource, fix, obtain: (spec, host) => Promise.resolve(envToken(spec, host.env, fix)) };
}
