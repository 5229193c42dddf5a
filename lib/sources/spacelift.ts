/**
 * Spacelift: every run gets the token in `SPACELIFT_OIDC_TOKEN`; its audience is fixed.
 * See https://docs.spacelift.io/integrations/cloud-providers/oidc/
 *
 * @module
 */
import type { EnvTokenSpec } from "../token_spec.ts";
import { platformEnvSource } from "./env.ts";
import type { TokenSource } from "./registry.ts";

/** The Spacelift source. */
export const spacelift: TokenSource<EnvTokenSpec> = {
  ...platformEnvSource(() => "Spacelift sets it in every run: check that this runs inside a Spacelift run"),
  // Seen only when the token is there.
  detect: () => ({ type: "env", name: "SPACELIFT_OIDC_TOKEN", platform: "Spacelift" }),
};
