/**
 * Least-privilege trust policies for a CI job's OIDC token: the platform's OIDC provider as the
 * federated principal, `sts:AssumeRoleWithWebIdentity`, `StringEquals` on `aud`, and `StringEquals`
 * (exact) or `StringLike` (patterns) on `sub` in the platform's documented subject format. Pure.
 *
 * Subject formats:
 * - GitHub: https://docs.github.com/en/actions/reference/security/oidc (`repo:O/R:ref:refs/heads/B`,
 *   `…:environment:E`, `…:pull_request`, `…:ref:refs/tags/T`)
 * - GitLab: https://docs.gitlab.com/ci/secrets/id_token_authentication/ (`project_path:G/P:ref_type:branch:ref:B`)
 * - Buildkite: https://buildkite.com/docs/agent/v3/cli-oidc (`organization:O:pipeline:P:ref:R:commit:C:step:S`)
 * - CircleCI: https://circleci.com/docs/openid-connect-tokens/ (`org/ORG_ID/project/PROJECT_ID/user/USER_ID`)
 * - Bitbucket: https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/
 *   (`{REPOSITORY_UUID}:{STEP_UUID}`, `{REPOSITORY_UUID}:{ENVIRONMENT_UUID}:{STEP_UUID}` in a deployment)
 * - Azure DevOps: https://learn.microsoft.com/en-us/azure/devops/pipelines/release/configure-workload-identity
 *   (`sc://ORG/PROJECT/SERVICE_CONNECTION`, issuer `https://vstoken.dev.azure.com/ORGANIZATION_ID`)
 * - HCP Terraform: https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/workload-identity-tokens
 *   (`organization:O:project:P:workspace:W:run_phase:PHASE`)
 *
 * @module
 */
import { CliError } from "../../lib/errors.ts";
import { WEB_IDENTITY_ACTION } from "./evaluate.ts";

/** The platforms `trust-policy` writes policies for. */
export const POLICY_PLATFORMS = [
  "GitHub",
  "GitLab",
  "Buildkite",
  "CircleCI",
  "Bitbucket",
  "AzureDevOps",
  "TerraformCloud",
] as const;
/** A platform `trust-policy` writes policies for. */
export type PolicyPlatform = (typeof POLICY_PLATFORMS)[number];

/** Where each platform documents its OIDC subject, for the platforms refused. */
const REFUSED: Record<string, string> = {
  spacelift:
    "its subject names spaces and stacks per account: see https://docs.spacelift.io/integrations/cloud-providers/oidc/aws-oidc",
  googlecloud: "Google is built into IAM (accounts.google.com): see " +
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html",
  kubernetes:
    "its issuer is the cluster's: see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html",
};

/** What the job the policy admits looks like. */
export interface PolicyRequest {
  platform: string;
  /** GitHub `OWNER/REPO`, GitLab `GROUP/PROJECT`, Buildkite `ORG/PIPELINE`, CircleCI `ORG_ID/PROJECT_ID`, HCP Terraform `ORG/PROJECT/WORKSPACE`. */
  repo: string;
  branch?: string;
  environment?: string;
  tag?: string;
  pullRequest?: boolean;
  anyRef?: boolean;
  /** The AWS account of the OIDC provider; default the placeholder `ACCOUNT_ID`. */
  account?: string;
  audience?: string;
  /** GHES or GHE.com host, a self-managed GitLab or Terraform Enterprise host. */
  host?: string;
}

/** A trust policy and the OIDC provider it trusts. */
export interface GeneratedPolicy {
  policy: {
    Version: "2012-10-17";
    Statement: Array<{
      Effect: "Allow";
      Principal: { Federated: string };
      Action: string;
      Condition: Record<string, Record<string, string>>;
    }>;
  };
  /** The issuer without scheme, as IAM names the provider and its condition keys. */
  provider: string;
  /** The audience the provider must list (its client id). */
  audience: string;
  /** The `sub` value or pattern. */
  subject: string;
}

function usage(message: string): CliError {
  return new CliError("ERR_USAGE", message);
}

const hasWildcard = (s: string) => /[*?]/.test(s);
/** A name safe inside a subject: no `:` (the separator), no control characters, not empty. */
function part(value: string, flag: string): string {
  // deno-lint-ignore no-control-regex -- refusing control characters is the point
  if (value === "" || /[:\x00-\x1f\x7f]/.test(value)) {
    throw usage(`${flag} ${JSON.stringify(value.slice(0, 80))} must be non-empty, without ":" or control characters`);
  }
  return value;
}

