/**
 * The action's inputs, in one table: every input of aws-actions/configure-aws-credentials (v6), each
 * supported, accepted as harmless, or refused with what to do instead, and the inputs of the
 * config-file mode. action.yml declares the same names (a test checks that they agree).
 *
 * @module
 */
import { CliError } from "../lib/errors.ts";
import type { Runtime } from "../lib/_runtime/mod.ts";
import { input, type MutableEnv } from "./runner.ts";

/** Which mode an input belongs to, or why it is refused. */
export interface InputRule {
  /** `role`: the single-role mode (role-to-assume); `profiles`: the config-file mode; `both`. */
  mode: "role" | "profiles" | "both";
  /** Set when the input is refused (in every mode): what to do instead. */
  refused?: string;
  /** The config file key that does the same in the config-file mode (for the message when it is given there). */
  profileKey?: string;
  /** Accepted and without effect: why it does no harm. */
  harmless?: string;
}

const STATIC_KEYS =
  "oidc2aws takes no long-lived keys: it trades the job's OIDC token (grant `permissions: id-token: write` and " +
  "remove the keys). To assume role-to-assume with keys you already have, put them in the step's env: " +
  "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and set role-chaining: true";
const TAGS = "session tags: AssumeRoleWithWebIdentity takes a session's tags from the token's claims " +
  "(AWS refuses Tags there), and oidc2aws sends none with role-chaining either. Remove it; a trust or " +
  "permission policy can test the token's claims (sub, repository, ref...) instead";
const PROFILE_FILES = "writes keys that never refresh into ~/.aws. Use config-file (or config) instead: every " +
  "profile of that file becomes a refreshing credential_process profile for the later steps, and default-profile " +
  "sets AWS_PROFILE";

/** Every input the action knows, in action.yml's order. */
export const INPUTS: Readonly<Record<string, InputRule>> = {
  // The single-role mode: configure-aws-credentials' inputs.
  "role-to-assume": { mode: "role" },
  "aws-region": { mode: "both" },
  audience: { mode: "role", profileKey: "web_identity_token_server = GitHub,AUDIENCE" },
  "role-session-name": { mode: "role", profileKey: "role_session_name" },
  "role-duration-seconds": { mode: "role", profileKey: "duration_seconds" },
  "inline-session-policy": { mode: "role", profileKey: "policy" },
  "managed-session-policies": { mode: "role", profileKey: "policy_arns" },
  "web-identity-token-file": { mode: "role", profileKey: "web_identity_token_file" },
  "role-chaining": { mode: "role", profileKey: "source_profile or credential_source = Environment" },
  "role-external-id": { mode: "role", profileKey: "external_id" },
  "sts-endpoint": { mode: "role", profileKey: "endpoint_url (or AWS_ENDPOINT_URL_STS)" },
  "output-credentials": {
    mode: "role",
    profileKey: "nothing: the config-file mode hands out no keys; run oidc2aws env --profile NAME in a step for them",
  },
  "output-env-credentials": { mode: "role" },
  "unset-current-credentials": { mode: "role" },
  "mask-aws-account-id": { mode: "both" },
  "allowed-account-ids": { mode: "both" },
  "special-characters-workaround": { mode: "role" },
  "http-proxy": { mode: "both" },
  "no-proxy": { mode: "both" },
  "disable-retry": { mode: "both" },
  "retry-max-attempts": { mode: "both" },
  "action-timeout-s": { mode: "both" },
  "role-skip-session-tagging": {
    mode: "both",
    harmless: "oidc2aws never sends session tags (and for OIDC, neither does configure-aws-credentials)",
  },
  "force-skip-oidc": { mode: "role" },
  "aws-access-key-id": { mode: "role", refused: STATIC_KEYS },
  "aws-secret-access-key": { mode: "role", refused: STATIC_KEYS },
  "aws-session-token": { mode: "role", refused: STATIC_KEYS },
  "aws-profile": { mode: "role", refused: PROFILE_FILES },
  "overwrite-aws-profile": { mode: "role", refused: PROFILE_FILES },
  "custom-tags": { mode: "role", refused: TAGS },
  "transitive-tag-keys": { mode: "role", refused: TAGS },
  "use-existing-credentials": {
    mode: "role",
    refused: "oidc2aws does not test the credentials already in the environment (it would take a signed " +
      "GetCallerIdentity, about as long as assuming the role again). Remove it; to assume each role once per job, " +
      "use config-file: its credentials are cached per job and refreshed when they expire",
  },
  // The config-file mode.
  "config-file": { mode: "profiles" },
  config: { mode: "profiles" },
  "default-profile": { mode: "profiles" },
  verify: { mode: "profiles" },
};

