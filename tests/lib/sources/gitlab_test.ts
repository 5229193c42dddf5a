// GitLab: the token in the variable of the job's `id_tokens:` entry (`<AUDIENCE>_ID_TOKEN`).
import { describe, it } from "node:test";
import { detects, fails, parses, TOKEN } from "./_sources.ts";

describe("GitLab: parseTokenServer", () => {
  parses([
    ["GitLab", { type: "env", name: "STS_AMAZONAWS_COM_ID_TOKEN", platform: "GitLab" }],
    ["gitlab,https://aws.example/x-y", { type: "env", name: "HTTPS___AWS_EXAMPLE_X_Y_ID_TOKEN", platform: "GitLab" }],
  ]);
});

describe("GitLab: detectTokenSource", () => {
  detects("GitLab", { GITLAB_CI: "true", STS_AMAZONAWS_COM_ID_TOKEN: TOKEN }, "env", "STS_AMAZONAWS_COM_ID_TOKEN");

  it("stops at 'this platform, misconfigured' with its fix", async () => {
    await fails(
      { GITLAB_CI: "true" },
      /^GitLab did not give this job an OIDC token: STS_AMAZONAWS_COM_ID_TOKEN is not set.*id_tokens:\n {4}STS_AMAZONAWS_COM_ID_TOKEN:\n {6}aud: sts\.amazonaws\.com/s,
    );
  });
});
