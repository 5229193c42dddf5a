/**
 * Token claims shaped like each CI platform's. The emulator signs every token
 * itself and `iss` is always the emulator's URL (so its STS can verify them);
 * the other claims follow each platform's documentation:
 *
 * - GitHub: oidc.ts
 * - GitLab: https://docs.gitlab.com/ci/secrets/id_token_authentication/#token-payload
 * - CircleCI: https://circleci.com/docs/openid-connect-tokens/
 * - Bitbucket Pipelines: https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/
 * - Buildkite: https://buildkite.com/docs/agent/v3/cli-oidc
 * - Azure DevOps: https://learn.microsoft.com/rest/api/azure/devops/distributedtask/oidctoken/create
 * - Google Cloud: https://cloud.google.com/compute/docs/instances/verifying-instance-identity#payload
 * - HCP Terraform: https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/workload-identity-tokens
 * - Spacelift: https://docs.spacelift.io/integrations/cloud-providers/oidc
 *
 * Organisations, projects, accounts and so every default `sub` are fixed (so
 * trust policies can be written before the emulator starts); run, build and job
 * numbers are random per emulator, as they are per CI job.
 *
 * @module
 */

import type { Claims } from "./jwt.ts";
import { buildClaims, DEFAULT_SUBJECT, type TokenIssuer } from "./oidc.ts";
import { randomHex, randomString, UPPER_ALNUM } from "./_util.ts";

/** The platforms whose tokens the emulator can shape. */
export type Platform =
  | "github"
  | "gitlab"
  | "circleci"
  | "bitbucket"
  | "buildkite"
  | "azure"
  | "gcp"
  | "terraform"
  | "spacelift";

/** Every {@link Platform}, GitHub first. */
export const PLATFORMS: readonly Platform[] = [
  "github",
  "gitlab",
  "circleci",
  "bitbucket",
  "buildkite",
  "azure",
  "gcp",
  "terraform",
  "spacelift",
];

// Fixed identities: the organisation, project and account every platform-shaped token describes.
const GITLAB_NAMESPACE = "octo-group";
const GITLAB_PROJECT = "octo-group/octo-project";
const CIRCLECI_ORG_ID = "4b8f6c1e-2d3a-4e5f-9a0b-1c2d3e4f5a6b";
const CIRCLECI_PROJECT_ID = "7c9d0e1f-3a4b-4c5d-8e6f-a7b8c9d0e1f2";
const CIRCLECI_USER_ID = "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d";
const CIRCLECI_CONTEXT_ID = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const BITBUCKET_WORKSPACE_UUID = "3f2e1d0c-b9a8-4f7e-8d6c-5b4a3f2e1d0c";
const BITBUCKET_REPO_UUID = "{9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d}";
const BITBUCKET_STEP_UUID = "{b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e}";
const BUILDKITE_ORG = "acme-inc";
const BUILDKITE_PIPELINE = "super-duper-app";
const BUILDKITE_COMMIT = "9f3182061f1e2cca4702c368cbc039b7dc9d4485";
const BUILDKITE_STEP = "deploy";
const BUILDKITE_ORG_ID = "0184990a-477b-4fa8-9968-496074483a77";
const BUILDKITE_PIPELINE_ID = "0184990a-4782-42b5-afc1-16715b10b1a0";
const AZURE_ORG = "octo-org";
const AZURE_PROJECT = "octo-project";
const AZURE_PIPELINE = "octo-pipeline";
const AZURE_ORG_ID = "2d4c6e8a-0b1c-4d2e-8f3a-5b6c7d8e9f0a";
const AZURE_PROJECT_ID = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d";
const AZURE_REPO_ID = "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a1b";
const GCP_PROJECT = "octo-project";
const GCP_PROJECT_NUMBER = 123456789012;
const GCP_SERVICE_ACCOUNT_ID = "113456789012345678901";
const TERRAFORM_ORG = "octo-org";
const TERRAFORM_PROJECT = "Default Project";
const TERRAFORM_WORKSPACE = "octo-workspace";
const SPACELIFT_HOST = "acme.app.spacelift.io";
const SPACELIFT_SPACE = "root";
const SPACELIFT_STACK = "octo-stack";

/** The service account the Google metadata server speaks for. */
export const GCP_SERVICE_ACCOUNT_EMAIL = `deployer@${GCP_PROJECT}.iam.gserviceaccount.com`;
/** Service connection id → name: the one connection an emulator has unless told otherwise. */
export const DEFAULT_AZURE_SERVICE_CONNECTIONS: Readonly<Record<string, string>> = {
  "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f": "aws-oidc",
};
/** Azure DevOps issues every token for this audience. */
export const AZURE_AUDIENCE = "api://AzureADTokenExchange";

