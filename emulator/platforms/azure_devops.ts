/**
 * Azure Pipelines (Azure DevOps): the OIDC token endpoint `SYSTEM_OIDCREQUESTURI` names.
 *
 * `POST $SYSTEM_OIDCREQUESTURI?api-version=7.1[&serviceConnectionId=ID]` with
 * `Authorization: Bearer $SYSTEM_ACCESSTOKEN` answers `{"oidcToken": "<jwt>"}`
 * for the audience `api://AzureADTokenExchange`. With a service connection the
 * subject is `sc://ORG/PROJECT/CONNECTION`, without one `p://ORG/PROJECT/PIPELINE`.
 *
 * https://learn.microsoft.com/rest/api/azure/devops/distributedtask/oidctoken/create
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import { bearerMatches } from "../oidc.ts";
import type { Route, RouteRequest } from "../routes.ts";
import { jsonReply, type Outcome, randomHex, randomString, UPPER_ALNUM, withoutEmpty } from "../_util.ts";
import {
  type PlatformContext,
  type PlatformEmulator,
  randomNumber,
  stamp,
  type TokenRequest,
  withOverrides,
} from "./_platform.ts";

/** Where the emulator serves the endpoint: `SYSTEM_OIDCREQUESTURI` is `<url>/azure/oidctoken`. */
export const AZURE_OIDC_PATH = "/azure/oidctoken";
/** Azure DevOps issues every token for this audience. */
export const AZURE_AUDIENCE = "api://AzureADTokenExchange";
/** Service connection id → name: the one connection an emulator has unless told otherwise. */
export const DEFAULT_AZURE_SERVICE_CONNECTIONS: Readonly<Record<string, string>> = {
  "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f": "aws-oidc",
};
/** The `api-version` values the endpoint accepts (the REST reference documents `7.1-preview.1`; clients send these). */
export const AZURE_API_VERSIONS: readonly string[] = [
  "7.1",
  "7.1-preview",
  "7.1-preview.1",
  "7.2-preview",
  "7.2-preview.1",
];

const ORG = "octo-org";
const PROJECT = "octo-project";
const PIPELINE = "octo-pipeline";
const ORG_ID = "2d4c6e8a-0b1c-4d2e-8f3a-5b6c7d8e9f0a";
const PROJECT_ID = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d";
const REPO_ID = "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a1b";
const LIFETIME = 600;

interface Job {
  accessToken: string;
  /** Service connection id (lowercase) → name. */
  connections: Readonly<Record<string, string>>;
  buildId: string;
}

function job(ctx: PlatformContext): Job {
  return ctx.state("AzureDevOps", () => ({
    accessToken: ctx.options.azureAccessToken ?? randomString(UPPER_ALNUM, 52).toLowerCase(),
    connections: Object.freeze(
      Object.fromEntries(
        Object.entries(ctx.options.azureServiceConnections ?? DEFAULT_AZURE_SERVICE_CONNECTIONS).map(([id, name]) => [
          id.toLowerCase(),
          name,
        ]),
      ),
    ),
    buildId: randomNumber(6),
  }));
}

/** The `api-version` of a request: the query parameter, else the `Accept` header's parameter; null when neither. */
export function azureApiVersion(query: URLSearchParams, accept: string | undefined): string | null {
  const fromQuery = query.get("api-version");
  if (fromQuery !== null) return fromQuery;
  return /;\s*api-version=([^;,\s]+)/i.exec(accept ?? "")?.[1] ?? null;
}

/** Azure DevOps' claims; with `serviceConnection`, `sub` is `sc://ORG/PROJECT/NAME`. */
function azureClaims(ctx: PlatformContext, request: TokenRequest & { serviceConnection?: string }): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  return withOverrides(ctx, "AzureDevOps", {
    jti: crypto.randomUUID(),
    sub: request.serviceConnection === undefined
      ? `p://${ORG}/${PROJECT}/${PIPELINE}`
      : `sc://${ORG}/${PROJECT}/${request.serviceConnection}`,
    aud: request.audience ?? AZURE_AUDIENCE,
    org_id: ORG_ID,
    prj_id: PROJECT_ID,
    def_id: "12",
    rpo_id: REPO_ID,
    rpo_uri: `https://dev.azure.com/${ORG}/${PROJECT}/_git/${PROJECT}`,
    rpo_ver: randomHex(20),
    rpo_ref: "refs/heads/main",
    run_id: job(ctx).buildId,
    iss,
    nbf: iat - 600,
    exp,
    iat,
  }, request);
}

