/**
 * HCP Terraform (Terraform Cloud): a workspace with `TFC_WORKLOAD_IDENTITY_AUDIENCE[_TAG]` gets the
 * token in `TFC_WORKLOAD_IDENTITY_TOKEN[_TAG]`.
 * See https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/manual-generation
 *
 * @module
 */
import type { EnvTokenSpec } from "../token_spec.ts";
import { platformEnvSource } from "./env.ts";
import type { TokenSource } from "./registry.ts";

const fix = (name: string): string =>
  `HCP Terraform sets it only when the workspace has the variable ${
    name.replace("_TOKEN", "_AUDIENCE")
  } (set it to the ` +
  "audience your IAM OIDC provider expects, e.g. aws.workload.identity)";

/** The HCP Terraform source. */
export const terraform: TokenSource<EnvTokenSpec> = {
  ...platformEnvSource(fix),
  // Seen only when the token is there.
  detect: () => ({ type: "env", name: "TFC_WORKLOAD_IDENTITY_TOKEN", platform: "TerraformCloud" }),
};
