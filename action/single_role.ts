/**
 * The single-role mode, a drop-in for aws-actions/configure-aws-credentials: the same inputs with the
 * same meaning, the same variables exported to `$GITHUB_ENV` (masked first) and the same outputs.
 *
 * @module
 */
import { CliError, ConfigError, type ConfigErrorCode } from "../lib/errors.ts";
import { type Profile, type ProfileOverrides, resolveProfile } from "../lib/profile.ts";
import type { LoadedConfig } from "../lib/config_files.ts";
import type { Credentials } from "../lib/credentials.ts";
import type { Runtime } from "../lib/_runtime/mod.ts";
import { isoTime } from "../cli/output.ts";
import { booleanInput, input, listInput, type StepOutput } from "./runner.ts";
import { assumeOnce, checkAccount, describeCredentials } from "./shared.ts";

/** configure-aws-credentials' defaults: session name `GitHubActions`, one hour, audience `sts.amazonaws.com`. */
export const DEFAULT_SESSION_NAME = "GitHubActions";
const DEFAULT_DURATION = 3600;
const DEFAULT_AUDIENCE = "sts.amazonaws.com";
/** The name of the profile the inputs make (it appears in no message: each value is named by its input). */
const PROFILE = "role-to-assume";
/** What configure-aws-credentials calls special characters in a key (its `special-characters-workaround`). */
const SPECIAL_CHARACTERS = /[!@#$%^&*()_+\-=[\]{};':"\\|,.<>/?]/;

/** Assumes role-to-assume and hands its credentials to the later steps (and the outputs). */
export async function runSingleRole(runtime: Runtime, step: StepOutput): Promise<void> {
  const env = runtime.env;
  const profile = await profileOf(runtime);
  const outputEnv = booleanInput(env, "output-env-credentials", true);
  if (booleanInput(env, "unset-current-credentials", false) && outputEnv) {
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"]) {
      step.exportVariable(name, "");
    }
    step.exportVariable("AWS_DEFAULT_REGION", "");
  }
  const workaround = booleanInput(env, "special-characters-workaround", false);
  let credentials: Credentials;
  for (let attempt = 1;; attempt++) {
    credentials = await assumeOnce(runtime, profile, { ignoreRetryInputs: workaround });
    const special = SPECIAL_CHARACTERS.test(credentials.accessKeyId) ||
      SPECIAL_CHARACTERS.test(credentials.secretAccessKey);
    if (!workaround || !special) break;
    if (attempt >= 50) {
      throw new CliError(
        "ERR_USAGE",
        "special-characters-workaround: 50 sessions in a row had a key with special characters; remove the " +
          "input (the runner and the AWS SDKs take any key through $GITHUB_ENV)",
      );
    }
  }
  checkAccount(env, credentials);
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  step.mask(accessKeyId, secretAccessKey, sessionToken);
  if (booleanInput(env, "mask-aws-account-id", false)) step.mask(credentials.accountId, credentials.assumedRoleArn);
  if (outputEnv) {
    step.exportVariable("AWS_ACCESS_KEY_ID", accessKeyId);
    step.exportVariable("AWS_SECRET_ACCESS_KEY", secretAccessKey);
    step.exportVariable("AWS_SESSION_TOKEN", sessionToken);
    if (profile.region) {
      step.exportVariable("AWS_REGION", profile.region);
      step.exportVariable("AWS_DEFAULT_REGION", profile.region);
    }
  }
  step.setOutput("aws-account-id", credentials.accountId);
  step.setOutput("authenticated-arn", credentials.assumedRoleArn);
  if (booleanInput(env, "output-credentials", false)) {
    step.setOutput("aws-access-key-id", accessKeyId);
    step.setOutput("aws-secret-access-key", secretAccessKey);
    step.setOutput("aws-session-token", sessionToken);
    step.setOutput("aws-expiration", isoTime(credentials.expiration));
  }
  await step.flush(runtime);
  runtime.write("stdout", describeCredentials(credentials, Date.now(), "Assumed"));
  runtime.write(
    "stdout",
    outputEnv
      ? `Exported AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN${
        profile.region ? ", AWS_REGION and AWS_DEFAULT_REGION" : ""
      } for the later steps (valid until ${isoTime(credentials.expiration)})\n`
      : "output-env-credentials is false: nothing exported to the environment\n",
  );
}