/** The platform's name as `trust-policy` knows it (any case, a few aliases), or a refusal. */
export function policyPlatform(name: string): PolicyPlatform {
  const key = name.toLowerCase().replace(/[\s_-]/g, "");
  const aliases: Record<string, PolicyPlatform> = {
    github: "GitHub",
    ghes: "GitHub",
    gitlab: "GitLab",
    buildkite: "Buildkite",
    circleci: "CircleCI",
    terraformcloud: "TerraformCloud",
    hcpterraform: "TerraformCloud",
    hcp: "TerraformCloud",
    tfc: "TerraformCloud",
    bitbucket: "Bitbucket",
    azuredevops: "AzureDevOps",
    azure: "AzureDevOps",
  };
  if (Object.hasOwn(aliases, key)) return aliases[key];
  const refused = Object.hasOwn(REFUSED, key)
    ? REFUSED[key]
    : Object.hasOwn(REFUSED, key.replace("azure", "azuredevops"))
    ? REFUSED.azuredevops
    : undefined;
  if (refused) {
    throw usage(`trust-policy does not write policies for ${JSON.stringify(name.slice(0, 40))} yet: ${refused}`);
  }
  throw usage(`--platform must be one of ${POLICY_PLATFORMS.join(", ")}, not ${JSON.stringify(name.slice(0, 40))}`);
}

/** The one ref selector given, if any; more than one is a usage error. */
function selector(r: PolicyRequest): "branch" | "environment" | "tag" | "pullRequest" | "anyRef" | undefined {
  const given = (["branch", "environment", "tag", "pullRequest", "anyRef"] as const).filter((k) =>
    r[k] !== undefined && r[k] !== false
  );
  if (given.length > 1) {
    throw usage(
      "give one of --branch, --environment, --tag, --pull-request and --any-ref (one policy per kind of job)",
    );
  }
  return given[0];
}

const FLAG = {
  branch: "--branch",
  environment: "--environment",
  tag: "--tag",
  pullRequest: "--pull-request",
  anyRef: "--any-ref",
} as const;

/** Splits `--repo` into exactly `count` parts (names as each platform calls them); the first never a pattern. */
function repoParts(repo: string, names: string[]): string[] {
  const parts = repo.split("/");
  if (parts.length !== names.length || parts.some((p) => p === "")) {
    throw usage(`--repo must be ${names.join("/")}, not ${JSON.stringify(repo.slice(0, 80))}`);
  }
  parts.forEach((p) => part(p, "--repo"));
  if (hasWildcard(parts[0])) {
    throw usage(
      `--repo ${JSON.stringify(repo.slice(0, 80))} has a pattern in its ${names[0]}: the role would trust ` +
        `jobs of any ${names[0]}, also other people's. Name the ${names[0]}`,
    );
  }
  return parts;
}

/**
 * Writes the trust policy for the jobs a request describes. Throws `ERR_USAGE` for a platform it
 * cannot write for, a missing or contradictory flag, or a subject that would admit any repository.
 *
 * @example
 * ```ts
 * import { generateTrustPolicy } from "./generate.ts";
 * const { policy } = generateTrustPolicy({ platform: "GitHub", repo: "octo-org/app", environment: "prod" });
 * console.log(policy.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]);
 * // "repo:octo-org/app:environment:prod"
 * ```
 */
