/**
 * GitHub Actions' token server, and every server that speaks its protocol: GHES, Forgejo/Gitea, or
 * any `URL_ENV,TOKEN_ENV[,AUDIENCE]` pair. `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with the
 * request bearer answers `{"value": "<token>"}`.
 * See https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
 *
 * @module
 */
import { TokenError } from "../errors.ts";
import type { Env } from "../host.ts";
import { envProbe, envValue } from "../_path.ts";
import type { ServerTokenSpec } from "../token_spec.ts";
import { jsonField, requestToken, secureUrl, setQuery, type TokenRequest } from "./_request.ts";
import { GITHUB_REQUEST, type TokenSource } from "./registry.ts";

/** The GitHub-protocol source. */
export const github: TokenSource<ServerTokenSpec> = {
  detect(env, audience) {
    const name = forgejo(env) ? "Forgejo" : "GitHub";
    const spec: ServerTokenSpec = { type: "server", name, ...GITHUB_REQUEST, audience };
    const missing = [spec.urlEnv, spec.tokenEnv].filter((variable) => !envValue(env, variable));
    if (missing.length) throw unavailable(spec, env, missing);
    return spec;
  },
  obtain: (spec, host, context) => requestToken(request(spec, host.env), host, context),
  binding: (spec, env) => ({ url: envValue(env, spec.urlEnv) ?? "", bearer: envValue(env, spec.tokenEnv) ?? "" }),
  describe: (spec) =>
    `${spec.name ?? `token server ${spec.urlEnv},${spec.tokenEnv}`} (audience ${
      spec.audience ?? "the server's default"
    })`,
};

function request(spec: ServerTokenSpec, env: Env): TokenRequest {
  const rawUrl = envValue(env, spec.urlEnv);
  const bearer = envValue(env, spec.tokenEnv);
  if (!rawUrl || !bearer) {
    throw unavailable(spec, env, [rawUrl ? "" : spec.urlEnv, bearer ? "" : spec.tokenEnv].filter(Boolean));
  }
  const url = secureUrl(rawUrl, spec.urlEnv, "the token request bearer");
  if (spec.audience !== undefined) setQuery(url, "audience", spec.audience);
  return {
    url,
    method: "GET",
    headers: { authorization: `Bearer ${bearer}`, accept: "application/json" },
    peer: "the token server",
    secrets: [bearer],
    secretName: "the bearer token",
    urlSource: spec.urlEnv,
    extract: jsonField("value"),
    expected: 'JSON {"value": "<token>"}',
    advice: (status) =>
      status === 401 || status === 403
        ? `the request bearer in ${spec.tokenEnv} was refused; it is valid only for the job that received it`
        : status === 404
        ? `check the URL in ${spec.urlEnv}`
        : status === 400
        ? `check the audience ${JSON.stringify(spec.audience ?? "(none)")}`
        : "the token server failed; try again later",
  };
}

/**
 * Whether this is a Forgejo (or Gitea) Actions job: a refinement of GitHub Actions' detection, so a
 * variable Deno may not read (docs/cli.md's `--allow-env=GITHUB_*,…` list) says it is not.
 */
function forgejo(env: Env): boolean {
  return envProbe(env, "FORGEJO_ACTIONS") === "true" || envProbe(env, "GITEA_ACTIONS") === "true";
}

/** The request variables are missing: the fix for the platform this job is on. */
function unavailable(spec: ServerTokenSpec, env: Env, names: string[]): TokenError {
  const list = names.join(" and ");
  const verb = names.length > 1 ? "are" : "is";
  const error = (message: string) => new TokenError("ERR_TOKEN_UNAVAILABLE", message);
  const github = envProbe(env, "GITHUB_ACTIONS") === "true";
  // The manual form gets the platform's fix only when what is missing is the platform's own variables.
  const platformVariables = names.every((name) => name === GITHUB_REQUEST.urlEnv || name === GITHUB_REQUEST.tokenEnv);
  if (spec.name !== undefined || (platformVariables && github)) {
    if (spec.name === "Forgejo" || forgejo(env)) {
      return error(
        `Forgejo Actions did not give this job an OIDC token: ${list} ${verb} not set. Add to the job:\n` +
          "  enable-openid-connect: true",
      );
    }
    if (github) {
      return error(
        `GitHub Actions did not give this job an OIDC token: ${list} ${verb} not set. GitHub sets them only for jobs ` +
          "allowed to request a token; add this to the job (or the workflow):\n  permissions:\n    id-token: write\n    contents: read",
      );
    }
    return error(
      `Cannot request a GitHub Actions OIDC token: ${list} ${verb} not set, and this does not look like a GitHub Actions job ` +
        "(GITHUB_ACTIONS is not true). Run it in a job with permissions: id-token: write, or use another token source",
    );
  }
  return error(
    `Cannot request an OIDC token: the environment variable${names.length > 1 ? "s" : ""} ${list} named by the token ` +
      `server setting ${verb} not set or empty`,
  );
}
