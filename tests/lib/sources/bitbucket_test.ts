// Bitbucket Pipelines: BITBUCKET_STEP_OIDC_TOKEN in steps with `oidc: true`.
import { describe, it } from "node:test";
import { detects, fails, parses, TOKEN } from "./_sources.ts";

describe("Bitbucket: parseTokenServer", () => {
  parses([
    ["Bitbucket", { type: "env", name: "BITBUCKET_STEP_OIDC_TOKEN", platform: "Bitbucket" }],
  ]);
});

describe("Bitbucket: detectTokenSource", () => {
  detects(
    "Bitbucket",
    { BITBUCKET_BUILD_NUMBER: "7", BITBUCKET_STEP_OIDC_TOKEN: TOKEN },
    "env",
    "BITBUCKET_STEP_OIDC_TOKEN",
  );

  it("stops at 'this platform, misconfigured' with its fix", async () => {
    await fails({ BITBUCKET_BUILD_NUMBER: "3" }, /add oidc: true to the step/);
  });
});