export function generateTrustPolicy(request: PolicyRequest): GeneratedPolicy {
  const platform = policyPlatform(request.platform);
  const kind = selector(request);
  if (request.account !== undefined && !/^\d{12}$/.test(request.account)) {
    throw usage(`--account must be a 12-digit AWS account id, not ${JSON.stringify(request.account.slice(0, 40))}`);
  }
  if (request.audience !== undefined) part(request.audience.replace(/:/g, "_"), "--audience");
  const only = (allowed: Array<typeof kind>, why: string) => {
    if (!allowed.includes(kind)) {
      throw usage(
        kind === undefined ? `${platform} needs ${why}` : `${FLAG[kind!]} does not apply to ${platform}: ${why}`,
      );
    }
  };
  let provider: string;
  let audience = request.audience ?? "sts.amazonaws.com";
  let subject: string;
  switch (platform) {
    case "GitHub": {
      const [owner, name] = repoParts(request.repo, ["OWNER", "REPO"]);
      provider = githubProvider(request.host);
      only(
        ["branch", "environment", "tag", "pullRequest", "anyRef"],
        "one of --branch, --environment, --tag, --pull-request or --any-ref",
      );
      const repo = `repo:${owner}/${name}`;
      subject = kind === "branch"
        ? `${repo}:ref:refs/heads/${part(request.branch!, "--branch")}`
        : kind === "environment"
        ? `${repo}:environment:${part(request.environment!, "--environment")}`
        : kind === "tag"
        ? `${repo}:ref:refs/tags/${part(request.tag!, "--tag")}`
        : kind === "pullRequest"
        ? `${repo}:pull_request`
        : `${repo}:*`;
      break;
    }
    case "GitLab": {
      // GROUP/PROJECT, with any subgroups between.
      const parts = request.repo.split("/");
      if (parts.length < 2) repoParts(request.repo, ["GROUP", "PROJECT"]);
      repoParts(`${parts[0]}/${parts.slice(1).join("_")}`, ["GROUP", "PROJECT"]);
      provider = hostOf(request.host ?? "gitlab.com");
      only(
        ["branch", "tag", "anyRef"],
        "GitLab's sub names a branch or tag (no environment, no merge request): use --branch, --tag or --any-ref",
      );
      const path = `project_path:${request.repo}`;
      subject = kind === "branch"
        ? `${path}:ref_type:branch:ref:${part(request.branch!, "--branch")}`
        : kind === "tag"
        ? `${path}:ref_type:tag:ref:${part(request.tag!, "--tag")}`
        : `${path}:*`;
      break;
    }
    case "Buildkite": {
      const [org, pipeline] = repoParts(request.repo, ["ORGANIZATION", "PIPELINE"]);
      provider = "agent.buildkite.com";
      only(["branch", "tag", "anyRef"], "Buildkite's sub names a ref: use --branch, --tag or --any-ref");
      const base = `organization:${org}:pipeline:${pipeline}`;
      // The commit and the step follow the ref: always a pattern.
      subject = kind === "branch"
        ? `${base}:ref:refs/heads/${part(request.branch!, "--branch")}:*`
        : kind === "tag"
        ? `${base}:ref:refs/tags/${part(request.tag!, "--tag")}:*`
        : `${base}:*`;
      break;
    }
    case "CircleCI": {
      const [org, project] = repoParts(request.repo, ["ORGANIZATION_ID", "PROJECT_ID"]);
      provider = `oidc.circleci.com/org/${org}`;
      audience = request.audience ?? org;
      only([undefined, "anyRef"], "CircleCI's sub names the organization, project and user, not a ref");
      subject = `org/${org}/project/${project}/user/*`;
      break;
    }
    case "Bitbucket": {
      const [workspace, repoUuid] = repoParts(request.repo, ["WORKSPACE", "REPOSITORY_UUID"]);
      provider = `api.bitbucket.org/2.0/workspaces/${workspace}/pipelines-config/identity/oidc`;
      if (request.audience === undefined) {
        throw usage(
          "Bitbucket's audience is ari:cloud:bitbucket::workspace/WORKSPACE_UUID (Repository settings → OpenID " +
            "Connect): give it with --audience",
        );
      }
      only([undefined, "anyRef", "environment"], "Bitbucket's sub names the repository, environment and step by UUID");
      const repo = uuid(repoUuid, "--repo's REPOSITORY_UUID");
      subject = kind === "environment"
        ? `${repo}:${uuid(request.environment!, "--environment (a deployment environment's UUID)")}:*`
        : `${repo}:*`;
      break;
    }
    case "AzureDevOps": {
      const [org, project, connection] = repoParts(request.repo, ["ORGANIZATION", "PROJECT", "SERVICE_CONNECTION"]);
      if (request.host === undefined) {
        throw usage(
          "Azure DevOps' issuer holds the organization's id: give --host ORGANIZATION_ID " +
            "(or vstoken.dev.azure.com/ORGANIZATION_ID)",
        );
      }
      const host = hostOf(request.host);
      provider = host.includes("/") ? host : `vstoken.dev.azure.com/${host}`;
      audience = request.audience ?? "api://AzureADTokenExchange";
      only([undefined, "anyRef"], "Azure DevOps' sub names the service connection, not a ref");
      if ([project, connection].some(hasWildcard)) throw usage("--repo names one service connection: no patterns");
      subject = `sc://${org}/${project}/${connection}`;
      break;
    }
    case "TerraformCloud": {
      const [org, project, workspace] = repoParts(request.repo, ["ORGANIZATION", "PROJECT", "WORKSPACE"]);
      provider = hostOf(request.host ?? "app.terraform.io");
      audience = request.audience ?? "aws.workload.identity";
      only([undefined, "anyRef"], "HCP Terraform's sub names a workspace and run phase, not a ref");
      subject = `organization:${org}:project:${project}:workspace:${workspace}:run_phase:*`;
      break;
    }
  }
  if (subject === "*" || /^repo:\*/.test(subject)) throw usage("that policy would admit any repository");
  const account = request.account ?? "ACCOUNT_ID";
  const subOperator = hasWildcard(subject) ? "StringLike" : "StringEquals";
  const condition: Record<string, Record<string, string>> = { StringEquals: { [`${provider}:aud`]: audience } };
  if (subOperator === "StringEquals") condition.StringEquals[`${provider}:sub`] = subject;
  else condition.StringLike = { [`${provider}:sub`]: subject };
  return {
    policy: {
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${provider}` },
        Action: WEB_IDENTITY_ACTION,
        Condition: condition,
      }],
    },
    provider,
    audience,
    subject,
  };
}

/** A UUID, in the braces Bitbucket writes it with. */
function uuid(value: string, what: string): string {
  const m = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i.exec(value);
  if (!m) throw usage(`${what} must be a UUID such as {0f1e2d3c-…}, not ${JSON.stringify(value.slice(0, 80))}`);
  return `{${m[1]}}`;
}

/** A host given with or without scheme, as IAM names a provider (no scheme, no trailing slash). */
function hostOf(host: string): string {
  const bare = host.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
  if (!/^[a-z0-9.-]+(?::\d+)?(?:\/[\w./-]*)?$/i.test(bare)) {
    throw usage(`--host must be a host name such as gitlab.example.com, not ${JSON.stringify(host.slice(0, 80))}`);
  }
  return bare;
}

/** GitHub's provider: github.com's, GHE.com's (`token.actions.SUB.ghe.com`), or GHES's (`HOST/_services/token`). */
function githubProvider(host: string | undefined): string {
  if (host === undefined || /^(?:https?:\/\/)?github\.com\/?$/i.test(host)) {
    return "token.actions.githubusercontent.com";
  }
  const bare = hostOf(host);
  const ghe = /^([a-z0-9-]+)\.ghe\.com$/i.exec(bare);
  if (ghe) return `token.actions.${ghe[1]}.ghe.com`;
  return `${bare}/_services/token`;
}

/** The policy as Terraform (the provider resource and the role's policy document). */
export function asTerraform(generated: GeneratedPolicy): string {
  const { policy, provider, audience } = generated;
  const statement = policy.Statement[0];
  const conditions = Object.entries(statement.Condition).flatMap(([test, block]) =>
    Object.entries(block).map(([variable, value]) =>
      [
        "    condition {",
        `      test     = ${JSON.stringify(test)}`,
        `      variable = ${JSON.stringify(variable)}`,
        `      values   = [${JSON.stringify(value)}]`,
        "    }",
      ].join("\n")
    )
  );
  return [
    `resource "aws_iam_openid_connect_provider" "ci" {`,
    `  url            = ${JSON.stringify(`https://${provider}`)}`,
    `  client_id_list = [${JSON.stringify(audience)}]`,
    `}`,
    ``,
    `data "aws_iam_policy_document" "ci_trust" {`,
    `  statement {`,
    `    effect  = "Allow"`,
    `    actions = [${JSON.stringify(statement.Action)}]`,
    `    principals {`,
    `      type        = "Federated"`,
    `      identifiers = [aws_iam_openid_connect_provider.ci.arn]`,
    `    }`,
    ...conditions,
    `  }`,
    `}`,
    ``,
  ].join("\n");
}

/** The policy as a CloudFormation template (YAML): the provider resource and the role. */
export function asCloudFormation(generated: GeneratedPolicy): string {
  const { policy, provider, audience } = generated;
  const statement = policy.Statement[0];
  const conditions = Object.entries(statement.Condition).flatMap(([test, block]) => [
    `                ${test}:`,
    ...Object.entries(block).map(([key, value]) =>
      `                  ${JSON.stringify(key)}: ${JSON.stringify(value)}`
    ),
  ]);
  return [
    "Resources:",
    "  CiOidcProvider:",
    "    Type: AWS::IAM::OIDCProvider",
    "    Properties:",
    `      Url: ${JSON.stringify(`https://${provider}`)}`,
    `      ClientIdList: [${JSON.stringify(audience)}]`,
    "  CiRole:",
    "    Type: AWS::IAM::Role",
    "    Properties:",
    "      AssumeRolePolicyDocument:",
    `        Version: "2012-10-17"`,
    "        Statement:",
    "          - Effect: Allow",
    `            Action: ${statement.Action}`,
    "            Principal:",
    "              Federated: !GetAtt CiOidcProvider.Arn",
    "            Condition:",
    ...conditions,
    "",
  ].join("\n");
}
