/**
 * The issuer side every token shares: the discovery documents STS would read,
 * and the bearer check of the token endpoints that take one.
 *
 * https://openid.net/specs/openid-connect-discovery-1_0.html
 *
 * @module
 */

import type { SigningKey } from "./jwt.ts";
import { jsonReply, type Reply } from "./_util.ts";

/** True when `authorization` is `Bearer <bearer>`, the token compared exactly. */
export function bearerMatches(authorization: string | undefined, bearer: string): boolean {
  const match = /^Bearer (.+)$/i.exec(authorization ?? "");
  return match !== null && match[1] === bearer;
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
