// Azure DevOps: POST $SYSTEM_OIDCREQUESTURI with the job's SYSTEM_ACCESSTOKEN (and a service connection).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getToken, parseTokenServer } from "../../../mod.ts";
import { scriptedFetch } from "../../_helpers.ts";
import { detects, fails, parses, sourceHost, TOKEN } from "./_sources.ts";

describe("AzureDevOps: parseTokenServer", () => {
  parses([
    ["AzureDevOps", { type: "azure", serviceConnectionId: undefined }],
    ["azure,0d5c6f1e-aaaa", { type: "azure", serviceConnectionId: "0d5c6f1e-aaaa" }],
  ]);
});

describe("AzureDevOps: detectTokenSource", () => {
  detects(
    "AzureDevOps",
    { TF_BUILD: "True", SYSTEM_OIDCREQUESTURI: "https://dev.azure.test/oidc", SYSTEM_ACCESSTOKEN: "a" },
    "azure",
  );

  it("stops at 'this platform, misconfigured' with its fix", async () => {
    await fails(
      { TF_BUILD: "True", SYSTEM_OIDCREQUESTURI: "https://x/oidc" },
      /SYSTEM_ACCESSTOKEN: \$\(System\.AccessToken\)/,
    );
  });
});

describe("AzureDevOps: getToken", () => {
  const host = sourceHost();

  it("Azure DevOps: POSTs to SYSTEM_OIDCREQUESTURI with api-version and the service connection", async () => {
    const script = scriptedFetch({ "/org/": [{ body: JSON.stringify({ oidcToken: TOKEN }) }] });
    const env = {
      SYSTEM_OIDCREQUESTURI: "https://dev.azure.test/org/_apis/oidc?x=1",
      SYSTEM_ACCESSTOKEN: "ado-SECRET",
    };
    assert.equal(await getToken(parseTokenServer("AzureDevOps,sc-1"), host(env, script.fetch)), TOKEN);
    const [request] = script.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.url.searchParams.get("api-version"), "7.1");
    assert.equal(request.url.searchParams.get("serviceConnectionId"), "sc-1");
    assert.equal(request.url.searchParams.get("x"), "1");
    assert.equal(request.headers.authorization, "Bearer ado-SECRET");
    assert.equal(request.headers["content-type"], "application/json");
  });
});
