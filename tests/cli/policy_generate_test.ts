// `oidc2aws trust-policy`'s generator (cli/policy/generate.ts): the policies it writes per platform, what
// it refuses, and the property the issue asks for: every policy it writes is admitted by the doctor's
// evaluator for the claims of a job it targets, and refused for a job of another repository, branch,
// environment or audience (random owners, repositories and refs).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { asCloudFormation, asTerraform, generateTrustPolicy, type PolicyRequest } from "../../cli/policy/generate.ts";
import { type Claims, evaluateTrustPolicy, parseTrustPolicy } from "../../cli/policy/evaluate.ts";
import { CliError } from "../../lib/errors.ts";

/** The doctor's verdict on a generated policy, read back from its JSON as a user would paste it. */
function admits(request: PolicyRequest, claims: Claims): boolean {
  const { policy } = generateTrustPolicy(request);
  return evaluateTrustPolicy(parseTrustPolicy(JSON.stringify(policy)), claims).allowed;
}

/** GitHub's job claims, from its documented subject format (not from the generator). */
function githubJob(repo: string, kind: { branch?: string; environment?: string; tag?: string; pr?: boolean }): Claims {
  const sub = kind.environment !== undefined
    ? `repo:${repo}:environment:${kind.environment}`
    : kind.pr
    ? `repo:${repo}:pull_request`
    : kind.tag !== undefined
    ? `repo:${repo}:ref:refs/tags/${kind.tag}`
    : `repo:${repo}:ref:refs/heads/${kind.branch}`;
  return { iss: "https://token.actions.githubusercontent.com", aud: "sts.amazonaws.com", sub, repository: repo };
}

