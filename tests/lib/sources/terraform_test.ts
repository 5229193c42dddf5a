// HCP Terraform: TFC_WORKLOAD_IDENTITY_TOKEN, or TFC_WORKLOAD_IDENTITY_TOKEN_<TAG> for a tagged audience.
import { describe } from "node:test";
import { detects, parses, TOKEN } from "./_sources.ts";

describe("TerraformCloud: parseTokenServer", () => {
  parses([
    ["TerraformCloud", { type: "env", name: "TFC_WORKLOAD_IDENTITY_TOKEN", platform: "TerraformCloud" }],
    ["HCP,AWS", { type: "env", name: "TFC_WORKLOAD_IDENTITY_TOKEN_AWS", platform: "TerraformCloud" }],
  ]);
});

describe("TerraformCloud: detectTokenSource", () => {
  detects("TerraformCloud", { TFC_WORKLOAD_IDENTITY_TOKEN: TOKEN }, "env", "TFC_WORKLOAD_IDENTITY_TOKEN");
});
