/**
 * The emulator's public types: its options, the running emulator, and what
 * its request log keeps.
 *
 * @module
 */

import type { Fault, FaultTarget } from "./faults.ts";
import type { Claims } from "./jwt.ts";
import type { EmulatedPlatform, PlatformClaims } from "./platforms/_platform.ts";
import type { IssuedCredentials, RoleTrust } from "./sts.ts";

/** Options for `startEmulator`; every one has a default. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /**
   * Serve https (on 127.0.0.1 still) with this PEM key and certificate, for tests of CA bundles and
   * proxies: the URLs then start with https://. Default: plain http.
   */
  tls?: { key: string; cert: string };
  /** The bearer the token endpoint requires; default random. */
  bearer?: string;
  /** The `sub` claim of GitHub tokens; default `repo:octo-org/octo-repo:ref:refs/heads/main`. */
  subject?: string;
  /** Claims merged over the defaults of every GitHub token (`undefined` removes one), e.g. `{ repository: "acme/app" }`. */
  claims?: Claims;
  /**
   * Claims merged over the defaults of each platform's tokens (`undefined` removes one), e.g.
   * `{ GitLab: { ref: "dev" } }`; `GitHub`'s apply after `claims`.
   */
  platformClaims?: PlatformClaims;
  /**
   * `exp - iat` of minted tokens. Default each platform's own: GitHub 300, Buildkite 300 (or the
   * request's `lifetime`), Azure DevOps 600, the others 3600. When set, it applies to every platform.
   */
  tokenLifetimeSeconds?: number;
  /** Audiences STS accepts (the OIDC provider's client ids); default `["sts.amazonaws.com"]`. */
  audiences?: string[];
  /**
   * Role ARN → trust policy. Undefined: every well-formed role ARN trusts any subject and any caller.
   * AssumeRole (role chaining) admits only the callers a role's `trustedCallers` match. Read at each
   * request, so roles may be added after the start (a `policy` naming the emulator's issuer needs its URL).
   */
  roles?: Record<string, RoleTrust>;
  /** The region AssumeRole's SigV4 scope must name (`…/REGION/sts/aws4_request`); default `us-east-1`. */
  stsRegion?: string;
  /** The token server's clock in ms (iat, nbf, exp); default `Date.now`. Set it in the past to mint expired tokens. */
  now?: () => number;
  /** The STS clock in ms (token expiry, credential expiry, SigV4 time); default `Date.now`. */
  stsNow?: () => number;
  /** Extra delay before every response, in ms; default 0. */
  latencyMs?: number;
  /** The agent access token Buildkite's endpoint requires (`Authorization: Token …`); default random. */
  buildkiteAgentToken?: string;
  /** The job id Buildkite's endpoint serves (other ids get 404); default a random UUID. */
  buildkiteJobId?: string;
  /** The bearer Azure DevOps' endpoint requires (`System.AccessToken`); default random. */
  azureAccessToken?: string;
  /** Azure DevOps service connection id → name (the `sc://` subject's last part); default one connection, `aws-oidc`. */
  azureServiceConnections?: Record<string, string>;
}

/** Options for {@link Emulator.envFor}; they shape the tokens put in env vars (GitLab, CircleCI, Bitbucket, HCP Terraform, Spacelift). */
export interface EnvForOptions {
  /** The `aud` of those tokens; default the platform's (GitLab: `sts.amazonaws.com`, also naming the variable). */
  audience?: string;
  /** Claims merged over theirs (`undefined` removes one). */
  claims?: Claims;
}

