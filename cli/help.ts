/**
 * The text of `oidc2aws --help`, and of each command's help (`oidc2aws help COMMAND`,
 * `oidc2aws COMMAND --help`). Imported only when help is printed.
 *
 * @module
 */
import type { Command } from "./args.ts";
import { VERSION } from "../lib/version.ts";

/** `npx oidc2aws@MAJOR.MINOR`: the examples pin this version's line, as a job should. */
const NPX = `npx oidc2aws@${VERSION.split(".").slice(0, 2).join(".")}`;

/** The text of `oidc2aws --help`. */
export const HELP: string =
  `oidc2aws ${VERSION}: AWS credentials from a CI job's OIDC token, for as many roles as the job needs

Usage: oidc2aws <command> [flags]

Commands:
  credential-process   print credential_process JSON (for credential_process = in ~/.aws/config); cached
  env                  print the credentials as environment variables (--format sh|fish|powershell|dotenv|json)
  github-env           inside GitHub Actions: mask the secrets and export the variables to $GITHUB_ENV
  exec -- CMD [ARGS]   run CMD with the role's credentials in its environment; exits with CMD's code
  whoami               assume the role and show the token's claims and the assumed role (no secrets);
                       --profile may be repeated to check several roles at once
  doctor               evaluate a role's trust policy against a token's claims, offline: which condition
                       refused it, and the fix (--policy FILE with --profile P, --token-file F or --claims JSON)
  trust-policy         print a least-privilege trust policy for a repository's jobs (--platform, --repo, and one
                       of --branch, --environment, --tag, --pull-request, --any-ref)

Flags:
  --profile NAME       the profile in AWS_CONFIG_FILE (default: AWS_DEFAULT_PROFILE, AWS_PROFILE, default);
                       a named profile ignores AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_* and AWS_ROLE_SESSION_NAME
  --role-arn ARN       the role to assume (instead of role_arn / AWS_ROLE_ARN)
  --token-server SPEC  GitHub[,AUDIENCE] | GitLab | Buildkite | CircleCI | Bitbucket | AzureDevOps |
                       TerraformCloud | Spacelift | GoogleCloud | auto | URL_ENV,TOKEN_ENV[,AUDIENCE]
                       (web_identity_token_server); with no token source configured: auto
  --token-file PATH    read the OIDC token from a file (web_identity_token_file)
  --token-env NAME     take the OIDC token from the environment variable NAME (web_identity_token_env)
  --token-process CMD  run CMD (no shell) and take the token it prints (web_identity_token_process)
  --session-name NAME  the role session name (default GitHubActions-<run id>-<attempt> in GitHub Actions)
  --region REGION      the region, for the STS endpoint and AWS_REGION
  --duration SECONDS   the session duration, 900 to 43200
  --format FORMAT      env: sh (default), fish, powershell, dotenv, json; whoami, doctor: json;
                       trust-policy: json (default), terraform, cloudformation
  --policy FILE        doctor: the trust policy (as IAM shows it, or aws iam get-role's output)
  --claims JSON        doctor: the token's claims, e.g. '{"iss":"https://…","aud":"…","sub":"…"}'
  --platform NAME      trust-policy: GitHub, GitLab, Buildkite, CircleCI, Bitbucket, AzureDevOps or TerraformCloud
  --repo NAME          trust-policy: OWNER/REPO (GitLab GROUP/PROJECT, Buildkite ORG/PIPELINE, CircleCI
                       ORG_ID/PROJECT_ID, Bitbucket WORKSPACE/REPO_UUID, Azure DevOps ORG/PROJECT/CONNECTION,
                       HCP Terraform ORG/PROJECT/WORKSPACE)
  --branch B, --environment E, --tag PATTERN, --pull-request, --any-ref
                       trust-policy: the jobs the role admits (one of them)
  --account ID, --audience AUD, --host HOST
                       trust-policy: the provider's account, the audience, a GHES/GHE.com/GitLab/TFE host
                       (Azure DevOps: the organization id)
  --no-cache           credential-process: do not read or write the credential cache
  --debug              each step's timing on stderr, and error causes (also on when RUNNER_DEBUG=1)
  -h, --help           this text; with a command (or oidc2aws help COMMAND): that command's help
  -V, --version        the version

Examples:
  oidc2aws whoami --role-arn arn:aws:iam::123456789012:role/deploy --token-server GitHub
  eval "$(oidc2aws env --profile deploy)"
  oidc2aws exec --profile deploy -- aws s3 ls
  oidc2aws trust-policy --platform GitHub --repo octo-org/app --environment prod --account 123456789012
  oidc2aws doctor --policy trust.json --profile deploy
  [profile deploy-cli]
  credential_process = ${NPX} credential-process --profile deploy

Exit codes: 0 success; 2 usage or configuration error; 1 any other failure; exec: the command's code;
doctor: 0 allowed, 1 refused, 2 a bad policy or bad input.
Docs: https://github.com/oidc2aws/oidc2aws#readme
`;

