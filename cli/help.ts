/**
 * The text of `oidc2aws --help` (imported only when it is printed).
 *
 * @module
 */
import { VERSION } from "../lib/version.ts";

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
  -h, --help           this text
  -V, --version        the version

Examples:
  oidc2aws whoami --role-arn arn:aws:iam::123456789012:role/deploy --token-server GitHub
  eval "$(oidc2aws env --profile deploy)"
  oidc2aws exec --profile deploy -- aws s3 ls
  oidc2aws trust-policy --platform GitHub --repo octo-org/app --environment prod --account 123456789012
  oidc2aws doctor --policy trust.json --profile deploy
  [profile deploy-cli]
  credential_process = npx oidc2aws credential-process --profile deploy

Exit codes: 0 success; 2 usage or configuration error; 1 any other failure; exec: the command's code;
doctor: 0 allowed, 1 refused, 2 a bad policy or bad input.
Docs: https://github.com/oidc2aws/oidc2aws#readme
`;
