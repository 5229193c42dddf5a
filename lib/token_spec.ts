/**
 * Where a profile's OIDC token comes from: the `web_identity_token_server` grammar of the seed
 * proposal (with a known name for each major CI platform), token files, env vars and commands.
 *
 * @module
 */
import { ConfigError, type ValueOrigin } from "./errors.ts";
import { shellSplit } from "./config.ts";
import { clip } from "./_redact.ts";
import { audienceOf, DEFAULT_AUDIENCE, entryNamed, SOURCES } from "./sources/registry.ts";

export { DEFAULT_AUDIENCE };

/** The CI platforms oidc2aws knows by name. */
export type Platform =
  | "GitHub"
  | "Forgejo"
  | "GHES"
  | "GitLab"
  | "Buildkite"
  | "CircleCI"
  | "Bitbucket"
  | "AzureDevOps"
  | "TerraformCloud"
  | "Spacelift"
  | "GoogleCloud"
  | "Kubernetes";

/** A token requested over HTTP with the GitHub Actions protocol (GitHub, GHES, Forgejo, or any server). */
export interface ServerTokenSpec {
  /** Tells this spec from the others. */
  type: "server";
  /** The known server's name, or `undefined` for the manual form. */
  name: "GitHub" | "Forgejo" | "GHES" | undefined;
  /** The name of the env var that holds the token request URL. */
  urlEnv: string;
  /** The name of the env var that holds the request bearer token. */
  tokenEnv: string;
  /** The audience to ask for; `undefined` sends none (the server's default). */
  audience: string | undefined;
}

/** A token requested from the Buildkite agent API (`POST …/jobs/ID/oidc/tokens`). */
export interface BuildkiteTokenSpec {
  /** Tells this spec from the others. */
  type: "buildkite";
  /** The audience to ask for; `undefined` sends none (Buildkite's default). */
  audience: string | undefined;
}

/** A token requested from Azure DevOps (`POST $SYSTEM_OIDCREQUESTURI`); its audience is fixed. */
export interface AzureTokenSpec {
  /** Tells this spec from the others. */
  type: "azure";
  /** The service connection to request the token for, if any. */
  serviceConnectionId: string | undefined;
}

/** A token from Google Cloud's metadata server (an identity token for the VM's service account). */
export interface GoogleTokenSpec {
  /** Tells this spec from the others. */
  type: "google";
  /** The audience the identity token is minted for (default `sts.amazonaws.com`). */
  audience: string;
}

/** A token the CI put in an environment variable (GitLab, CircleCI, Bitbucket, HCP Terraform, Spacelift, any). */
export interface EnvTokenSpec {
  /** Tells this spec from the others. */
  type: "env";
  /** The variable; the first of `alternatives` that is set is used when it is not. */
  name: string;
  /** Other variables to try, in order, when `name` is not set (e.g. CircleCI's older `CIRCLE_OIDC_TOKEN`). */
  alternatives?: string[];
  /** The platform that sets it, for messages. */
  platform?: Platform;
}

/** A token printed by a command (`circleci run oidc get`, `buildkite-agent oidc request-token`, ...). */
export interface ProcessTokenSpec {
  /** Tells this spec from the others. */
  type: "process";
  /** The command and its arguments; run without a shell. */
  command: string[];
  /** The platform whose tool the command is, for messages. */
  platform?: Platform;
}

/** A token read from a file on every call (EKS IRSA, self-hosted runners). */
export interface FileTokenSpec {
  /** Tells this spec from the others. */
  type: "file";
  /** The file's path. */
  path: string;
}

/** Detect the platform from its environment at each call (see `detectTokenSource`). */
export interface AutoTokenSpec {
  /** Tells this spec from the others. */
  type: "auto";
  /** The audience to ask for where the platform lets us choose. Default `sts.amazonaws.com`. */
  audience: string | undefined;
}

/** Where to get the OIDC token. */
export type TokenSpec =
  | ServerTokenSpec
  | BuildkiteTokenSpec
  | AzureTokenSpec
  | GoogleTokenSpec
  | EnvTokenSpec
  | ProcessTokenSpec
  | FileTokenSpec
  | AutoTokenSpec;

/** A spec with `auto` resolved: where a token actually comes from. */
export type ConcreteTokenSpec = Exclude<TokenSpec, AutoTokenSpec>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The accepted forms of `web_identity_token_server`, for messages (from the registry of sources). @internal */
export function tokenServerForms(): string {
  const forms = SOURCES.flatMap((entry) => (entry.form ? [entry.form] : []));
  return `${forms.join(", ")}, auto[,AUDIENCE], or URL_ENV,TOKEN_ENV[,AUDIENCE] (the names of the environment ` +
    "variables that hold a GitHub-protocol token request URL and bearer)";
}