/** What the emulator logs of each request; never a token, bearer or secret. */
export interface RequestRecord {
  /**
   * The route that served it: `sts`, `jwks` (discovery), a platform's token endpoint (`token` is
   * GitHub's; `buildkite`, `azure`, `gcp`), or `other`.
   */
  target: string;
  method: string;
  /** The path without the query string. */
  path: string;
  /** STS `Action`. */
  action?: string;
  roleArn?: string;
  roleSessionName?: string;
  /**
   * Token requests: the `audience` parameter (Buildkite: the body's `audience`). STS requests: the
   * `aud` claim of the token sent (unverified).
   */
  audience?: string;
  /** The HTTP status sent; 0 while unanswered, or when the request was dropped or hung. */
  status: number;
  /** True when a queued fault was applied. */
  faulted?: boolean;
  /** Token requests (GitHub, Buildkite, Azure): whether the bearer or agent token matched. */
  bearerOk?: boolean;
  /** Whether the request carried an Authorization header. */
  hasAuthorization?: boolean;
  /**
   * STS error code, or `"unauthorized"` for a refused bearer or agent token; the Buildkite, Azure and
   * Google endpoints also log `"forbidden"`, `"not_found"`, `"method_not_allowed"` and `"bad_request"`.
   */
  error?: string;
  /** Buildkite and Azure: the request's Content-Type header. */
  contentType?: string;
  /** Azure: the `api-version` asked for (query parameter or Accept header). */
  apiVersion?: string;
  /** Azure: the `serviceConnectionId` parameter. */
  serviceConnectionId?: string;
  /** Google: whether `Metadata-Flavor: Google` was sent. */
  metadataFlavor?: boolean;
  /** Google: the `format` parameter. */
  format?: string;
}

/** Options for {@link Emulator.mintToken}. */
export interface MintOptions {
  /** Whose claims the token carries; default `GitHub`. */
  platform?: EmulatedPlatform;
  /**
   * The `aud` claim; default the platform's (`PLATFORM_AUDIENCES`): `sts.amazonaws.com` for
   * GitHub (the token endpoint itself defaults to GitHub's `https://github.com/<owner>`), GitLab and
   * Google, the org id for CircleCI, and so on.
   */
  audience?: string;
  /** Claims merged over this emulator's (`undefined` removes one). */
  claims?: Claims;
  /** Sign with a key nobody trusts, keeping this emulator's kid: a forged token. */
  foreignKey?: boolean;
}

/** A running emulator. Stop it with `stop()` or `await using`. */
export interface Emulator extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `${url}/token?api-version=2.0`, what ACTIONS_ID_TOKEN_REQUEST_URL holds. */
  readonly tokenUrl: string;
  /** The STS endpoint: `url` (POST / and POST /sts both work). */
  readonly stsUrl: string;
  /** The bearer the token endpoint requires. */
  readonly bearer: string;
  /** The `iss` of minted tokens, the only issuer STS trusts: `url`. */
  readonly issuer: string;
  /** The environment of a GitHub Actions job with `id-token: write`, pointed at this emulator. */
  readonly env: Record<string, string>;
  /** The agent access token Buildkite's endpoint requires. */
  readonly buildkiteAgentToken: string;
  /** The job id Buildkite's endpoint serves. */
  readonly buildkiteJobId: string;
  /** `${url}/buildkite/v3`, what BUILDKITE_AGENT_ENDPOINT holds. */
  readonly buildkiteEndpoint: string;
  /** The bearer Azure DevOps' endpoint requires. */
  readonly azureAccessToken: string;
  /** `${url}/azure/oidctoken`, what SYSTEM_OIDCREQUESTURI holds. */
  readonly azureOidcUrl: string;
  /** Azure DevOps service connection id → name. */
  readonly azureServiceConnections: Readonly<Record<string, string>>;
  /** `127.0.0.1:PORT`, what GCE_METADATA_HOST holds. */
  readonly gcpMetadataHost: string;
  /** Every request so far, oldest first (cleared in place by `reset()`). */
  readonly requests: RequestRecord[];
  /** Credentials issued by AssumeRoleWithWebIdentity and AssumeRole, by access key id. */
  readonly issued: ReadonlyMap<string, IssuedCredentials>;
  /** Requests to `target` so far (all requests without one). */
  count(target?: RequestRecord["target"]): number;
  /** Queues `fault` for the next `fault.times` (default 1) requests to `target`. */
  fault(target: FaultTarget, fault: Fault): void;
  /** Signs a token directly, without a request; for STS tests. */
  mintToken(options?: MintOptions): Promise<string>;
  /**
   * The environment of a job on `platform`, pointed at this emulator, with `AWS_ENDPOINT_URL_STS` and
   * `AWS_REGION`. Platforms that put the token in an env var get a freshly minted one; the others get
   * what their token request needs.
   */
  envFor(platform: EmulatedPlatform, options?: EnvForOptions): Promise<Record<string, string>>;
  /** Clears queued faults and the request log. */
  reset(): void;
  /** Closes the server and every connection, hung ones included. */
  stop(): Promise<void>;
}