/** The flags of every command that assumes a role: where the role and the token come from. */
const PROFILE_FLAGS =
  `  --profile NAME       the profile in AWS_CONFIG_FILE (default: AWS_DEFAULT_PROFILE, AWS_PROFILE, default)
  --role-arn ARN       the role to assume (instead of role_arn / AWS_ROLE_ARN)
  --token-server SPEC  where the OIDC token comes from: GitHub[,AUDIENCE], GitLab, Buildkite, ... or auto
  --token-file PATH    read the OIDC token from a file
  --token-env NAME     take the OIDC token from the environment variable NAME
  --token-process CMD  run CMD (no shell) and take the token it prints
  --session-name NAME  the role session name
  --region REGION      the region, for the STS endpoint and AWS_REGION
  --duration SECONDS   the session duration, 900 to 43200
  --debug              each step's timing on stderr, and error causes`;

const MORE = "Run oidc2aws --help for every command and flag.";

/** Each command's help: what it does, its usage, the flags it takes, an example. */
const COMMAND_HELP: Record<Command, string> = {
  "credential-process": `oidc2aws credential-process: print the credentials as credential_process JSON, for the AWS
SDKs and CLI to call from ~/.aws/config. Cached until shortly before they expire.

Usage: oidc2aws credential-process [flags]

Flags:
${PROFILE_FLAGS}
  --no-cache           do not read or write the credential cache

Example (in ~/.aws/config):
  [profile deploy-cli]
  credential_process = ${NPX} credential-process --profile deploy
`,
  env: `oidc2aws env: print the credentials as environment variables, for a shell to evaluate.

Usage: oidc2aws env [flags]

Flags:
${PROFILE_FLAGS}
  --format FORMAT      sh (default), fish, powershell, dotenv, json

Example:
  eval "$(oidc2aws env --profile deploy)"
`,
  "github-env": `oidc2aws github-env: inside GitHub Actions, mask the secrets and export the credentials as
variables to $GITHUB_ENV, for the job's later steps.

Usage: oidc2aws github-env [flags]

Flags:
${PROFILE_FLAGS}

Example (a step of a job with permissions: id-token: write):
  - run: ${NPX} github-env --role-arn arn:aws:iam::123456789012:role/deploy
`,
  exec: `oidc2aws exec: run a command with the role's credentials in its environment; exits with the
command's exit code, and passes on the signals it gets.

Usage: oidc2aws exec [flags] -- COMMAND [ARGS...]

Flags:
${PROFILE_FLAGS}

Example:
  oidc2aws exec --profile deploy -- aws s3 ls
`,
  whoami: `oidc2aws whoami: assume the role and show the token's claims and the assumed role (no secrets).

Usage: oidc2aws whoami [flags]

Flags:
${
    PROFILE_FLAGS.replace(
      "(default: AWS_DEFAULT_PROFILE",
      "(repeatable, to check several roles at once; default:\n                       AWS_DEFAULT_PROFILE",
    )
  }
  --format json        the result as JSON

Example:
  oidc2aws whoami --role-arn arn:aws:iam::123456789012:role/deploy --token-server GitHub
`,
  doctor: `oidc2aws doctor: evaluate a role's trust policy against a token's claims, offline: which condition
refused it, and the fix. Exits 0 when the policy allows the token, 1 when it refuses it, 2 for bad input.

Usage: oidc2aws doctor --policy FILE (--profile NAME | --token-file PATH | --claims JSON) [flags]

Flags:
  --policy FILE        the trust policy (as IAM shows it, or aws iam get-role's output)
  --profile NAME       take the claims of a fresh token from this profile's token source
                       (--token-server, --token-env and --token-process override it)
  --role-arn ARN       with --profile: the profile's role, for one that names none
  --session-name, --region, --duration
                       with --profile: accepted as by the other commands; they change no claim
  --token-file PATH    take the claims of the token in this file
  --claims JSON        the claims themselves, e.g. '{"iss":"https://…","aud":"…","sub":"…"}'
  --format json        the verdict as JSON
  --debug              each step's timing on stderr, and error causes

Example:
  oidc2aws doctor --policy trust.json --profile deploy
`,
  "trust-policy": `oidc2aws trust-policy: print a least-privilege trust policy for a repository's jobs.

Usage: oidc2aws trust-policy --platform NAME --repo NAME (--branch B | --environment E | --tag PATTERN |
                             --pull-request | --any-ref) [flags]

Flags:
  --platform NAME      GitHub, GitLab, Buildkite, CircleCI, Bitbucket, AzureDevOps or TerraformCloud
  --repo NAME          OWNER/REPO (GitLab GROUP/PROJECT, Buildkite ORG/PIPELINE, ...: see oidc2aws --help)
  --branch B           the jobs of this branch
  --environment E      the jobs of this deployment environment
  --tag PATTERN        the jobs of the tags matching PATTERN
  --pull-request       the jobs of pull requests
  --any-ref            the jobs of any branch or tag
  --account ID         the AWS account of the OIDC provider
  --audience AUD       the token's audience
  --host HOST          a GHES, GHE.com, self-managed GitLab or TFE host (Azure DevOps: the organization id)
  --format FORMAT      json (default), terraform, cloudformation
  --debug              error causes on stderr

Example:
  oidc2aws trust-policy --platform GitHub --repo octo-org/app --environment prod --account 123456789012
`,
};

/** The help of one command, or `oidc2aws --help`'s text when `command` is undefined. */
export function helpText(command?: Command): string {
  return command === undefined ? HELP : `${COMMAND_HELP[command]}\n${MORE}\n`;
}
