/**
 * The token sources oidc2aws knows, in detection order. Each entry holds what must be known before a
 * source's code is loaded: its names in `web_identity_token_server` and how they parse, and how `auto`
 * sees that its platform is present. Everything else (detection's checks and fixes, the request, the
 * cache binding, the description) lives in the source's own file, imported only when a profile names
 * that source or `auto` finds its platform. Adding a platform: one file here, one entry below.
 *
 * @module
 */
import type { Env, Host, ReadFile } from "../host.ts";
import type { RetryContext } from "../retry.ts";
import { clip } from "../_redact.ts";
import { envProbe } from "../_path.ts";
import type { ConcreteTokenSpec, EnvTokenSpec, ProcessTokenSpec, TokenSpec } from "../token_spec.ts";

/** The audience asked for when a token-server value names none: what AWS's GitHub OIDC setup expects. */
export const DEFAULT_AUDIENCE = "sts.amazonaws.com";

/** The host pieces a source may use. @internal */
export type TokenHost = Pick<Host, "env" | "fetch" | "now" | "sleep" | "random" | "readFile" | "runCommand">;

/** A token source's code: what `auto` decides, how a token is had, what binds it to the job. @internal */
export interface TokenSource<S extends ConcreteTokenSpec = ConcreteTokenSpec> {
  /** When `auto` saw the platform present: its spec, or `ERR_TOKEN_UNAVAILABLE` with the platform's fix. */
  detect?(env: Env, audience: string | undefined): S;
  /** A fresh token. */
  obtain(spec: S, host: TokenHost, context: RetryContext): Promise<string>;
  /** What binds the token to this job, for the CLI's cache key; `undefined`: nothing does, never cache. */
  binding(spec: S, env: Env, readFile: ReadFile): unknown;
  /** Where the spec gets its token, for messages and `--debug` (never a value). */
  describe(spec: S): string;
  /** The platform's fix when the variable `name` it should have set is missing. */
  fix?(name: string): string;
}

/** Builds a spec from a `web_identity_token_server` name's optional second part. */
type Parse = (second: string | undefined, fail: (problem: string) => never) => TokenSpec;

/** A source as the registry knows it before its code is loaded. @internal */
export interface SourceEntry {
  /** The spec's `platform` for a platform's source, else the spec's `type`. */
  id: string;
  /** Its names in `web_identity_token_server` (matched case-insensitively) and their form, for messages. */
  names?: readonly string[];
  form?: string;
  parse?: Parse;
  /** Whether the environment shows this platform; `auto` checks the entries in this order. */
  present?: (env: Env) => boolean;
  /** What `present` looks at, for the message when nothing is found. */
  detectedBy?: string;
  /** Secret variables the platform sets, kept out of messages where the environment cannot be listed. */
  secrets?: readonly string[];
  load(): Promise<TokenSource>;
}

/** Omitted audience → the default; empty → none (the server's default). @internal */
export function audienceOf(value: string | undefined): string | undefined {
  return value === undefined ? DEFAULT_AUDIENCE : value || undefined;
}

/**
 * The variable GitLab's `id_tokens:` entry is expected in: `<AUD>_ID_TOKEN` (as other ambient-identity tools name it).
 * @internal
 */
export function gitlabVariable(audience: string): string {
  return `${audience.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_ID_TOKEN`;
}

/** HCP Terraform's variable: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `…_TOKEN_<TAG>` for a tagged audience. @internal */
export function terraformVariable(tag: string | undefined): string {
  return tag ? `TFC_WORKLOAD_IDENTITY_TOKEN_${tag}` : "TFC_WORKLOAD_IDENTITY_TOKEN";
}

/** The `circleci` command that prints a token for a custom audience. @internal */
export function circleciCommand(audience: string): string[] {
  return ["circleci", "run", "oidc", "get", "--claims", JSON.stringify({ aud: audience })];
}

/** The GitHub Actions token request variables (GitHub, GHES, Forgejo). @internal */
export const GITHUB_REQUEST = { urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL", tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN" };

// What `present` reads, a variable Deno may not read is not set: a narrow --allow-env (docs/cli.md's
// list for GitHub) leaves out the other platforms' variables, and a job is not on a platform whose
// variables it was not allowed to see. A platform named explicitly reads its own with envValue, which
// stops with ERR_PERMISSION naming the flag.
const set = (env: Env, name: string): boolean => !!envProbe(env, name);
const is = (env: Env, name: string, value: string): boolean => envProbe(env, name) === value;
const server = (name: "GitHub" | "GHES" | "Forgejo"): Parse => (aud) => ({
  type: "server",
  name,
  ...GITHUB_REQUEST,
  audience: audienceOf(aud),
});
const noSecondPart = (spec: EnvTokenSpec, why: string): Parse => (second, fail) =>
  second === undefined ? spec : fail(`names ${spec.platform} with a second part: ${why}`);

