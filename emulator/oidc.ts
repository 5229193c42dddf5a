/**
 * The OIDC side: a GitHub Actions-style token endpoint plus the discovery
 * documents STS would read.
 *
 * GitHub's protocol: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=X` with
 * `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` answers
 * `{"count":…,"value":"<jwt>"}`; claims as in
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#understanding-the-oidc-token
 *
 * @module
 */

import { type Claims, type SigningKey, signJwt } from "./jwt.ts";
import { jsonReply, randomHex, type Reply } from "./_util.ts";

/** The subject a token carries unless the options say otherwise. */
export const DEFAULT_SUBJECT = "repo:octo-org/octo-repo:ref:refs/heads/main";
/** The repository the default claims and env describe. */
export const DEFAULT_REPOSITORY = "octo-org/octo-repo";
/** GitHub's tokens live five minutes. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;
/** How far `nbf` lies before `iat` (GitHub backdates it a little against clock skew). */
export const NBF_BACKDATE_SECONDS = 60;

/** What the token endpoint needs to mint a token. */
export interface TokenIssuer {
  key: SigningKey;
  issuer: string;
  /** The token server's clock, in ms. */
  now: () => number;
  lifetimeSeconds: number;
  subject: string;
  runId: string;
  /** Overrides merged over the defaults; an `undefined` value removes a claim. */
  claims: Claims;
}

/** GitHub's default audience: the URL of the repository owner. */
export function defaultAudience(issuer: TokenIssuer): string {
  return `https://github.com/${repositoryOf(issuer).split("/")[0]}`;
}

/** The `owner/name` the claims describe. */
export function repositoryOf(issuer: TokenIssuer): string {
  const repository = issuer.claims.repository;
  return typeof repository === "string" ? repository : DEFAULT_REPOSITORY;
}

/** The claims of a fresh token, shaped like GitHub's, with the overrides applied last. */
export function buildClaims(issuer: TokenIssuer, audience: string, overrides: Claims = {}): Claims {
  const iat = Math.floor(issuer.now() / 1000);
  const repository = repositoryOf(issuer);
  const [owner] = repository.split("/");
  const claims: Claims = {
    jti: crypto.randomUUID(),
    sub: issuer.subject,
    aud: audience,
    ref: "refs/heads/main",
    sha: randomHex(20),
    repository,
    repository_owner: owner,
    repository_owner_id: "1000001",
    repository_id: "2000002",
    repository_visibility: "private",
    run_id: issuer.runId,
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
    iss: issuer.issuer,
    nbf: iat - NBF_BACKDATE_SECONDS,
    exp: iat + issuer.lifetimeSeconds,
    iat,
  };
  for (const [name, value] of Object.entries({ ...issuer.claims, ...overrides })) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/** True when `authorization` is `Bearer <bearer>`, the token compared exactly. */
export function bearerMatches(authorization: string | undefined, bearer: string): boolean {
  const match = /^Bearer (.+)$/i.exec(authorization ?? "");
  return match !== null && match[1] === bearer;
}

/** Answers `GET /token`: refuses a wrong bearer, else mints a fresh token. */
export async function handleTokenRequest(
  issuer: TokenIssuer,
  request: { method: string; query: URLSearchParams; bearerOk: boolean },
): Promise<Reply> {
  if (request.method !== "GET") return jsonReply(405, { message: "Method not allowed" });
  if (!request.bearerOk) return jsonReply(401, { message: "Bad credentials: missing or wrong bearer token" });
  const audience = request.query.get("audience") || defaultAudience(issuer);
  const value = await signJwt(issuer.key, buildClaims(issuer, audience));
  return jsonReply(200, { count: 1, value });
}

/** `/.well-known/openid-configuration`, the subset STS reads. */
export function discoveryReply(issuer: string, baseUrl: string): Reply {
  return jsonReply(200, {
    issuer,
    jwks_uri: `${baseUrl}/.well-known/jwks`,
    subject_types_supported: ["public", "pairwise"],
    response_types_supported: ["id_token"],
    claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "run_id"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid"],
  });
}

/** `/.well-known/jwks`: the public key. */
export function jwksReply(key: SigningKey): Reply {
  return jsonReply(200, { keys: [key.jwk] });
}
