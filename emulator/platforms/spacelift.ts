/**
 * Spacelift: a run gets its token in `SPACELIFT_OIDC_TOKEN`, for the account's
 * host as audience.
 *
 * https://docs.spacelift.io/integrations/cloud-providers/oidc
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import { randomString, UPPER_ALNUM } from "../_util.ts";
import { type PlatformContext, type PlatformEmulator, stamp, type TokenRequest, withOverrides } from "./_platform.ts";

const HOST = "acme.app.spacelift.io";
const SPACE = "root";
const STACK = "octo-stack";
const SUBJECT = `space:${SPACE}:stack:${STACK}:run_type:TRACKED:scope:write`;
const LIFETIME = 3600;

function spaceliftClaims(ctx: PlatformContext, request: TokenRequest): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  return withOverrides(ctx, "Spacelift", {
    aud: request.audience ?? HOST,
    exp,
    iat,
    iss,
    nbf: iat,
    sub: SUBJECT,
    spaceId: SPACE,
    callerType: "stack",
    callerId: STACK,
    runType: "TRACKED",
    runId: ctx.state("Spacelift", () => randomString(UPPER_ALNUM, 26)),
    scope: "write",
  }, request);
}

/** Spacelift, in a tracked run of a stack. */
export const spacelift: PlatformEmulator = {
  id: "Spacelift",
  cliName: "spacelift",
  audience: HOST,
  subject: SUBJECT,
  lifetimeSeconds: LIFETIME,
  demoSubject: `space:${SPACE}:stack:${STACK}:*`,
  claims: spaceliftClaims,
  async env(ctx, options) {
    const claims = spaceliftClaims(ctx, { audience: options.audience, claims: options.claims });
    return { SPACELIFT_OIDC_TOKEN: await signJwt(ctx.key, claims) };
  },
};
