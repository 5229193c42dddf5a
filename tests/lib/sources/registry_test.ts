// The rules across token sources (lib/sources/registry.ts): `auto`, the second parts a platform
// refuses, and the detection order when two platforms are present. A source's own names, detection,
// fix and token request are in its file beside this one (<source>_test.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { detectTokenSource, parseTokenServer } from "../../../mod.ts";
import { DEFAULT_AUDIENCE, gitlabVariable, SOURCES } from "../../../lib/sources/registry.ts";
import { fails, parses, TOKEN } from "./_sources.ts";

describe("parseTokenServer: a name for every platform", () => {
  parses([
    ["auto", { type: "auto", audience: "sts.amazonaws.com" }],
    ["AUTO,my-aud", { type: "auto", audience: "my-aud" }],
  ]);

  it("refuses second parts a platform cannot take", () => {
    assert.throws(() => parseTokenServer("Bitbucket,aud"), { code: "ERR_CONFIG_INVALID", message: /oidc\.audiences/ });
    assert.throws(() => parseTokenServer("Spacelift,x"), { message: /audience is fixed/ });
    assert.throws(() => parseTokenServer("GoogleCloud,"), { message: /metadata server needs one/ });
    assert.throws(() => parseTokenServer("TerraformCloud,a-b"), { message: /a tag is letters, digits and _/ });
  });
});

describe("the token-source table", () => {
  it("names GitLab's default variable as a secret: the one gitlabVariable names for the default audience", () => {
    const gitlab = SOURCES.find((entry) => entry.id === "GitLab")!;
    assert.deepEqual(gitlab.secrets, [gitlabVariable(DEFAULT_AUDIENCE)]);
  });
});

describe("detectTokenSource: platforms in a fixed order", () => {
  it("takes the first platform in the order when two are present", async () => {
    const gitlabAndBuildkite = {
      GITLAB_CI: "true",
      STS_AMAZONAWS_COM_ID_TOKEN: TOKEN,
      BUILDKITE: "true",
      BUILDKITE_AGENT_ACCESS_TOKEN: "a",
      BUILDKITE_JOB_ID: "j",
    };
    assert.equal((await detectTokenSource(gitlabAndBuildkite)).type, "env");
    const terraformAndFile = { TFC_WORKLOAD_IDENTITY_TOKEN: TOKEN, AWS_WEB_IDENTITY_TOKEN_FILE: "/t" };
    assert.deepEqual(await detectTokenSource(terraformAndFile), {
      type: "env",
      name: "TFC_WORKLOAD_IDENTITY_TOKEN",
      platform: "TerraformCloud",
    });
    // A GitHub job inside which a token file is also configured: GitHub first.
    assert.equal(
      (await detectTokenSource({
        GITHUB_ACTIONS: "true",
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://t/x",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b",
        AWS_WEB_IDENTITY_TOKEN_FILE: "/t",
      })).type,
      "server",
    );
  });

  it("falls through 'not this platform' but stops at 'this platform, misconfigured' with its fix", async () => {
    // Each platform's own fix is checked in its file ("stops at 'this platform, misconfigured' with its fix").
    await fails({}, /^No CI platform that issues OIDC tokens was detected \(checked GitHub Actions/);
    // Azure Pipelines without OIDC (no SYSTEM_OIDCREQUESTURI) is "not this platform": it falls through.
    assert.equal((await detectTokenSource({ TF_BUILD: "True", SPACELIFT_OIDC_TOKEN: TOKEN })).type, "env");
  });
});