/** The inputs as a profile: each value validated by the library and named by its input in messages. */
async function profileOf(runtime: Runtime): Promise<Profile> {
  const env = runtime.env;
  const role = input(env, "role-to-assume");
  if (!role.startsWith("arn:")) {
    throw new CliError(
      "ERR_USAGE",
      `role-to-assume is ${JSON.stringify(role)}, a role name: give the role's ARN ` +
        "(arn:aws:iam::123456789012:role/NAME); configure-aws-credentials builds it from static keys' account, " +
        "which this action does not take",
    );
  }
  const chaining = booleanInput(env, "role-chaining", false);
  const tokenFile = input(env, "web-identity-token-file");
  if (booleanInput(env, "force-skip-oidc", false) && !chaining && !tokenFile) {
    throw new CliError(
      "ERR_USAGE",
      "force-skip-oidc is true, but without the job's OIDC token there is nothing to assume role-to-assume with: " +
        "set web-identity-token-file, or role-chaining: true with keys in the step's env, or remove force-skip-oidc",
    );
  }
  if (chaining && tokenFile) {
    throw new CliError(
      "ERR_USAGE",
      "role-chaining and web-identity-token-file are both set: role-chaining signs with the keys in the " +
        "environment, web-identity-token-file trades a token; keep one",
    );
  }
  const externalId = input(env, "role-external-id");
  if (externalId && !chaining) {
    throw new CliError(
      "ERR_USAGE",
      "role-external-id applies to sts:AssumeRole with keys (role-chaining: true); AssumeRoleWithWebIdentity " +
        "has no external id (the trust policy tests the token's claims instead): remove it",
    );
  }
  const audience = input(env, "audience") || DEFAULT_AUDIENCE;
  if (/[,\s]/.test(audience)) {
    throw new CliError("ERR_USAGE", `audience is ${JSON.stringify(audience)}: give one audience, without commas`);
  }
  // The settings that have no override go in the profile's section; messages name their input (below).
  const section: Record<string, string> = {};
  if (chaining) section.credential_source = "Environment";
  if (externalId) section.external_id = externalId;
  const endpoint = input(env, "sts-endpoint");
  if (endpoint) section.endpoint_url = endpoint;
  const config: LoadedConfig = {
    profiles: { [PROFILE]: section },
    ssoSessions: {},
    services: {},
    files: {},
    origins: {},
  };
  const workspace = env.GITHUB_WORKSPACE;
  const overrides: ProfileOverrides = {
    roleArn: role,
    roleSessionName: input(env, "role-session-name") || DEFAULT_SESSION_NAME,
    durationSeconds: input(env, "role-duration-seconds") || DEFAULT_DURATION,
    labels: {
      roleArn: "role-to-assume",
      roleSessionName: "role-session-name",
      durationSeconds: "role-duration-seconds",
      region: "aws-region",
      policy: "inline-session-policy",
      policyArns: "managed-session-policies",
      tokenFile: "web-identity-token-file",
      tokenServer: "audience",
    },
  };
  if (!chaining) {
    if (tokenFile) {
      // configure-aws-credentials reads a relative path from the workspace.
      overrides.tokenFile = /^([/\\]|[A-Za-z]:)/.test(tokenFile) || !workspace
        ? tokenFile
        : `${workspace.replace(/[/\\]+$/, "")}/${tokenFile}`;
    } else {
      overrides.tokenServer = `GitHub,${audience}`;
    }
  }
  const region = input(env, "aws-region");
  if (region) overrides.region = region;
  const policy = input(env, "inline-session-policy");
  if (policy) overrides.policy = policy;
  const policyArns = listInput(env, "managed-session-policies", /[\r\n,]+/);
  if (policyArns.length) overrides.policyArns = policyArns;
  try {
    return await resolveProfile({
      profile: PROFILE,
      config,
      env,
      readFile: runtime.readFile,
      overrides,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A setting from the section above: name its input, not the made-up profile.
    const named = err.message
      .replace(`external_id in profile "${PROFILE}"`, "role-external-id")
      .replace(`endpoint_url in profile "${PROFILE}"`, "sts-endpoint");
    throw named === err.message ? err : new ConfigError(err.code as ConfigErrorCode, named, { cause: err });
  }
}
