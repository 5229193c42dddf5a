/**
 * Google Cloud: an identity token for the VM's (or pod's) service account from the metadata server,
 * `GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity`.
 * See https://cloud.google.com/compute/docs/instances/verifying-instance-identity
 *
 * @module
 */
import type { Env } from "../host.ts";
import { envValue } from "../_path.ts";
import type { GoogleTokenSpec } from "../token_spec.ts";
import { requestToken, setQuery, type TokenRequest } from "./_request.ts";
import { DEFAULT_AUDIENCE, type TokenSource } from "./registry.ts";

/** The Google Cloud metadata server source. */
export const googleCloud: TokenSource<GoogleTokenSpec> = {
  detect: (_env, audience) => ({ type: "google", audience: audience ?? DEFAULT_AUDIENCE }),
  obtain: (spec, host, context) => requestToken(request(spec, host.env), host, context),
  binding: (_spec, env) => ({ host: envValue(env, "GCE_METADATA_HOST") ?? "" }),
  describe: (spec) => `Google Cloud metadata server (audience ${spec.audience})`,
};

function request(spec: GoogleTokenSpec, env: Env): TokenRequest {
  // The metadata server is plain http by design; GCE_METADATA_HOST is Google's own override.
  const host = envValue(env, "GCE_METADATA_HOST") || "metadata.google.internal";
  const url = new URL(`http://${host}/computeMetadata/v1/instance/service-accounts/default/identity`);
  setQuery(url, "audience", spec.audience);
  setQuery(url, "format", "full");
  return {
    url,
    method: "GET",
    headers: { "metadata-flavor": "Google" },
    peer: "Google Cloud's metadata server",
    secrets: [],
    secretName: "the request",
    urlSource: "GCE_METADATA_HOST",
    extract: (answer) => {
      const token = answer.body.trim();
      return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token) ? { token, got: "" } : { got: "not a JWT" };
    },
    expected: "a JWT as plain text",
    advice: (status) =>
      status === 404
        ? "this VM or pod has no service account, or the metadata server is not Google's"
        : status === 403
        ? "the metadata server refused the request"
        : "the metadata server failed; try again later",
  };
}
