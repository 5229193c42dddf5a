/**
 * Azure DevOps' OIDC token endpoint, the one `SYSTEM_OIDCREQUESTURI` names:
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

import { signJwt } from "./jwt.ts";
import { platformClaims, type PlatformIssuer } from "./platforms.ts";
import { jsonReply, type Outcome } from "./_util.ts";

/** Where the emulator serves the endpoint: `SYSTEM_OIDCREQUESTURI` is `<url>/azure/oidctoken`. */
export const AZURE_OIDC_PATH = "/azure/oidctoken";

/** The `api-version` values the endpoint accepts (the REST reference documents `7.1-preview.1`; clients send these). */
export const AZURE_API_VERSIONS: readonly string[] = [
  "7.1",
  "7.1-preview",
  "7.1-preview.1",
  "7.2-preview",
  "7.2-preview.1",
];

/** The `api-version` of a request: the query parameter, else the `Accept` header's parameter; null when neither. */
export function azureApiVersion(query: URLSearchParams, accept: string | undefined): string | null {
  const fromQuery = query.get("api-version");
  if (fromQuery !== null) return fromQuery;
  return /;\s*api-version=([^;,\s]+)/i.exec(accept ?? "")?.[1] ?? null;
}

/**
 * Answers a request under `/azure`: 404 for another path or an unknown service
 * connection, 405 for a method other than POST, 401 for a wrong or missing
 * bearer, 400 for a missing or unsupported `api-version`, else 200 with a token.
 * Errors have Azure DevOps' JSON shape (`message`, `typeKey`, …).
 */
export async function handleAzureRequest(
  ctx: PlatformIssuer,
  connections: Readonly<Record<string, string>>,
  request: { method: string; path: string; query: URLSearchParams; accept: string | undefined; bearerOk: boolean },
): Promise<Outcome> {
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
  if (!request.bearerOk) {
    return azureError(
      401,
      "unauthorized",
      "UnauthorizedRequestException",
      "TF400813: The user is not authorized to access this resource.",
    );
  }
  const version = azureApiVersion(request.query, request.accept);
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
  const connectionId = request.query.get("serviceConnectionId");
  let serviceConnection: string | undefined;
  if (connectionId !== null && connectionId !== "") {
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
  const claims = platformClaims(ctx, "azure", { serviceConnection });
  return { reply: jsonReply(200, { oidcToken: await signJwt(ctx.github.key, claims) }) };
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