describe("trust-policy generator: what it writes", () => {
  it("GitHub, an environment: StringEquals on aud and sub, the provider in the account", () => {
    const { policy } = generateTrustPolicy({
      platform: "GitHub",
      repo: "octo-org/app",
      environment: "prod",
      account: "123456789012",
    });
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:octo-org/app:environment:prod",
          },
        },
      }],
    });
  });

  it("patterns use StringLike; the placeholder account when none is given", () => {
    const { policy, subject } = generateTrustPolicy({ platform: "github", repo: "o/r", branch: "release/*" });
    assert.equal(subject, "repo:o/r:ref:refs/heads/release/*");
    assert.deepEqual(policy.Statement[0].Condition.StringLike, {
      "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/release/*",
    });
    assert.match(policy.Statement[0].Principal.Federated, /^arn:aws:iam::ACCOUNT_ID:oidc-provider\//);
  });

  it("GHES, GHE.com, GitLab self-managed, Buildkite, CircleCI and HCP Terraform use their issuers", () => {
    const provider = (r: PolicyRequest) => generateTrustPolicy(r).provider;
    assert.equal(
      provider({ platform: "GitHub", repo: "o/r", anyRef: true, host: "ghes.example.com" }),
      "ghes.example.com/_services/token",
    );
    assert.equal(
      provider({ platform: "GitHub", repo: "o/r", anyRef: true, host: "acme.ghe.com" }),
      "token.actions.acme.ghe.com",
    );
    assert.equal(
      provider({ platform: "GitLab", repo: "g/p", anyRef: true, host: "https://gitlab.example.com/" }),
      "gitlab.example.com",
    );
    assert.equal(
      generateTrustPolicy({ platform: "GitLab", repo: "g/sub/p", tag: "v*" }).subject,
      "project_path:g/sub/p:ref_type:tag:ref:v*",
    );
    assert.equal(
      generateTrustPolicy({ platform: "Buildkite", repo: "acme/deploy", branch: "main" }).subject,
      "organization:acme:pipeline:deploy:ref:refs/heads/main:*",
    );
    const circle = generateTrustPolicy({ platform: "CircleCI", repo: "org-id/project-id" });
    assert.equal(circle.provider, "oidc.circleci.com/org/org-id");
    assert.equal(circle.audience, "org-id");
    assert.equal(circle.subject, "org/org-id/project/project-id/user/*");
    const tfc = generateTrustPolicy({ platform: "TerraformCloud", repo: "acme/infra/prod" });
    assert.equal(tfc.audience, "aws.workload.identity");
    assert.equal(tfc.subject, "organization:acme:project:infra:workspace:prod:run_phase:*");
  });

  it("Bitbucket: the workspace's provider, the repository's UUID, a deployment environment's", () => {
    const repo = "0f1e2d3c-b4a5-4697-8899-aabbccddeeff";
    const env = "{11111111-2222-4333-8444-555555555555}";
    const audience = "ari:cloud:bitbucket::workspace/9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
    const any = generateTrustPolicy({ platform: "Bitbucket", repo: `acme/${repo}`, audience });
    assert.equal(any.provider, "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc");
    assert.equal(any.subject, `{${repo}}:*`);
    const deploy = generateTrustPolicy({ platform: "Bitbucket", repo: `acme/{${repo}}`, environment: env, audience });
    assert.equal(deploy.subject, `{${repo}}:${env}:*`);
    const step = "{b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e}";
    const claims = (sub: string) => ({ iss: `https://${any.provider}`, aud: audience, sub });
    assert.ok(
      admits(
        { platform: "Bitbucket", repo: `acme/${repo}`, environment: env, audience },
        claims(`{${repo}}:${env}:${step}`),
      ),
    );
    assert.ok(
      !admits({ platform: "Bitbucket", repo: `acme/${repo}`, environment: env, audience }, claims(`{${repo}}:${step}`)),
    );
  });

  it("Azure DevOps: the organization's issuer and the service connection", () => {
    const generated = generateTrustPolicy({
      platform: "AzureDevOps",
      repo: "contoso/web/aws-prod",
      host: "7a5e1a34-0000-4000-8000-000000000001",
    });
    assert.equal(generated.provider, "vstoken.dev.azure.com/7a5e1a34-0000-4000-8000-000000000001");
    assert.equal(generated.audience, "api://AzureADTokenExchange");
    assert.deepEqual(generated.policy.Statement[0].Condition.StringEquals, {
      "vstoken.dev.azure.com/7a5e1a34-0000-4000-8000-000000000001:aud": "api://AzureADTokenExchange",
      "vstoken.dev.azure.com/7a5e1a34-0000-4000-8000-000000000001:sub": "sc://contoso/web/aws-prod",
    });
  });

  it("Terraform and CloudFormation carry the provider resource and the same conditions", () => {
    const generated = generateTrustPolicy({ platform: "GitHub", repo: "o/r", pullRequest: true });
    const tf = asTerraform(generated);
    assert.match(
      tf,
      /resource "aws_iam_openid_connect_provider" "ci" \{\n {2}url {12}= "https:\/\/token\.actions\.githubusercontent\.com"/,
    );
    assert.match(
      tf,
      /variable = "token\.actions\.githubusercontent\.com:sub"\n {6}values {3}= \["repo:o\/r:pull_request"\]/,
    );
    const cfn = asCloudFormation(generated);
    assert.match(cfn, /Type: AWS::IAM::OIDCProvider/);
    assert.match(cfn, /Federated: !GetAtt CiOidcProvider\.Arn/);
    assert.match(cfn, /"token\.actions\.githubusercontent\.com:sub": "repo:o\/r:pull_request"/);
  });
});