/** Which mode the inputs ask for; throws, listing every refused or misplaced input, when any is. */
export function modeOf(env: Runtime["env"]): "role" | "profiles" {
  const given = Object.keys(INPUTS).filter((name) => input(env, name) !== "");
  const profiles = given.some((name) => INPUTS[name].mode === "profiles");
  if (profiles && given.includes("role-to-assume")) {
    throw new CliError(
      "ERR_USAGE",
      "role-to-assume and config-file (or config) are two ways to use this action: give one. To have that role " +
        "next to the file's profiles, add it to the file as a profile (role_arn = ..., web_identity_token_server = " +
        "GitHub) and name it in default-profile",
    );
  }
  const mode = profiles ? "profiles" : "role";
  const problems: string[] = [];
  for (const name of given) {
    const rule = INPUTS[name];
    if (rule.refused) problems.push(`${name}: ${rule.refused}`);
    else if (rule.mode !== "both" && rule.mode !== mode) {
      problems.push(
        mode === "profiles"
          ? `${name} applies to role-to-assume only: with config-file, set ${rule.profileKey} in the profile instead`
          : `${name} applies to config-file (or config) only: give config-file, or remove it`,
      );
    }
  }
  if (given.includes("config-file") && given.includes("config")) {
    problems.push("config-file and config: give one (a path to the file, or its text)");
  }
  if (mode === "role" && !given.includes("role-to-assume")) {
    problems.push(
      "role-to-assume is not set: give the ARN of the role to assume (arn:aws:iam::123456789012:role/NAME), " +
        "or config-file with oidc2aws profiles",
    );
  }
  if (problems.length) {
    throw new CliError(
      "ERR_USAGE",
      problems.length === 1 ? problems[0] : `${problems.length} inputs are refused:\n${problems.join("\n")}`,
    );
  }
  return mode;
}

/**
 * configure-aws-credentials reads these env vars when the input is not given (its
 * `translateEnvVariables`): a job that sets `env: AWS_REGION` and no `aws-region` works unchanged.
 * Only in the single-role mode, and never over a given input.
 */
export const ENV_INPUTS: readonly string[] = [
  "AWS_REGION",
  "ROLE_TO_ASSUME",
  "WEB_IDENTITY_TOKEN_FILE",
  "ROLE_CHAINING",
  "AUDIENCE",
  "HTTP_PROXY",
  "MASK_AWS_ACCOUNT_ID",
  "ROLE_DURATION_SECONDS",
  "ROLE_EXTERNAL_ID",
  "ROLE_SESSION_NAME",
  "ROLE_SKIP_SESSION_TAGGING",
  "TRANSITIVE_TAG_KEYS",
  "INLINE_SESSION_POLICY",
  "MANAGED_SESSION_POLICIES",
  "OUTPUT_CREDENTIALS",
  "UNSET_CURRENT_CREDENTIALS",
  "DISABLE_RETRY",
  "RETRY_MAX_ATTEMPTS",
  "SPECIAL_CHARACTERS_WORKAROUND",
  "USE_EXISTING_CREDENTIALS",
  "NO_PROXY",
  "OVERWRITE_AWS_PROFILE",
];

/** Fills `INPUT_*` from {@linkcode ENV_INPUTS} where the input is empty, as configure-aws-credentials does. */
export function translateEnvInputs(env: MutableEnv): void {
  for (const name of ENV_INPUTS) {
    const value = env[name];
    const key = `INPUT_${name.replaceAll("_", "-")}`;
    if (value && !env[key]) env[key] = value;
  }
}
