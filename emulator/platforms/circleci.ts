/**
 * CircleCI: the job gets its tokens in `CIRCLE_OIDC_TOKEN` and
 * `CIRCLE_OIDC_TOKEN_V2` (the v2 token adds the VCS claims); the audience is
 * the organization id.
 *
 * https://circleci.com/docs/openid-connect-tokens/
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

const ORG_ID = "4b8f6c1e-2d3a-4e5f-9a0b-1c2d3e4f5a6b";
const PROJECT_ID = "7c9d0e1f-3a4b-4c5d-8e6f-a7b8c9d0e1f2";
const USER_ID = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
const CONTEXT_ID = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const SUBJECT = `org/${ORG_ID}/project/${PROJECT_ID}/user/${USER_ID}`;
const LIFETIME = 3600;

/** CircleCI's claims; `v2: false` leaves out the VCS claims, as `CIRCLE_OIDC_TOKEN` does. */
function circleciClaims(ctx: PlatformContext, request: TokenRequest & { v2?: boolean }): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  return withOverrides(ctx, "CircleCI", {
    iss,
    sub: SUBJECT,
    aud: request.audience ?? ORG_ID,
    iat,
    exp,
    "oidc.circleci.com/project-id": PROJECT_ID,
    "oidc.circleci.com/context-ids": [CONTEXT_ID],
    ...(request.v2 === false ? {} : {
      "oidc.circleci.com/vcs-origin": "github.com/octo-org/octo-repo",
      "oidc.circleci.com/vcs-ref": "refs/heads/main",
      "oidc.circleci.com/ssh-rerun": false,
    }),
  }, request);
}

/** CircleCI, in a job with a context. */
export const circleci: PlatformEmulator = {
  id: "CircleCI",
  cliName: "circleci",
  audience: ORG_ID,
  subject: SUBJECT,
  lifetimeSeconds: LIFETIME,
  demoSubject: SUBJECT,
  claims: circleciClaims,
  async env(ctx, options) {
    const request = { audience: options.audience, claims: options.claims };
    return {
      CIRCLECI: "true",
      CIRCLE_BUILD_NUM: ctx.state("CircleCI", () => randomNumber(5)),
      CIRCLE_OIDC_TOKEN: await signJwt(ctx.key, circleciClaims(ctx, { ...request, v2: false })),
      CIRCLE_OIDC_TOKEN_V2: await signJwt(ctx.key, circleciClaims(ctx, request)),
    };
  },
};
