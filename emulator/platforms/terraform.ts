/**
 * HCP Terraform (Terraform Cloud): a run with dynamic credentials gets its
 * workload identity token in `TFC_WORKLOAD_IDENTITY_TOKEN`.
 *
 * https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/workload-identity-tokens
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import { randomString } from "../_util.ts";
import { type PlatformContext, type PlatformEmulator, stamp, type TokenRequest, withOverrides } from "./_platform.ts";

const ORG = "octo-org";
const PROJECT = "Default Project";
const WORKSPACE = "octo-workspace";
const FULL_WORKSPACE = `organization:${ORG}:project:${PROJECT}:workspace:${WORKSPACE}`;
const SUBJECT = `${FULL_WORKSPACE}:run_phase:apply`;
const LIFETIME = 3600;
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function runId(ctx: PlatformContext): string {
  return ctx.state("TerraformCloud", () => `run-${randomString(ALNUM, 16)}`);
}

function terraformClaims(ctx: PlatformContext, request: TokenRequest): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  return withOverrides(ctx, "TerraformCloud", {
    jti: crypto.randomUUID(),
    iss,
    aud: request.audience ?? "aws.workload.identity",
    iat,
    nbf: iat,
    exp,
    sub: SUBJECT,
    terraform_run_phase: "apply",
    terraform_workspace_id: "ws-mbsd5E3Ktt5Rg2Xm",
    terraform_workspace_name: WORKSPACE,
    terraform_organization_id: "org-GRNbCjYNpBB6NEH9",
    terraform_organization_name: ORG,
    terraform_project_id: "prj-vegSA59s1XPwMr2t",
    terraform_project_name: PROJECT,
    terraform_run_id: runId(ctx),
    terraform_full_workspace: FULL_WORKSPACE,
  }, request);
}

/** HCP Terraform, in a run of a workspace with `TFC_AWS_PROVIDER_AUTH`. */
export const terraform: PlatformEmulator = {
  id: "TerraformCloud",
  cliName: "terraform",
  audience: "aws.workload.identity",
  subject: SUBJECT,
  lifetimeSeconds: LIFETIME,
  demoSubject: `organization:${ORG}:project:*:workspace:${WORKSPACE}:run_phase:*`,
  claims: terraformClaims,
  async env(ctx, options) {
    return {
      TFC_RUN_ID: runId(ctx),
      TFC_WORKSPACE_NAME: WORKSPACE,
      TFC_WORKLOAD_IDENTITY_TOKEN: await signJwt(
        ctx.key,
        terraformClaims(ctx, { audience: options.audience, claims: options.claims }),
      ),
    };
  },
};
