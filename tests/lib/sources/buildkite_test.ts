// Buildkite: the agent API (POST $BUILDKITE_AGENT_ENDPOINT/jobs/$BUILDKITE_JOB_ID/oidc/tokens).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getToken, parseTokenServer } from "../../../mod.ts";
import { scriptedFetch } from "../../_helpers.ts";
import { detects, fails, parses, sourceHost, TOKEN } from "./_sources.ts";

describe("Buildkite: parseTokenServer", () => {
  parses([
    ["Buildkite", { type: "buildkite", audience: "sts.amazonaws.com" }],
    ["Buildkite,", { type: "buildkite", audience: undefined }],
  ]);
});

describe("Buildkite: detectTokenSource", () => {
  detects("Buildkite", { BUILDKITE: "true", BUILDKITE_AGENT_ACCESS_TOKEN: "a", BUILDKITE_JOB_ID: "j" }, "buildkite");

  it("stops at 'this platform, misconfigured' with its fix", async () => {
    await fails({ BUILDKITE: "true" }, /BUILDKITE_AGENT_ACCESS_TOKEN or BUILDKITE_JOB_ID is not set/);
  });
});

describe("Buildkite: getToken", () => {
  const host = sourceHost();

  it("Buildkite: POSTs the audience to the agent API with the agent token", async () => {
    const script = scriptedFetch({ "/v3/jobs/": [{ status: 201, body: JSON.stringify({ token: TOKEN }) }] });
    const env = {
      BUILDKITE_AGENT_ACCESS_TOKEN: "agent-SECRET",
      BUILDKITE_JOB_ID: "0190-abc",
      BUILDKITE_AGENT_ENDPOINT: "https://agent.buildkite.test/v3/",
    };
    assert.equal(await getToken(parseTokenServer("Buildkite"), host(env, script.fetch)), TOKEN);
    const [request] = script.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.url.href, "https://agent.buildkite.test/v3/jobs/0190-abc/oidc/tokens");
    assert.equal(request.headers.authorization, "Token agent-SECRET");
    assert.deepEqual(JSON.parse(request.body), { audience: "sts.amazonaws.com" });
    const refused = scriptedFetch({ "/v3/jobs/": [{ status: 401, body: '{"message":"bad agent-SECRET"}' }] });
    await assert.rejects(
      getToken(parseTokenServer("Buildkite"), host(env, refused.fetch)),
      (err: Error & { code: string }) =>
        err.code === "ERR_TOKEN_HTTP" &&
        /Buildkite agent API .* HTTP 401 .*agent token in BUILDKITE_AGENT_ACCESS_TOKEN was refused/.test(err.message) &&
        !err.message.includes("agent-SECRET"),
    );
  });
});