/**
 * Parses a `web_identity_token_server` value: the seed's grammar, with a name for each platform.
 *
 * | value | token from |
 * |---|---|
 * | `GitHub[,AUDIENCE]`, `GHES[,…]`, `Forgejo[,…]` | the GitHub Actions token server (`ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN`) |
 * | `GitLab[,AUDIENCE]` | the `id_tokens:` variable `<AUDIENCE>_ID_TOKEN` (e.g. `STS_AMAZONAWS_COM_ID_TOKEN`) |
 * | `Buildkite[,AUDIENCE]` | the Buildkite agent API |
 * | `CircleCI` / `CircleCI,AUDIENCE` | `CIRCLE_OIDC_TOKEN_V2` / `circleci run oidc get` with that audience |
 * | `Bitbucket` | `BITBUCKET_STEP_OIDC_TOKEN` |
 * | `AzureDevOps[,SERVICE_CONNECTION_ID]` | `POST $SYSTEM_OIDCREQUESTURI` with `SYSTEM_ACCESSTOKEN` |
 * | `TerraformCloud[,TAG]` | `TFC_WORKLOAD_IDENTITY_TOKEN[_TAG]` |
 * | `Spacelift` | `SPACELIFT_OIDC_TOKEN` |
 * | `GoogleCloud[,AUDIENCE]` | the metadata server's identity endpoint |
 * | `auto[,AUDIENCE]` | whichever of these the environment shows, detected at each call |
 * | `URL_ENV,TOKEN_ENV[,AUDIENCE]` | any server speaking GitHub's protocol: the names of the env vars holding URL and bearer |
 *
 * Names match case-insensitively (with aliases `GCP`, `Azure`, `HCP`, `TFC`, `Gitea`); whitespace around
 * parts is ignored; an omitted audience is `sts.amazonaws.com`, an empty one means the server's
 * default; three parts are always the manual form.
 *
 * @example
 * ```ts
 * import { parseTokenServer } from "oidc2aws";
 * console.log(parseTokenServer("GitHub,sigstore")); // { type: "server", name: "GitHub", ..., audience: "sigstore" }
 * console.log(parseTokenServer("GitLab")); // { type: "env", name: "STS_AMAZONAWS_COM_ID_TOKEN", platform: "GitLab" }
 * ```
 */
export function parseTokenServer(value: string, origin: ValueOrigin = { key: "web_identity_token_server" }): TokenSpec {
  const fail = failure(origin);
  if (value.trim() === "") fail(`is empty: use ${tokenServerForms()}`);
  const first = value.indexOf(",");
  const next = first < 0 ? -1 : value.indexOf(",", first + 1);
  const trimmed = first < 0
    ? [value.trim()]
    : next < 0
    ? [value.slice(0, first).trim(), value.slice(first + 1).trim()]
    : [value.slice(0, first).trim(), value.slice(first + 1, next).trim(), value.slice(next + 1).trim()];
  const known = trimmed[0].toLowerCase() === "auto"
    ? (aud: string | undefined): TokenSpec => ({ type: "auto", audience: audienceOf(aud) })
    : entryNamed(trimmed[0])?.parse;
  if (trimmed.length === 1) {
    if (!known) fail(`names an unknown token server ${JSON.stringify(clip(trimmed[0]))}: use ${tokenServerForms()}`);
    return known!(undefined, fail);
  }
  if (trimmed.length === 2 && known) return known(trimmed[1], fail);
  const [urlEnv, tokenEnv] = trimmed;
  for (const name of [urlEnv, tokenEnv]) {
    if (!ENV_NAME.test(name)) {
      fail(
        `has ${name === "" ? "an empty part" : JSON.stringify(clip(name))} where the name of an environment variable ` +
          `belongs: use ${tokenServerForms()}`,
      );
    }
  }
  const audience = trimmed.length === 3 ? trimmed[2] || undefined : DEFAULT_AUDIENCE;
  return { type: "server", name: undefined, urlEnv, tokenEnv, audience };
}

/** Parses a `web_identity_token_env` value: the name of the variable holding the token. */
export function parseTokenEnv(value: string, origin: ValueOrigin = { key: "web_identity_token_env" }): EnvTokenSpec {
  const name = value.trim();
  if (!ENV_NAME.test(name)) {
    failure(origin)(`is ${JSON.stringify(clip(value))}: use the name of the environment variable that holds the token`);
  }
  return { type: "env", name };
}

/** Parses a `web_identity_token_process` value: a command line, split shell-style, run without a shell. */
export function parseTokenProcess(
  value: string,
  origin: ValueOrigin = { key: "web_identity_token_process" },
): ProcessTokenSpec {
  const command = shellSplit(value.trim());
  if (!command || command.length === 0 || command[0] === "") {
    failure(origin)(
      `is ${
        JSON.stringify(clip(value))
      }: use a command line such as buildkite-agent oidc request-token --audience sts.amazonaws.com ` +
        "(quotes must be balanced; no shell is involved)",
    );
  }
  return { type: "process", command: command! };
}

function failure(origin: ValueOrigin): (problem: string) => never {
  return (problem) => {
    throw ConfigError.invalid(origin, problem);
  };
}
