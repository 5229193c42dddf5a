/**
 * GitHub Actions: the job's token server and GitHub-shaped tokens.
 *
 * GitHub's protocol: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=X` with
 * `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` answers
 * `{"count":…,"value":"<jwt>"}`; claims as in
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#understanding-the-oidc-token
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import { bearerMatches } from "../oidc.ts";
import type { Route } from "../routes.ts";
import { jsonReply, randomHex, randomString, UPPER_ALNUM, withoutEmpty } from "../_util.ts";
import { awsEnv, type PlatformContext, type PlatformEmulator, type TokenRequest, withOverrides } from "./_platform.ts";

/** The subject a token carries unless the options say otherwise. */
export const DEFAULT_SUBJECT = "repo:octo-org/octo-repo:ref:refs/heads/main";
/** The repository the default claims and env describe. */
export const DEFAULT_REPOSITORY = "octo-org/octo-repo";
/** GitHub's tokens live five minutes. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;
/** How far `nbf` lies before `iat` (GitHub backdates it a little against clock skew). */
export const NBF_BACKDATE_SECONDS = 60;

/** Where the token endpoint lives; ACTIONS_ID_TOKEN_REQUEST_URL is `<url>/token?api-version=2.0`. */
const TOKEN_PATH = "/token";

/** The job's secrets and numbers, fixed for the emulator's life. */
function job(ctx: PlatformContext): { bearer: string; runId: string } {
  return ctx.state("GitHub", () => ({
    bearer: ctx.options.bearer ?? randomString(UPPER_ALNUM, 32).toLowerCase(),
    runId: String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)),
  }));
}

/** The `owner/name` the claims describe. */
function repositoryOf(ctx: PlatformContext): string {
  const repository = ctx.overrides.GitHub?.repository;
  return typeof repository === "string" ? repository : DEFAULT_REPOSITORY;
}

/** GitHub-shaped claims, overrides applied; `lifetimeSeconds` default the emulator's `tokenLifetimeSeconds`. */
function githubClaims(ctx: PlatformContext, request: TokenRequest): Claims {
  const lifetime = request.lifetimeSeconds
    ? request.lifetimeSeconds
    : ctx.options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const iat = Math.floor(ctx.now() / 1000);
  const repository = repositoryOf(ctx);
  const [owner] = repository.split("/");
  const claims: Claims = {
    jti: crypto.randomUUID(),
    sub: ctx.options.subject ?? DEFAULT_SUBJECT,
    aud: request.audience ?? github.audience,
    ref: "refs/heads/main",
    sha: randomHex(20),
    repository,
    repository_owner: owner,
    repository_owner_id: "1000001",
    repository_id: "2000002",
    repository_visibility: "private",
    run_id: job(ctx).runId,
    run_number: "7",
    run_attempt: "1",
    actor: "octocat",
    actor_id: "583231",
    workflow: "CI",
    workflow_ref: `${repository}/.github/workflows/ci.yml@refs/heads/main`,
    job_workflow_ref: `${repository}/.github/workflows/ci.yml@refs/heads/main`,
    event_name: "push",
    ref_type: "branch",
    ref_protected: "false",
    runner_environment: "github-hosted",
    iss: ctx.url,
    nbf: iat - NBF_BACKDATE_SECONDS,
    exp: iat + lifetime,
    iat,
  };
  return withOverrides(ctx, "GitHub", claims, request);
}

/** The job's env without the AWS variables. */
function githubEnv(ctx: PlatformContext): Record<string, string> {
  return {
    GITHUB_ACTIONS: "true",
    ACTIONS_ID_TOKEN_REQUEST_URL: `${ctx.url}${TOKEN_PATH}?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: job(ctx).bearer,
    GITHUB_RUN_ID: job(ctx).runId,
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_REPOSITORY: repositoryOf(ctx),
  };
}

/** `GET /token`: refuses a wrong bearer, else mints a fresh token for `audience` (default `https://github.com/<owner>`). */
const tokenRoute: Route = {
  target: "token",
  faults: { hugeBody: { head: `{"count":1,"value":"`, tail: `"}`, contentType: "application/json; charset=utf-8" } },
  matches: (path) => path === TOKEN_PATH,
  log: (request, ctx) => ({
    ...withoutEmpty({ audience: request.query.get("audience") }),
    bearerOk: bearerMatches(request.headers.authorization, job(ctx).bearer),
  }),
  async handle(request, ctx) {
    if (request.method !== "GET") return { reply: jsonReply(405, { message: "Method not allowed" }) };
    if (!bearerMatches(request.headers.authorization, job(ctx).bearer)) {
      return {
        reply: jsonReply(401, { message: "Bad credentials: missing or wrong bearer token" }),
        error: "unauthorized",
      };
    }
    const audience = request.query.get("audience") || `https://github.com/${repositoryOf(ctx).split("/")[0]}`;
    const value = await signJwt(ctx.key, githubClaims(ctx, { audience }));
    return { reply: jsonReply(200, { count: 1, value }) };
  },
};

/** GitHub Actions, with `id-token: write`. */
export const github: PlatformEmulator = {
  id: "GitHub",
  cliName: "github",
  audience: "sts.amazonaws.com",
  subject: DEFAULT_SUBJECT,
  demoSubject: "repo:octo-org/octo-repo:*",
  claims: githubClaims,
  env: (ctx) => Promise.resolve(githubEnv(ctx)),
  routes: [tokenRoute],
  fields: (ctx) => ({
    tokenUrl: `${ctx.url}${TOKEN_PATH}?api-version=2.0`,
    bearer: job(ctx).bearer,
    env: { ...githubEnv(ctx), ...awsEnv(ctx) },
  }),
};
