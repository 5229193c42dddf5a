/**
 * Platform-shaped tokens: each platform's claims, overrides, and STS accepting them.
 * Runs under Node (tsx), Deno and Bun.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_SUBJECT,
  type EmulatedPlatform,
  GCP_SERVICE_ACCOUNT_EMAIL,
  gitlabIdTokenVariable,
  PLATFORM_AUDIENCES,
  PLATFORM_SUBJECTS,
  PLATFORMS,
  startEmulator,
} from "../../emulator/mod.ts";
import { assertStsError, assume, decodeJwt, field, getToken } from "./_setup.ts";

describe("platform-shaped tokens", () => {
  it("mintToken shapes each platform's claims, signed by the emulator", async () => {
    await using em = await startEmulator();
    const expect: Record<EmulatedPlatform, [RegExp | string, string, number, Record<string, unknown>]> = {
      GitHub: [DEFAULT_SUBJECT, "sts.amazonaws.com", 300, { repository: "octo-org/octo-repo" }],
      GitLab: ["project_path:octo-group/octo-project:ref_type:branch:ref:main", "sts.amazonaws.com", 3600, {
        namespace_path: "octo-group",
        project_path: "octo-group/octo-project",
        ref: "main",
        ref_type: "branch",
      }],
      CircleCI: [
        /^org\/[0-9a-f-]{36}\/project\/[0-9a-f-]{36}\/user\/[0-9a-f-]{36}$/,
        PLATFORM_AUDIENCES.CircleCI,
        3600,
        {},
      ],
      Bitbucket: [/^\{[0-9a-f-]{36}\}:\{[0-9a-f-]{36}\}$/, PLATFORM_AUDIENCES.Bitbucket, 3600, { branchName: "main" }],
      Buildkite: [PLATFORM_SUBJECTS.Buildkite, "https://buildkite.com/acme-inc", 300, {
        organization_slug: "acme-inc",
      }],
      AzureDevOps: ["p://octo-org/octo-project/octo-pipeline", "api://AzureADTokenExchange", 600, {}],
      GoogleCloud: [/^\d{21}$/, "sts.amazonaws.com", 3600, { email: GCP_SERVICE_ACCOUNT_EMAIL, email_verified: true }],
      TerraformCloud: [
        "organization:octo-org:project:Default Project:workspace:octo-workspace:run_phase:apply",
        "aws.workload.identity",
        3600,
        {
          terraform_workspace_name: "octo-workspace",
          terraform_run_phase: "apply",
          terraform_organization_name: "octo-org",
        },
      ],
      Spacelift: ["space:root:stack:octo-stack:run_type:TRACKED:scope:write", "acme.app.spacelift.io", 3600, {
        spaceId: "root",
        callerType: "stack",
        runType: "TRACKED",
        scope: "write",
      }],
    };
    assert.deepEqual(Object.keys(expect), [...PLATFORMS]);
    for (const platform of PLATFORMS) {
      const [sub, aud, lifetime, extra] = expect[platform];
      const { header, claims } = decodeJwt(await em.mintToken({ platform }));
      assert.equal(header.alg, "RS256", platform);
      assert.equal(claims.iss, em.issuer, platform);
      if (typeof sub === "string") assert.equal(claims.sub, sub, platform);
      else assert.match(claims.sub as string, sub, platform);
      assert.equal(claims.sub, platform === "GitHub" ? DEFAULT_SUBJECT : PLATFORM_SUBJECTS[platform], platform);
      assert.equal(claims.aud, aud, platform);
      assert.equal(PLATFORM_AUDIENCES[platform], aud, platform);
      assert.equal((claims.exp as number) - (claims.iat as number), lifetime, platform);
      for (const [name, value] of Object.entries(extra)) assert.deepEqual(claims[name], value, `${platform} ${name}`);
    }
    const circle = decodeJwt(await em.mintToken({ platform: "CircleCI" })).claims;
    assert.equal(circle.aud, (circle.sub as string).split("/")[1], "CircleCI's aud is the org id");
    assert.equal(circle["oidc.circleci.com/project-id"], (circle.sub as string).split("/")[3]);
    const bitbucket = decodeJwt(await em.mintToken({ platform: "Bitbucket" })).claims;
    assert.equal(bitbucket.sub, `${bitbucket.repositoryUuid}:${bitbucket.stepUuid}`);
    assert.equal(bitbucket.aud, `ari:cloud:bitbucket::workspace/${(bitbucket.workspaceUuid as string).slice(1, -1)}`);
    const gitlab = decodeJwt(await em.mintToken({ platform: "GitLab" })).claims;
    assert.match(gitlab.pipeline_id as string, /^\d+$/);
    await assert.rejects(em.mintToken({ platform: "jenkins" as never }), TypeError);
  });

  it("takes audience and claim overrides per token, per emulator, and tokenLifetimeSeconds for every platform", async () => {
    const fixed = Date.UTC(2030, 0, 2, 3, 4, 5);
    await using em = await startEmulator({
      now: () => fixed,
      tokenLifetimeSeconds: 120,
      platformClaims: {
        GitLab: { ref: "dev", sub: "project_path:octo-group/octo-project:ref_type:branch:ref:dev" },
        GitHub: { ref: undefined },
      },
    });
    const gitlab = decodeJwt(
      await em.mintToken({ platform: "GitLab", audience: "https://gitlab.com", claims: { environment: "prod" } }),
    ).claims;
    assert.deepEqual([gitlab.aud, gitlab.ref, gitlab.sub, gitlab.environment], [
      "https://gitlab.com",
      "dev",
      "project_path:octo-group/octo-project:ref_type:branch:ref:dev",
      "prod",
    ]);
    assert.deepEqual([gitlab.iat, gitlab.exp], [Math.floor(fixed / 1000), Math.floor(fixed / 1000) + 120]);
    const spacelift =
      decodeJwt(await em.mintToken({ platform: "Spacelift", claims: { aud: ["a", "b"], scope: undefined } })).claims;
    assert.deepEqual(spacelift.aud, ["a", "b"]);
    assert.ok(!("scope" in spacelift));
    const github = decodeJwt(await getToken(em, "sts.amazonaws.com")).claims;
    assert.ok(!("ref" in github), "platformClaims.GitHub applies to the token endpoint too");
    assert.equal((github.exp as number) - (github.iat as number), 120);
  });

  it("STS accepts each platform's token when its aud is an accepted audience, and only then", async () => {
    const roles = Object.fromEntries(
      PLATFORMS.map((
        p,
      ) => [`arn:aws:iam::123456789012:role/${p}`, { sub: p === "GitHub" ? DEFAULT_SUBJECT : PLATFORM_SUBJECTS[p] }]),
    );
    await using em = await startEmulator({ roles, audiences: [...new Set(Object.values(PLATFORM_AUDIENCES))] });
    await using strict = await startEmulator({ roles });
    for (const platform of PLATFORMS) {
      const RoleArn = `arn:aws:iam::123456789012:role/${platform}`;
      const answer = await assume(em, await em.mintToken({ platform }), { RoleArn });
      assert.equal(answer.status, 200, `${platform}: ${answer.text}`);
      assert.equal(field(answer.text, "Audience"), PLATFORM_AUDIENCES[platform]);
      assert.equal(
        field(answer.text, "SubjectFromWebIdentityToken"),
        platform === "GitHub" ? DEFAULT_SUBJECT : PLATFORM_SUBJECTS[platform],
      );
      const other = platform === "GitHub" ? "CircleCI" : "GitHub";
      assertStsError(
        await assume(em, await em.mintToken({ platform }), { RoleArn: `arn:aws:iam::123456789012:role/${other}` }),
        403,
        "AccessDenied",
      );
      const refused = await assume(strict, await strict.mintToken({ platform }), { RoleArn });
      if (PLATFORM_AUDIENCES[platform] === "sts.amazonaws.com") assert.equal(refused.status, 200, platform);
      else assertStsError(refused, 400, "InvalidIdentityToken", "Incorrect token audience");
    }
    assert.equal(gitlabIdTokenVariable("sts.amazonaws.com"), "STS_AMAZONAWS_COM_ID_TOKEN");
    assert.equal(gitlabIdTokenVariable("https://gitlab.com/x-y"), "HTTPS___GITLAB_COM_X_Y_ID_TOKEN");
  });
});