describe("trust-policy generator: what it refuses", () => {
  const refused: Array<[string, PolicyRequest, RegExp]> = [
    [
      "any owner",
      { platform: "GitHub", repo: "*/app", anyRef: true },
      /pattern in its OWNER: the role would trust jobs of any OWNER/,
    ],
    ["no owner", { platform: "GitHub", repo: "app", anyRef: true }, /--repo must be OWNER\/REPO/],
    ["no ref selector", { platform: "GitHub", repo: "o/r" }, /GitHub needs one of --branch/],
    [
      "two ref selectors",
      { platform: "GitHub", repo: "o/r", branch: "main", environment: "prod" },
      /give one of --branch/,
    ],
    [
      "a : in a branch",
      { platform: "GitHub", repo: "o/r", branch: "a:b" },
      /--branch "a:b" must be non-empty, without ":"/,
    ],
    [
      "GitLab environments",
      { platform: "GitLab", repo: "g/p", environment: "prod" },
      /--environment does not apply to GitLab/,
    ],
    ["CircleCI branches", { platform: "CircleCI", repo: "o/p", branch: "main" }, /--branch does not apply to CircleCI/],
    ["a bad account", { platform: "GitHub", repo: "o/r", anyRef: true, account: "12" }, /--account must be a 12-digit/],
    [
      "Spacelift, with a pointer to its docs",
      { platform: "Spacelift", repo: "w/r", anyRef: true },
      /does not write policies for "Spacelift" yet: .*docs\.spacelift\.io/,
    ],
    [
      "Bitbucket without its audience",
      { platform: "Bitbucket", repo: "w/{0f1e2d3c-b4a5-4697-8899-aabbccddeeff}" },
      /Bitbucket's audience is ari:cloud:bitbucket::workspace\/WORKSPACE_UUID/,
    ],
    [
      "Bitbucket with a repository that is not a UUID",
      { platform: "Bitbucket", repo: "w/app", audience: "ari:cloud:bitbucket::workspace/x" },
      /REPOSITORY_UUID must be a UUID/,
    ],
    [
      "Azure DevOps without its organization id",
      { platform: "AzureDevOps", repo: "org/project/aws" },
      /give --host ORGANIZATION_ID/,
    ],
    [
      "an unknown platform",
      { platform: "Jenkins", repo: "o/r", anyRef: true },
      /--platform must be one of GitHub, GitLab/,
    ],
  ];
  for (const [name, request, message] of refused) {
    it(`${name}: ERR_USAGE`, () => {
      assert.throws(() => generateTrustPolicy(request), (err) => {
        assert.ok(err instanceof CliError);
        assert.equal(err.code, "ERR_USAGE");
        assert.match(err.message, message);
        return true;
      });
    });
  }
});