/** The `sub` each platform's tokens carry unless overridden (Azure: without a service connection). */
export const PLATFORM_SUBJECTS: Readonly<Record<Platform, string>> = {
  github: DEFAULT_SUBJECT,
  gitlab: `project_path:${GITLAB_PROJECT}:ref_type:branch:ref:main`,
  circleci: `org/${CIRCLECI_ORG_ID}/project/${CIRCLECI_PROJECT_ID}/user/${CIRCLECI_USER_ID}`,
  bitbucket: `${BITBUCKET_REPO_UUID}:${BITBUCKET_STEP_UUID}`,
  buildkite:
    `organization:${BUILDKITE_ORG}:pipeline:${BUILDKITE_PIPELINE}:ref:refs/heads/main:commit:${BUILDKITE_COMMIT}:step:${BUILDKITE_STEP}`,
  azure: `p://${AZURE_ORG}/${AZURE_PROJECT}/${AZURE_PIPELINE}`,
  gcp: GCP_SERVICE_ACCOUNT_ID,
  terraform:
    `organization:${TERRAFORM_ORG}:project:${TERRAFORM_PROJECT}:workspace:${TERRAFORM_WORKSPACE}:run_phase:apply`,
  spacelift: `space:${SPACELIFT_SPACE}:stack:${SPACELIFT_STACK}:run_type:TRACKED:scope:write`,
};

/**
 * The `aud` of tokens {@link platformClaims} mints when no audience is asked for:
 * what each platform issues by default, or `sts.amazonaws.com` where the job
 * always names one (GitHub for compatibility, GitLab's `id_tokens`, Google's
 * required `audience`).
 */
export const PLATFORM_AUDIENCES: Readonly<Record<Platform, string>> = {
  github: "sts.amazonaws.com",
  gitlab: "sts.amazonaws.com",
  circleci: CIRCLECI_ORG_ID,
  bitbucket: `ari:cloud:bitbucket::workspace/${BITBUCKET_WORKSPACE_UUID}`,
  buildkite: `https://buildkite.com/${BUILDKITE_ORG}`,
  azure: AZURE_AUDIENCE,
  gcp: "sts.amazonaws.com",
  terraform: "aws.workload.identity",
  spacelift: SPACELIFT_HOST,
};

/** `exp - iat` each platform uses (GitHub's is the emulator's `tokenLifetimeSeconds`). */
export const PLATFORM_LIFETIMES: Readonly<Record<Exclude<Platform, "github">, number>> = {
  gitlab: 3600,
  circleci: 3600,
  bitbucket: 3600,
  buildkite: 300,
  azure: 600,
  gcp: 3600,
  terraform: 3600,
  spacelift: 3600,
};

/**
 * GitLab's `id_tokens` naming convention used by the emulator's GitLab env:
 * `<AUD>_ID_TOKEN`, the audience uppercased with every character that is not a
 * letter or digit replaced by `_`.
 *
 * @example
 * ```ts
 * import { gitlabIdTokenVariable } from "./platforms.ts";
 * console.log(gitlabIdTokenVariable("sts.amazonaws.com")); // STS_AMAZONAWS_COM_ID_TOKEN
 * ```
 */
export function gitlabIdTokenVariable(audience: string): string {
  return `${audience.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_ID_TOKEN`;
}

/** Per-emulator run and job identifiers, random like a real job's. */
export interface RunIds {
  gitlabJobId: string;
  gitlabPipelineId: string;
  circleciBuildNumber: string;
  bitbucketBuildNumber: string;
  /** `{uuid}` */
  bitbucketPipelineUuid: string;
  buildkiteJobId: string;
  buildkiteAgentId: string;
  buildkiteBuildNumber: number;
  azureBuildId: string;
  terraformRunId: string;
  spaceliftRunId: string;
}