/**
 * Answers a request under `/azure`: 404 for another path or an unknown service
 * connection, 405 for a method other than POST, 401 for a wrong or missing
 * bearer, 400 for a missing or unsupported `api-version`, else 200 with a token.
 * Errors have Azure DevOps' JSON shape (`message`, `typeKey`, …).
 */
async function answer(request: RouteRequest, ctx: PlatformContext): Promise<Outcome> {
  if (request.path !== AZURE_OIDC_PATH) {
    return azureError(404, "not_found", "VssResourceNotFoundException", `The resource ${request.path} was not found.`);
  }
  if (request.method !== "POST") {
    return azureError(
      405,
      "method_not_allowed",
      "HttpMethodNotAllowedException",
      "The requested resource does not support http method '" + request.method + "'.",
    );
  }
  if (!bearerMatches(request.headers.authorization, job(ctx).accessToken)) {
    return azureError(
      401,
      "unauthorized",
      "UnauthorizedRequestException",
      "TF400813: The user is not authorized to access this resource.",
    );
  }
  const problem = versionProblem(azureApiVersion(request.query, request.headers.accept));
  if (problem) return problem;
  const connectionId = request.query.get("serviceConnectionId");
  let serviceConnection: string | undefined;
  if (connectionId !== null && connectionId !== "") {
    const connections = job(ctx).connections;
    serviceConnection = connections[connectionId.toLowerCase()] ?? connections[connectionId];
    if (serviceConnection === undefined) {
      return azureError(
        404,
        "not_found",
        "ServiceEndpointNotFoundException",
        `Service connection ${connectionId} was not found or this pipeline is not authorized to use it.`,
      );
    }
  }
  const claims = azureClaims(ctx, { serviceConnection });
  return { reply: jsonReply(200, { oidcToken: await signJwt(ctx.key, claims) }) };
}

/** The 400 for a missing or unsupported `api-version`, if it is either. */
function versionProblem(version: string | null): Outcome | undefined {
  if (version === null) {
    return azureError(
      400,
      "bad_request",
      "VssVersionNotSpecifiedException",
      'No api-version was supplied for the "POST" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").',
    );
  }
  if (!AZURE_API_VERSIONS.includes(version)) {
    return azureError(
      400,
      "bad_request",
      "VssVersionOutOfRangeException",
      `The requested REST API version of ${version} is not supported by this resource. Supported versions: ${
        AZURE_API_VERSIONS.join(", ")
      }.`,
    );
  }
  return undefined;
}

function azureError(status: number, error: string, typeKey: string, message: string): Outcome {
  return {
    reply: jsonReply(status, {
      $id: "1",
      innerException: null,
      message,
      typeName: `Microsoft.VisualStudio.Services.WebApi.${typeKey}, Microsoft.VisualStudio.Services.WebApi`,
      typeKey,
      errorCode: 0,
      eventId: 3000,
    }),
    error,
  };
}

const oidcTokenRoute: Route = {
  target: "azure",
  faults: { hugeBody: { head: `{"oidcToken":"`, tail: `"}`, contentType: "application/json; charset=utf-8" } },
  matches: (path) => path === "/azure" || path.startsWith("/azure/"),
  log: (request, ctx) => ({
    ...withoutEmpty({
      apiVersion: azureApiVersion(request.query, request.headers.accept),
      serviceConnectionId: request.query.get("serviceConnectionId"),
      contentType: request.headers["content-type"],
    }),
    bearerOk: bearerMatches(request.headers.authorization, job(ctx).accessToken),
  }),
  handle: answer,
};

/** Azure Pipelines, in a job with `System.AccessToken` mapped to `SYSTEM_ACCESSTOKEN`. */
export const azureDevOps: PlatformEmulator = {
  id: "AzureDevOps",
  cliName: "azure",
  audience: AZURE_AUDIENCE,
  subject: `p://${ORG}/${PROJECT}/${PIPELINE}`,
  lifetimeSeconds: LIFETIME,
  demoSubject: [`p://${ORG}/${PROJECT}/*`, `sc://${ORG}/${PROJECT}/*`],
  claims: azureClaims,
  env: (ctx) =>
    Promise.resolve({
      TF_BUILD: "True",
      SYSTEM_OIDCREQUESTURI: `${ctx.url}${AZURE_OIDC_PATH}`,
      SYSTEM_ACCESSTOKEN: job(ctx).accessToken,
      SYSTEM_TEAMPROJECT: PROJECT,
      BUILD_BUILDID: job(ctx).buildId,
    }),
  routes: [oidcTokenRoute],
  fields: (ctx) => ({
    azureAccessToken: job(ctx).accessToken,
    azureOidcUrl: `${ctx.url}${AZURE_OIDC_PATH}`,
    azureServiceConnections: job(ctx).connections,
  }),
};