/** Every source, in detection order; sources without `present` are used only when named. @internal */
export const SOURCES: readonly SourceEntry[] = [
  {
    id: "GitHub",
    names: ["github"],
    form: "GitHub[,AUDIENCE], GHES[,AUDIENCE], Forgejo[,AUDIENCE]",
    parse: server("GitHub"),
    present: (env) =>
      is(env, "GITHUB_ACTIONS", "true") || (set(env, GITHUB_REQUEST.urlEnv) && set(env, GITHUB_REQUEST.tokenEnv)),
    detectedBy: "GitHub Actions/Forgejo (GITHUB_ACTIONS)",
    secrets: ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
    load: () => import("./github.ts").then((m) => m.github as TokenSource),
  },
  {
    id: "GHES",
    names: ["ghes"],
    parse: server("GHES"),
    load: () => import("./github.ts").then((m) => m.github as TokenSource),
  },
  {
    id: "Forgejo",
    names: ["forgejo", "gitea"],
    parse: server("Forgejo"),
    load: () => import("./github.ts").then((m) => m.github as TokenSource),
  },
  {
    id: "GitLab",
    names: ["gitlab"],
    form: "GitLab[,AUDIENCE]",
    parse: (aud) => ({ type: "env", name: gitlabVariable(aud || DEFAULT_AUDIENCE), platform: "GitLab" }),
    present: (env) => is(env, "GITLAB_CI", "true"),
    detectedBy: "GitLab (GITLAB_CI)",
    secrets: ["STS_AMAZONAWS_COM_ID_TOKEN"], // gitlabVariable(DEFAULT_AUDIENCE), without a regex as the table loads
    load: () => import("./gitlab.ts").then((m) => m.gitlab as TokenSource),
  },
  {
    id: "Buildkite",
    names: ["buildkite"],
    form: "Buildkite[,AUDIENCE]",
    parse: (aud) => ({ type: "buildkite", audience: audienceOf(aud) }),
    present: (env) => is(env, "BUILDKITE", "true"),
    detectedBy: "Buildkite (BUILDKITE)",
    secrets: ["BUILDKITE_AGENT_ACCESS_TOKEN"],
    load: () => import("./buildkite.ts").then((m) => m.buildkite as TokenSource),
  },
  {
    id: "CircleCI",
    names: ["circleci"],
    form: "CircleCI[,AUDIENCE]",
    parse: (aud): EnvTokenSpec | ProcessTokenSpec =>
      aud
        ? { type: "process", command: circleciCommand(aud), platform: "CircleCI" }
        : { type: "env", name: "CIRCLE_OIDC_TOKEN_V2", alternatives: ["CIRCLE_OIDC_TOKEN"], platform: "CircleCI" },
    present: (env) => is(env, "CIRCLECI", "true"),
    detectedBy: "CircleCI (CIRCLECI)",
    secrets: ["CIRCLE_OIDC_TOKEN", "CIRCLE_OIDC_TOKEN_V2"],
    load: () => import("./circleci.ts").then((m) => m.circleci as TokenSource),
  },
  {
    id: "Bitbucket",
    names: ["bitbucket"],
    form: "Bitbucket",
    parse: noSecondPart(
      { type: "env", name: "BITBUCKET_STEP_OIDC_TOKEN", platform: "Bitbucket" },
      "Bitbucket's audience is set in bitbucket-pipelines.yml (oidc.audiences)",
    ),
    present: (env) => set(env, "BITBUCKET_BUILD_NUMBER"),
    detectedBy: "Bitbucket (BITBUCKET_BUILD_NUMBER)",
    secrets: ["BITBUCKET_STEP_OIDC_TOKEN"],
    load: () => import("./bitbucket.ts").then((m) => m.bitbucket as TokenSource),
  },
  {
    id: "AzureDevOps",
    names: ["azuredevops", "azure"],
    form: "AzureDevOps[,SERVICE_CONNECTION_ID]",
    parse: (id) => ({ type: "azure", serviceConnectionId: id || undefined }),
    present: (env) => envProbe(env, "TF_BUILD")?.toLowerCase() === "true" && set(env, "SYSTEM_OIDCREQUESTURI"),
    detectedBy: "Azure DevOps (TF_BUILD with SYSTEM_OIDCREQUESTURI)",
    secrets: ["SYSTEM_ACCESSTOKEN"],
    load: () => import("./azure_devops.ts").then((m) => m.azureDevOps as TokenSource),
  },
  {
    id: "TerraformCloud",
    names: ["terraformcloud", "hcpterraform", "hcp", "tfc"],
    form: "TerraformCloud[,TAG]",
    parse: (tag, fail) => {
      if (tag && !/^\w+$/.test(tag)) fail(`has the tag ${JSON.stringify(clip(tag))}: a tag is letters, digits and _`);
      return { type: "env", name: terraformVariable(tag || undefined), platform: "TerraformCloud" };
    },
    present: (env) => set(env, "TFC_WORKLOAD_IDENTITY_TOKEN"),
    detectedBy: "HCP Terraform (TFC_WORKLOAD_IDENTITY_TOKEN)",
    secrets: ["TFC_WORKLOAD_IDENTITY_TOKEN"],
    load: () => import("./terraform.ts").then((m) => m.terraform as TokenSource),
  },
  {
    id: "Spacelift",
    names: ["spacelift"],
    form: "Spacelift",
    parse: noSecondPart(
      { type: "env", name: "SPACELIFT_OIDC_TOKEN", platform: "Spacelift" },
      "Spacelift's audience is fixed",
    ),
    present: (env) => set(env, "SPACELIFT_OIDC_TOKEN"),
    detectedBy: "Spacelift (SPACELIFT_OIDC_TOKEN)",
    secrets: ["SPACELIFT_OIDC_TOKEN"],
    load: () => import("./spacelift.ts").then((m) => m.spacelift as TokenSource),
  },
  {
    // Kubernetes (EKS IRSA, and any platform that writes the token to a file): web_identity_token_file.
    id: "file",
    present: (env) => set(env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
    detectedBy: "Kubernetes (AWS_WEB_IDENTITY_TOKEN_FILE)",
    load: () => import("./file.ts").then((m) => m.file as TokenSource),
  },
  {
    id: "GoogleCloud",
    names: ["googlecloud", "gcp", "google"],
    form: "GoogleCloud[,AUDIENCE]",
    parse: (aud, fail) =>
      aud === ""
        ? fail("names GoogleCloud with an empty audience: the metadata server needs one")
        : { type: "google", audience: aud ?? DEFAULT_AUDIENCE },
    // The one check that needs the network, so only when asked for.
    present: (env) => is(env, "OIDC2AWS_DETECT_GOOGLE", "true"),
    detectedBy: "Google Cloud (only with OIDC2AWS_DETECT_GOOGLE=true)",
    load: () => import("./google_cloud.ts").then((m) => m.googleCloud as TokenSource),
  },
  { id: "env", load: () => import("./env.ts").then((m) => m.envSource as TokenSource) },
  { id: "process", load: () => import("./process.ts").then((m) => m.processSource as TokenSource) },
];

/** The entry whose code handles a (concrete) spec. @internal */
export function entryFor(spec: ConcreteTokenSpec): SourceEntry {
  const id = spec.type === "server"
    ? "GitHub"
    : spec.type === "buildkite"
    ? "Buildkite"
    : spec.type === "azure"
    ? "AzureDevOps"
    : spec.type === "google"
    ? "GoogleCloud"
    : spec.type === "file"
    ? "file"
    : spec.platform ?? spec.type;
  // A platform the registry has no entry of (a spec built in code) is its type's generic source.
  return entryWithId(id) ?? entryWithId(spec.type)!;
}

/** A loop, not `find`, whose first call costs Bun ~0.1 ms (as entryNamed). */
function entryWithId(id: string): SourceEntry | undefined {
  for (const entry of SOURCES) if (entry.id === id) return entry;
  return undefined;
}

/** Loads the code of the source that handles a spec. @internal */
export function sourceFor<S extends ConcreteTokenSpec>(spec: S): Promise<TokenSource<S>> {
  return entryFor(spec).load() as Promise<TokenSource<S>>;
}

/** The entry for a `web_identity_token_server` name (any case), if it is one. @internal */
export function entryNamed(name: string): SourceEntry | undefined {
  const key = name.toLowerCase();
  if (key === "auto") return undefined;
  for (const entry of SOURCES) if (entry.names?.includes(key)) return entry; // a loop: see entryWithId
  return undefined;
}
