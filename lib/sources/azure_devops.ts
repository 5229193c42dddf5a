/**
 * Azure DevOps: `POST $SYSTEM_OIDCREQUESTURI?api-version=7.1[&serviceConnectionId=…]` with the job's
 * access token, answering `{"oidcToken": "<token>"}`; the audience is fixed by Azure.
 * See https://learn.microsoft.com/en-us/rest/api/azure/devops/distributedtask/oidctoken/create
 *
 * @module
 */
import { TokenError } from "../errors.ts";
import type { Env } from "../host.ts";
import { envValue } from "../_path.ts";
import type { AzureTokenSpec } from "../token_spec.ts";
import { jsonField, requestToken, secureUrl, setQuery, type TokenRequest } from "./_request.ts";
import type { TokenSource } from "./registry.ts";

/** The Azure DevOps source. */
export const azureDevOps: TokenSource<AzureTokenSpec> = {
  detect(env) {
    const spec: AzureTokenSpec = { type: "azure", serviceConnectionId: undefined };
    request(spec, env); // the access token must be mapped into the step: say so now
    return spec;
  },
  obtain: (spec, host, context) => requestToken(request(spec, host.env), host, context),
  binding: (_spec, env) => ({
    uri: envValue(env, "SYSTEM_OIDCREQUESTURI"),
    token: envValue(env, "SYSTEM_ACCESSTOKEN"),
  }),
  describe: (spec) =>
    `Azure DevOps${spec.serviceConnectionId ? ` (service connection ${spec.serviceConnectionId})` : ""}`,
};

function request(spec: AzureTokenSpec, env: Env): TokenRequest {
  const uri = envValue(env, "SYSTEM_OIDCREQUESTURI");
  const accessToken = envValue(env, "SYSTEM_ACCESSTOKEN");
  if (!uri || !accessToken) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `Azure DevOps did not give this step what it needs to request an OIDC token: ${
        !uri ? "SYSTEM_OIDCREQUESTURI" : "SYSTEM_ACCESSTOKEN"
      } ` +
        "is not set. Azure Pipelines hides the job's access token unless a step maps it; add to the step:\n" +
        "  env:\n    SYSTEM_ACCESSTOKEN: $(System.AccessToken)",
    );
  }
  const url = secureUrl(uri, "SYSTEM_OIDCREQUESTURI", "the job access token");
  setQuery(url, "api-version", "7.1");
  if (spec.serviceConnectionId) setQuery(url, "serviceConnectionId", spec.serviceConnectionId);
  return {
    url,
    method: "POST",
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json", accept: "application/json" },
    body: "{}",
    peer: "Azure DevOps",
    secrets: [accessToken],
    secretName: "the job access token",
    urlSource: "SYSTEM_OIDCREQUESTURI",
    extract: jsonField("oidcToken"),
    expected: 'JSON {"oidcToken": "<token>"}',
    advice: (status) =>
      status === 401 || status === 403
        ? "the job access token in SYSTEM_ACCESSTOKEN was refused; map $(System.AccessToken) of this job"
        : status === 404
        ? "check the service connection id and SYSTEM_OIDCREQUESTURI"
        : "Azure DevOps failed; try again later",
  };
}
