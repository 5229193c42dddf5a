/**
 * Where a profile's OIDC token comes from: the `web_identity_token_server` grammar of the seed
 * proposal (with a known name for each major CI platform), token files, env vars and commands.
 *
 * @module
 */
import { ConfigError, describeOrigin, type ValueOrigin } from "./errors.ts";
import { shellSplit } from "./config.ts";
import { clip } from "./_redact.ts";

/** The audience asked for when a token-server value names none: what AWS's GitHub OIDC setup expects. */
export const DEFAULT_AUDIENCE = "sts.amazonaws.com";

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
  type: "buildkite";
  /** The audience to ask for; `undefined` sends none (Buildkite's default). */
  audience: string | undefined;
}

/** A token requested from Azure DevOps (`POST $SYSTEM_OIDCREQUESTURI`); its audience is fixed. */
export interface AzureTokenSpec {
  type: "azure";
  /** The service connection to request the token for, if any. */
  serviceConnectionId: string | undefined;
}

/** A token from Google Cloud's metadata server (an identity token for the VM's service account). */
export interface GoogleTokenSpec {
  type: "google";
  audience: string;
}

/** A token the CI put in an environment variable (GitLab, CircleCI, Bitbucket, HCP Terraform, Spacelift, any). */
export interface EnvTokenSpec {
  type: "env";
  /** The variable; the first of `alternatives` that is set is used when it is not. */
  name: string;
  alternatives?: string[];
  /** The platform that sets it, for messages. */
  platform?: Platform;
}

/** A token printed by a command (`circleci run oidc get`, `buildkite-agent oidc request-token`, ...). */
export interface ProcessTokenSpec {
  type: "process";
  /** The command and its arguments; run without a shell. */
  command: string[];
  platform?: Platform;
}

/** A token read from a file on every call (EKS IRSA, self-hosted runners). */
export interface FileTokenSpec {
  type: "file";
  /** The file's path. */
  path: string;
}