/** Fresh {@link RunIds}; `buildkiteJobId` when given. */
export function createRunIds(buildkiteJobId?: string): RunIds {
  const number = (digits: number): string =>
    String(10 ** (digits - 1) + Math.floor(Math.random() * 9 * 10 ** (digits - 1)));
  return {
    gitlabJobId: number(10),
    gitlabPipelineId: number(10),
    circleciBuildNumber: number(5),
    bitbucketBuildNumber: number(3),
    bitbucketPipelineUuid: `{${crypto.randomUUID()}}`,
    buildkiteJobId: buildkiteJobId ?? crypto.randomUUID(),
    buildkiteAgentId: crypto.randomUUID(),
    buildkiteBuildNumber: Number(number(4)),
    azureBuildId: number(6),
    terraformRunId: `run-${randomString(ALNUM, 16)}`,
    spaceliftRunId: randomString(UPPER_ALNUM, 26),
  };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Claims per platform, merged over each platform's defaults (`undefined` removes one). */
export type PlatformClaims = { [P in Platform]?: Claims };

/** What {@link platformClaims} needs from the emulator. */
export interface PlatformIssuer {
  /** GitHub's issuer: key, `iss`, clock and GitHub's own claims (`overrides.github` included). */
  github: TokenIssuer;
  /** `exp - iat` for every platform but GitHub when set (the emulator's `tokenLifetimeSeconds`). */
  lifetimeSeconds?: number;
  overrides: PlatformClaims;
  ids: RunIds;
}

/** One token's particulars. */
export interface PlatformTokenRequest {
  /** The `aud`; default {@link PLATFORM_AUDIENCES}. */
  audience?: string;
  /** Merged last (`undefined` removes a claim). */
  claims?: Claims;
  /** `exp - iat` asked for by the request (Buildkite's `lifetime`); wins over every default. */
  lifetimeSeconds?: number;
  /** Azure: the service connection's name, making `sub` `sc://ORG/PROJECT/NAME`. */
  serviceConnection?: string;
  /** Google: `format=full` (adds `email`, `email_verified` and `google.compute_engine`); default true. */
  full?: boolean;
  /** Buildkite: optional claims asked for (`organization_id`, `pipeline_id`); others are ignored. */
  optionalClaims?: readonly string[];
  /** CircleCI: the v2 token (`CIRCLE_OIDC_TOKEN_V2`) adds the VCS claims; default true. */
  circleciV2?: boolean;
}

/** The claims of a fresh `platform` token, overrides applied last. */
export function platformClaims(ctx: PlatformIssuer, platform: Platform, request: PlatformTokenRequest = {}): Claims {
  const audience = request.audience ?? PLATFORM_AUDIENCES[platform];
  if (platform === "github") {
    // GitHub's overrides are already in ctx.github.claims, which the token endpoint uses too.
    const issuer = request.lifetimeSeconds ? { ...ctx.github, lifetimeSeconds: request.lifetimeSeconds } : ctx.github;
    return buildClaims(issuer, audience, request.claims);
  }
  const iat = Math.floor(ctx.github.now() / 1000);
  const exp = iat + (request.lifetimeSeconds || ctx.lifetimeSeconds || PLATFORM_LIFETIMES[platform]);
  const iss = ctx.github.issuer;
  const ids = ctx.ids;
  let claims: Claims;
  switch (platform) {
    case "gitlab": {
      const sha = randomHex(20);
      claims = {
        namespace_id: "72",
        namespace_path: GITLAB_NAMESPACE,
        project_id: "20",
        project_path: GITLAB_PROJECT,
        user_id: "1",
        user_login: "octocat",
        user_email: "octocat@example.com",
        user_access_level: "maintainer",
        pipeline_id: ids.gitlabPipelineId,
        pipeline_source: "push",
        job_id: ids.gitlabJobId,
        ref: "main",
        ref_type: "branch",
        ref_path: "refs/heads/main",
        ref_protected: "true",
        runner_id: 12270837,
        runner_environment: "gitlab-hosted",
        sha,
        project_visibility: "private",
        ci_config_ref_uri: `gitlab.com/${GITLAB_PROJECT}//.gitlab-ci.yml@refs/heads/main`,
        ci_config_sha: sha,
        jti: crypto.randomUUID(),
        iss,
        iat,
        nbf: iat - 5,
        exp,
        sub: PLATFORM_SUBJECTS.gitlab,
        aud: audience,
      };
      break;
    }
    case "circleci":
      claims = {
        iss,
        sub: PLATFORM_SUBJECTS.circleci,
        aud: audience,
        iat,
        exp,
        "oidc.circleci.com/project-id": CIRCLECI_PROJECT_ID,
        "oidc.circleci.com/context-ids": [CIRCLECI_CONTEXT_ID],
        ...(request.circleciV2 === false ? {} : {
          "oidc.circleci.com/vcs-origin": "github.com/octo-org/octo-repo",
          "oidc.circleci.com/vcs-ref": "refs/heads/main",
          "oidc.circleci.com/ssh-rerun": false,
        }),
      };
      break;
    case "bitbucket":
      claims = {
        sub: PLATFORM_SUBJECTS.bitbucket,
        aud: audience,
        stepUuid: BITBUCKET_STEP_UUID,
        iss,
        repositoryUuid: BITBUCKET_REPO_UUID,
        branchName: "main",
        exp,
        iat,
        pipelineUuid: ids.bitbucketPipelineUuid,
        workspaceUuid: `{${BITBUCKET_WORKSPACE_UUID}}`,
      };
      break;
    case "buildkite": {
      const optional = new Set(request.optionalClaims ?? []);
      claims = {
        iss,
        sub: PLATFORM_SUBJECTS.buildkite,
        aud: audience,
        iat,
        nbf: iat,
        exp,
        jti: crypto.randomUUID(),
        organization_slug: BUILDKITE_ORG,
        pipeline_slug: BUILDKITE_PIPELINE,
        build_number: ids.buildkiteBuildNumber,
        build_branch: "main",
        build_commit: BUILDKITE_COMMIT,
        step_key: BUILDKITE_STEP,
        job_id: ids.buildkiteJobId,
        agent_id: ids.buildkiteAgentId,
        ...(optional.has("organization_id") ? { organization_id: BUILDKITE_ORG_ID } : {}),
        ...(optional.has("pipeline_id") ? { pipeline_id: BUILDKITE_PIPELINE_ID } : {}),
      };
      break;
    }
    case "azure":
      claims = {
        jti: crypto.randomUUID(),
        sub: request.serviceConnection === undefined
          ? PLATFORM_SUBJECTS.azure
          : `sc://${AZURE_ORG}/${AZURE_PROJECT}/${request.serviceConnection}`,
        aud: audience,
        org_id: AZURE_ORG_ID,
        prj_id: AZURE_PROJECT_ID,
        def_id: "12",
        rpo_id: AZURE_REPO_ID,
        rpo_uri: `https://dev.azure.com/${AZURE_ORG}/${AZURE_PROJECT}/_git/${AZURE_PROJECT}`,
        rpo_ver: randomHex(20),
        rpo_ref: "refs/heads/main",
        run_id: ids.azureBuildId,
        iss,
        nbf: iat - 600,
        exp,
        iat,
      };
      break;
    case "gcp":
      claims = {
        aud: audience,
        azp: GCP_SERVICE_ACCOUNT_ID,
        exp,
        iat,
        iss,
        sub: GCP_SERVICE_ACCOUNT_ID,
        ...(request.full === false ? {} : {
          email: GCP_SERVICE_ACCOUNT_EMAIL,
          email_verified: true,
          google: {
            compute_engine: {
              instance_creation_timestamp: 1700000000,
              instance_id: "4567890123456789012",
              instance_name: "ci-runner-1",
              project_id: GCP_PROJECT,
              project_number: GCP_PROJECT_NUMBER,
              zone: "us-central1-a",
            },
          },
        }),
      };
      break;
    case "terraform":
      claims = {
        jti: crypto.randomUUID(),
        iss,
        aud: audience,
        iat,
        nbf: iat,
        exp,
        sub: PLATFORM_SUBJECTS.terraform,
        terraform_run_phase: "apply",
        terraform_workspace_id: "ws-mbsd5E3Ktt5Rg2Xm",
        terraform_workspace_name: TERRAFORM_WORKSPACE,
        terraform_organization_id: "org-GRNbCjYNpBB6NEH9",
        terraform_organization_name: TERRAFORM_ORG,
        terraform_project_id: "prj-vegSA59s1XPwMr2t",
        terraform_project_name: TERRAFORM_PROJECT,
        terraform_run_id: ids.terraformRunId,
        terraform_full_workspace:
          `organization:${TERRAFORM_ORG}:project:${TERRAFORM_PROJECT}:workspace:${TERRAFORM_WORKSPACE}`,
      };
      break;
    case "spacelift":
      claims = {
        aud: audience,
        exp,
        iat,
        iss,
        nbf: iat,
        sub: PLATFORM_SUBJECTS.spacelift,
        spaceId: SPACELIFT_SPACE,
        callerType: "stack",
        callerId: SPACELIFT_STACK,
        runType: "TRACKED",
        runId: ids.spaceliftRunId,
        scope: "write",
      };
      break;
  }
  for (const [name, value] of Object.entries({ ...ctx.overrides[platform], ...request.claims })) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/** Fixed names the emulator's env for each platform mentions. */
export const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  gitlabProject: GITLAB_PROJECT,
  azureProject: AZURE_PROJECT,
  terraformWorkspace: TERRAFORM_WORKSPACE,
  buildkiteOrganization: BUILDKITE_ORG,
  buildkitePipeline: BUILDKITE_PIPELINE,
  bitbucketRepoUuid: BITBUCKET_REPO_UUID,
  bitbucketStepUuid: BITBUCKET_STEP_UUID,
  gcpProject: GCP_PROJECT,
  gcpProjectNumber: String(GCP_PROJECT_NUMBER),
};
