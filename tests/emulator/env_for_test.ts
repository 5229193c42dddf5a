/**
 * envFor: each platform's job env, and credentials from every one of them.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type EmulatedPlatform,
  type Emulator,
  PLATFORM_AUDIENCES,
  PLATFORMS,
  startEmulator,
} from "../../emulator/mod.ts";
import { AZ_TOKEN, BK_TOKEN, decodeJwt, DEPLOY, getToken, IDENTITY, postSts, UUID } from "./_setup.ts";

describe("envFor", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator({
      buildkiteAgentToken: BK_TOKEN,
      azureAccessToken: AZ_TOKEN,
      audiences: [...new Set(Object.values(PLATFORM_AUDIENCES))],
    });
  });
  after(() => em.stop());

  it("returns each platform's job env, pointed at the emulator", async () => {
    const aws = { AWS_ENDPOINT_URL_STS: em.url, AWS_REGION: "us-east-1" };
    const all = Object.fromEntries(
      await Promise.all(PLATFORMS.map(async (p) => [p, await em.envFor(p)])),
    ) as Record<EmulatedPlatform, Record<string, string>>;
    const token = (env: Record<string, string>, name: string): Record<string, unknown> => decodeJwt(env[name]).claims;
    assert.deepEqual(all.GitHub, em.env);
    assert.notEqual(all.GitHub, em.env, "a copy");
    assert.deepEqual(all.GitLab, {
      GITLAB_CI: "true",
      CI_JOB_ID: all.GitLab.CI_JOB_ID,
      CI_PIPELINE_ID: all.GitLab.CI_PIPELINE_ID,
      CI_PROJECT_PATH: "octo-group/octo-project",
      STS_AMAZONAWS_COM_ID_TOKEN: all.GitLab.STS_AMAZONAWS_COM_ID_TOKEN,
      ...aws,
    });
    assert.match(all.GitLab.CI_JOB_ID, /^\d{10}$/);
    const gitlab = token(all.GitLab, "STS_AMAZONAWS_COM_ID_TOKEN");
    assert.deepEqual([gitlab.aud, gitlab.job_id, gitlab.pipeline_id], [
      "sts.amazonaws.com",
      all.GitLab.CI_JOB_ID,
      all.GitLab.CI_PIPELINE_ID,
    ]);
    assert.deepEqual(all.CircleCI, {
      CIRCLECI: "true",
      CIRCLE_BUILD_NUM: all.CircleCI.CIRCLE_BUILD_NUM,
      CIRCLE_OIDC_TOKEN: all.CircleCI.CIRCLE_OIDC_TOKEN,
      CIRCLE_OIDC_TOKEN_V2: all.CircleCI.CIRCLE_OIDC_TOKEN_V2,
      ...aws,
    });
    assert.ok(!("oidc.circleci.com/vcs-ref" in token(all.CircleCI, "CIRCLE_OIDC_TOKEN")));
    assert.equal(token(all.CircleCI, "CIRCLE_OIDC_TOKEN_V2")["oidc.circleci.com/vcs-ref"], "refs/heads/main");
    assert.deepEqual(all.Bitbucket, {
      BITBUCKET_BUILD_NUMBER: all.Bitbucket.BITBUCKET_BUILD_NUMBER,
      BITBUCKET_REPO_UUID: token(all.Bitbucket, "BITBUCKET_STEP_OIDC_TOKEN").repositoryUuid as string,
      BITBUCKET_STEP_UUID: token(all.Bitbucket, "BITBUCKET_STEP_OIDC_TOKEN").stepUuid as string,
      BITBUCKET_STEP_OIDC_TOKEN: all.Bitbucket.BITBUCKET_STEP_OIDC_TOKEN,
      ...aws,
    });
    assert.deepEqual(all.Buildkite, {
      BUILDKITE: "true",
      BUILDKITE_AGENT_ACCESS_TOKEN: BK_TOKEN,
      BUILDKITE_JOB_ID: em.buildkiteJobId,
      BUILDKITE_AGENT_ENDPOINT: `${em.url}/buildkite/v3`,
      BUILDKITE_BUILD_NUMBER: all.Buildkite.BUILDKITE_BUILD_NUMBER,
      BUILDKITE_ORGANIZATION_SLUG: "acme-inc",
      BUILDKITE_PIPELINE_SLUG: "super-duper-app",
      ...aws,
    });
    assert.match(em.buildkiteJobId, UUID);
    assert.deepEqual(all.AzureDevOps, {
      TF_BUILD: "True",
      SYSTEM_OIDCREQUESTURI: `${em.url}/azure/oidctoken`,
      SYSTEM_ACCESSTOKEN: AZ_TOKEN,
      SYSTEM_TEAMPROJECT: "octo-project",
      BUILD_BUILDID: all.AzureDevOps.BUILD_BUILDID,
      ...aws,
    });
    assert.deepEqual(all.GoogleCloud, { GCE_METADATA_HOST: em.url.slice("http://".length), ...aws });
    assert.deepEqual(all.TerraformCloud, {
      TFC_RUN_ID: token(all.TerraformCloud, "TFC_WORKLOAD_IDENTITY_TOKEN").terraform_run_id as string,
      TFC_WORKSPACE_NAME: "octo-workspace",
      TFC_WORKLOAD_IDENTITY_TOKEN: all.TerraformCloud.TFC_WORKLOAD_IDENTITY_TOKEN,
      ...aws,
    });
    assert.match(all.TerraformCloud.TFC_RUN_ID, /^run-[A-Za-z0-9]{16}$/);
    assert.deepEqual(all.Spacelift, { SPACELIFT_OIDC_TOKEN: all.Spacelift.SPACELIFT_OIDC_TOKEN, ...aws });
    assert.equal(token(all.Spacelift, "SPACELIFT_OIDC_TOKEN").aud, "acme.app.spacelift.io");
    assert.equal(em.count(), 0, "envFor makes no request");
    await assert.rejects(em.envFor("jenkins" as never), TypeError);
  });

  it("takes the audience and claims of env-var tokens, naming GitLab's variable after the audience", async () => {
    const gitlab = await em.envFor("GitLab", { audience: "https://gitlab.com", claims: { ref: "dev" } });
    const claims = decodeJwt(gitlab.HTTPS___GITLAB_COM_ID_TOKEN).claims;
    assert.deepEqual([claims.aud, claims.ref], ["https://gitlab.com", "dev"]);
    assert.ok(!("STS_AMAZONAWS_COM_ID_TOKEN" in gitlab));
    const terraform = await em.envFor("TerraformCloud", { audience: "sts.amazonaws.com" });
    assert.equal(decodeJwt(terraform.TFC_WORKLOAD_IDENTITY_TOKEN).claims.aud, "sts.amazonaws.com");
  });

  it("every platform's env leads to credentials from STS", async () => {
    const tokens: Record<EmulatedPlatform, (env: Record<string, string>) => string | Promise<string>> = {
      GitHub: (env) => getToken(em, "sts.amazonaws.com").then((t) => (assert.ok(env.ACTIONS_ID_TOKEN_REQUEST_URL), t)),
      GitLab: (env) => env.STS_AMAZONAWS_COM_ID_TOKEN,
      CircleCI: (env) => env.CIRCLE_OIDC_TOKEN_V2,
      Bitbucket: (env) => env.BITBUCKET_STEP_OIDC_TOKEN,
      Buildkite: async (env) => {
        const res = await fetch(`${env.BUILDKITE_AGENT_ENDPOINT}/jobs/${env.BUILDKITE_JOB_ID}/oidc/tokens`, {
          method: "POST",
          headers: { authorization: `Token ${env.BUILDKITE_AGENT_ACCESS_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ audience: "sts.amazonaws.com" }),
        });
        return (await res.json()).token;
      },
      AzureDevOps: async (env) => {
        const res = await fetch(`${env.SYSTEM_OIDCREQUESTURI}?api-version=7.1`, {
          method: "POST",
          headers: { authorization: `Bearer ${env.SYSTEM_ACCESSTOKEN}`, "content-type": "application/json" },
          body: "{}",
        });
        return (await res.json()).oidcToken;
      },
      GoogleCloud: async (env) => {
        const url = `http://${env.GCE_METADATA_HOST}${IDENTITY}?audience=sts.amazonaws.com&format=full`;
        return await (await fetch(url, { headers: { "Metadata-Flavor": "Google" } })).text();
      },
      TerraformCloud: (env) => env.TFC_WORKLOAD_IDENTITY_TOKEN,
      Spacelift: (env) => env.SPACELIFT_OIDC_TOKEN,
    };
    em.reset();
    for (const platform of PLATFORMS) {
      const env = await em.envFor(platform);
      const token = await tokens[platform](env);
      const answer = await postSts(em, {
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: DEPLOY,
        RoleSessionName: platform,
        WebIdentityToken: token,
      });
      assert.equal(answer.status, 200, `${platform}: ${answer.text}`);
      assert.equal(new URL(env.AWS_ENDPOINT_URL_STS).origin, em.url);
    }
    assert.deepEqual([em.count("token"), em.count("buildkite"), em.count("azure"), em.count("gcp"), em.count("sts")], [
      1,
      1,
      1,
      1,
      PLATFORMS.length,
    ]);
    const log = JSON.stringify(em.requests);
    for (const secret of [BK_TOKEN, AZ_TOKEN, em.bearer]) assert.ok(!log.includes(secret));
    assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(log), "no JWT in the log");
  });
});