/** Detect the platform from its environment at each call (see `detectTokenSource`). */
export interface AutoTokenSpec {
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

const GITHUB_ENV = { urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL", tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN" };

/** The variable GitLab's `id_tokens:` entry is expected in: `<AUD>_ID_TOKEN` (as other ambient-identity tools name it). */
export function gitlabVariable(audience: string): string {
  return `${audience.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_ID_TOKEN`;
}

/** HCP Terraform's variable: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `…_TOKEN_<TAG>` for a tagged audience. */
export function terraformVariable(tag: string | undefined): string {
  return tag ? `TFC_WORKLOAD_IDENTITY_TOKEN_${tag}` : "TFC_WORKLOAD_IDENTITY_TOKEN";
}

/** The `circleci` command that prints a token for a custom audience. */
export function circleciCommand(audience: string): string[] {
  return ["circleci", "run", "oidc", "get", "--claims", JSON.stringify({ aud: audience })];
}

type Builder = (second: string | undefined, fail: (problem: string) => never) => TokenSpec;

/** Known names (lowercase, aliases included) and what they build from the optional second part. */
const KNOWN: Record<string, Builder> = {
  github: (aud) => ({ type: "server", name: "GitHub", ...GITHUB_ENV, audience: audienceOf(aud) }),
  ghes: (aud) => ({ type: "server", name: "GHES", ...GITHUB_ENV, audience: audienceOf(aud) }),
  forgejo: (aud) => ({ type: "server", name: "Forgejo", ...GITHUB_ENV, audience: audienceOf(aud) }),
  gitlab: (aud) => ({ type: "env", name: gitlabVariable(aud || DEFAULT_AUDIENCE), platform: "GitLab" }),
  buildkite: (aud) => ({ type: "buildkite", audience: audienceOf(aud) }),
  circleci: (aud) =>
    aud
      ? { type: "process", command: circleciCommand(aud), platform: "CircleCI" }
      : { type: "env", name: "CIRCLE_OIDC_TOKEN_V2", alternatives: ["CIRCLE_OIDC_TOKEN"], platform: "CircleCI" },
  bitbucket: (second, fail) =>
    second === undefined ? { type: "env", name: "BITBUCKET_STEP_OIDC_TOKEN", platform: "Bitbucket" } : fail(
      "names Bitbucket with a second part: Bitbucket's audience is set in bitbucket-pipelines.yml (oidc.audiences)",
    ),
  azuredevops: (id) => ({ type: "azure", serviceConnectionId: id || undefined }),
  terraformcloud: (tag, fail) => {
    if (tag && !/^\w+$/.test(tag)) fail(`has the tag ${JSON.stringify(clip(tag))}: a tag is letters, digits and _`);
    return { type: "env", name: terraformVariable(tag || undefined), platform: "TerraformCloud" };
  },
  spacelift: (second, fail) =>
    second === undefined
      ? { type: "env", name: "SPACELIFT_OIDC_TOKEN", platform: "Spacelift" }
      : fail("names Spacelift with a second part: Spacelift's audience is fixed"),
  googlecloud: (aud, fail) =>
    aud === ""
      ? fail("names GoogleCloud with an empty audience: the metadata server needs one")
      : { type: "google", audience: aud ?? DEFAULT_AUDIENCE },
  auto: (aud) => ({ type: "auto", audience: audienceOf(aud) }),
};
KNOWN.azure = KNOWN.azuredevops;
KNOWN.gitea = KNOWN.forgejo;
KNOWN.hcpterraform = KNOWN.hcp = KNOWN.tfc = KNOWN.terraformcloud;
KNOWN.gcp = KNOWN.google = KNOWN.googlecloud;

/** Omitted audience → the default; empty → none (the server's default). */
function audienceOf(value: string | undefined): string | undefined {
  return value === undefined ? DEFAULT_AUDIENCE : value || undefined;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The accepted forms, for messages. */
export const TOKEN_SERVER_FORMS: string =
  "GitHub[,AUDIENCE], GHES[,AUDIENCE], Forgejo[,AUDIENCE], GitLab[,AUDIENCE], Buildkite[,AUDIENCE], " +
  "CircleCI[,AUDIENCE], Bitbucket, AzureDevOps[,SERVICE_CONNECTION_ID], TerraformCloud[,TAG], Spacelift, " +
  "GoogleCloud[,AUDIENCE], auto[,AUDIENCE], or URL_ENV,TOKEN_ENV[,AUDIENCE] (the names of the environment " +
  "variables that hold a GitHub-protocol token request URL and bearer)";

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
  if (value.trim() === "") fail(`is empty: use ${TOKEN_SERVER_FORMS}`);
  const first = value.indexOf(",");
  const next = first < 0 ? -1 : value.indexOf(",", first + 1);
  const parts = first < 0
    ? [value]
    : next < 0
    ? [value.slice(0, first), value.slice(first + 1)]
    : [value.slice(0, first), value.slice(first + 1, next), value.slice(next + 1)];
  const trimmed = parts.map((part) => part.trim());
  const key = trimmed[0].toLowerCase();
  const known = Object.hasOwn(KNOWN, key) ? KNOWN[key] : undefined;
  if (trimmed.length === 1) {
    if (!known) fail(`names an unknown token server ${JSON.stringify(clip(trimmed[0]))}: use ${TOKEN_SERVER_FORMS}`);
    return known!(undefined, fail);
  }
  if (trimmed.length === 2 && known) return known(trimmed[1], fail);
  const [urlEnv, tokenEnv] = trimmed;
  for (const name of [urlEnv, tokenEnv]) {
    if (!ENV_NAME.test(name)) {
      fail(
        `has ${name === "" ? "an empty part" : JSON.stringify(clip(name))} where the name of an environment variable ` +
          `belongs: use ${TOKEN_SERVER_FORMS}`,
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
    throw new ConfigError("ERR_CONFIG_INVALID", `${describeOrigin(origin)} ${problem}`, {
      file: origin.file,
      profile: origin.profile,
      key: origin.envVar ?? origin.option ?? origin.key,
    });
  };
}

/** Says where a spec gets its token, for messages and `--debug` (never a value). */
export function describeTokenSpec(spec: TokenSpec): string {
  switch (spec.type) {
    case "server":
      return `${spec.name ?? `token server ${spec.urlEnv},${spec.tokenEnv}`} (audience ${
        spec.audience ?? "the server's default"
      })`;
    case "buildkite":
      return `Buildkite agent API (audience ${spec.audience ?? "Buildkite's default"})`;
    case "azure":
      return `Azure DevOps${spec.serviceConnectionId ? ` (service connection ${spec.serviceConnectionId})` : ""}`;
    case "google":
      return `Google Cloud metadata server (audience ${spec.audience})`;
    case "env":
      return `${spec.platform ? `${spec.platform}: ` : ""}env ${
        [spec.name, ...(spec.alternatives ?? [])].join(" or ")
      }`;
    case "process":
      return `${spec.platform ? `${spec.platform}: ` : ""}command ${spec.command[0]}`;
    case "file":
      return `token file ${spec.path}`;
    case "auto":
      return `auto-detected (audience ${spec.audience ?? "the platform's default"})`;
  }
}
