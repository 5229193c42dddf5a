// CircleCI: CIRCLE_OIDC_TOKEN_V2 (or CIRCLE_OIDC_TOKEN) in jobs with a context; `circleci run oidc get`
// for a custom audience.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { detectTokenSource } from "../../../mod.ts";
import { detects, fails, parses, TOKEN } from "./_sources.ts";

describe("CircleCI: parseTokenServer", () => {
  parses([
    ["CircleCI", {
      type: "env",
      name: "CIRCLE_OIDC_TOKEN_V2",
      alternatives: ["CIRCLE_OIDC_TOKEN"],
      platform: "CircleCI",
    }],
    ["CircleCI,sts.amazonaws.com", {
      type: "process",
      command: ["circleci", "run", "oidc", "get", "--claims", '{"aud":"sts.amazonaws.com"}'],
      platform: "CircleCI",
    }],
  ]);
});

describe("CircleCI: detectTokenSource", () => {
  detects("CircleCI", { CIRCLECI: "true", CIRCLE_OIDC_TOKEN: TOKEN }, "env", "CIRCLE_OIDC_TOKEN_V2");

  it("stops at 'this platform, misconfigured' with its fix", async () => {
    await fails({ CIRCLECI: "true" }, /use a context/);
  });

  it("uses circleci run oidc get when a custom audience is asked for on CircleCI", async () => {
    assert.deepEqual(await detectTokenSource({ CIRCLECI: "true" }, "my-aud"), {
      type: "process",
      command: ["circleci", "run", "oidc", "get", "--claims", '{"aud":"my-aud"}'],
      platform: "CircleCI",
    });
  });
});