describe("property: every generated policy admits its own job and refuses the others", () => {
  const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/);
  const ref = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,20}$/);
  const repo = fc.tuple(name, name).map(([o, r]) => `${o}/${r}`);

  it("GitHub: by branch, environment, tag, pull request and any ref", () => {
    fc.assert(
      fc.property(
        repo,
        repo,
        ref,
        ref,
        fc.constantFrom("branch", "environment", "tag", "pr", "any"),
        (mine, theirs, a, b, kind) => {
          fc.pre(mine !== theirs && a !== b);
          const request: PolicyRequest = {
            platform: "GitHub",
            repo: mine,
            ...(kind === "branch"
              ? { branch: a }
              : kind === "environment"
              ? { environment: a }
              : kind === "tag"
              ? { tag: a }
              : kind === "pr"
              ? { pullRequest: true }
              : { anyRef: true }),
          };
          const job = kind === "environment"
            ? { environment: a }
            : kind === "tag"
            ? { tag: a }
            : kind === "pr"
            ? { pr: true }
            : { branch: a };
          const other = kind === "environment" ? { environment: b } : kind === "tag" ? { tag: b } : { branch: b };
          assert.ok(admits(request, githubJob(mine, job)), "its own job");
          assert.ok(!admits(request, githubJob(theirs, job)), "another repository's job");
          if (kind !== "any" && kind !== "pr") {
            assert.ok(
              !admits(request, githubJob(mine, other)),
              "another ref of the repository",
            );
          }
          if (kind !== "environment" && kind !== "any") {
            assert.ok(!admits(request, githubJob(mine, { environment: a })), "a job in an environment");
          }
          assert.ok(
            !admits(request, { ...githubJob(mine, job), aud: "https://github.com/someone" }),
            "another audience",
          );
          assert.ok(!admits(request, { ...githubJob(mine, job), iss: "https://gitlab.com" }), "another issuer");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("GitLab and Buildkite: by branch and any ref", () => {
    fc.assert(
      fc.property(repo, repo, ref, ref, fc.boolean(), (mine, theirs, a, b, gitlab) => {
        fc.pre(mine !== theirs && a !== b);
        const job = (project: string, branch: string): Claims =>
          gitlab
            ? {
              iss: "https://gitlab.com",
              aud: "sts.amazonaws.com",
              sub: `project_path:${project}:ref_type:branch:ref:${branch}`,
            }
            : {
              iss: "https://agent.buildkite.com",
              aud: "sts.amazonaws.com",
              sub: `organization:${
                project.replace("/", ":pipeline:")
              }:ref:refs/heads/${branch}:commit:abc123:step:deploy`,
            };
        const platform = gitlab ? "GitLab" : "Buildkite";
        assert.ok(admits({ platform, repo: mine, branch: a }, job(mine, a)));
        assert.ok(!admits({ platform, repo: mine, branch: a }, job(mine, b)));
        assert.ok(!admits({ platform, repo: mine, branch: a }, job(theirs, a)));
        assert.ok(admits({ platform, repo: mine, anyRef: true }, job(mine, b)));
        assert.ok(!admits({ platform, repo: mine, anyRef: true }, job(theirs, b)));
      }),
      { numRuns: 200 },
    );
  });

  it("CircleCI, HCP Terraform, Azure DevOps and Bitbucket: their own project's job, not another's", () => {
    const uuid = fc.uuid({ version: 4 });
    fc.assert(
      fc.property(name, name, name, uuid, uuid, (org, project, other, id, otherId) => {
        fc.pre(project !== other && id !== otherId);
        const circle = (p: string): Claims => ({
          iss: `https://oidc.circleci.com/org/${org}`,
          aud: org,
          sub: `org/${org}/project/${p}/user/${id}`,
        });
        assert.ok(admits({ platform: "CircleCI", repo: `${org}/${project}` }, circle(project)));
        assert.ok(!admits({ platform: "CircleCI", repo: `${org}/${project}` }, circle(other)));
        const tfc = (w: string): Claims => ({
          iss: "https://app.terraform.io",
          aud: "aws.workload.identity",
          sub: `organization:${org}:project:Default:workspace:${w}:run_phase:apply`,
        });
        assert.ok(admits({ platform: "TerraformCloud", repo: `${org}/Default/${project}` }, tfc(project)));
        assert.ok(!admits({ platform: "TerraformCloud", repo: `${org}/Default/${project}` }, tfc(other)));
        const azure = (c: string): Claims => ({
          iss: `https://vstoken.dev.azure.com/${id}`,
          aud: "api://AzureADTokenExchange",
          sub: `sc://${org}/web/${c}`,
        });
        assert.ok(admits({ platform: "AzureDevOps", repo: `${org}/web/${project}`, host: id }, azure(project)));
        assert.ok(!admits({ platform: "AzureDevOps", repo: `${org}/web/${project}`, host: id }, azure(other)));
        const audience = `ari:cloud:bitbucket::workspace/${otherId}`;
        const bitbucket = (repo: string): Claims => ({
          iss: `https://api.bitbucket.org/2.0/workspaces/${org}/pipelines-config/identity/oidc`,
          aud: audience,
          sub: `{${repo}}:{${otherId}}`,
        });
        assert.ok(admits({ platform: "Bitbucket", repo: `${org}/${id}`, audience }, bitbucket(id)));
        assert.ok(!admits({ platform: "Bitbucket", repo: `${org}/${id}`, audience }, bitbucket(otherId)));
      }),
      { numRuns: 200 },
    );
  });
});
