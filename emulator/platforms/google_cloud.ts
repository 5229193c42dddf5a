/**
 * Google Cloud: the part of the metadata server that hands out identity tokens.
 *
 * `GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=X[&format=full]`
 * with `Metadata-Flavor: Google` answers the raw JWT as `application/text`.
 * Clients reach it through `GCE_METADATA_HOST` (host:port), so the paths are
 * exactly Google's. Every answer carries `Metadata-Flavor: Google`, which
 * Google's client libraries check to know they talk to a metadata server.
 *
 * https://cloud.google.com/compute/docs/instances/verifying-instance-identity and
 * https://cloud.google.com/compute/docs/metadata/querying-metadata
 *
 * @module
 */

import { type Claims, signJwt } from "../jwt.ts";
import type { Route, RouteRequest } from "../routes.ts";
import { type Outcome, type Reply, safeDecode, textReply, withoutEmpty, xmlEscape } from "../_util.ts";
import { type PlatformContext, type PlatformEmulator, stamp, type TokenRequest, withOverrides } from "./_platform.ts";

const PROJECT = "octo-project";
const PROJECT_NUMBER = 123456789012;
const SERVICE_ACCOUNT_ID = "113456789012345678901";
const LIFETIME = 3600;

/** The service account the Google metadata server speaks for. */
export const GCP_SERVICE_ACCOUNT_EMAIL = `deployer@${PROJECT}.iam.gserviceaccount.com`;
/** The path prefix of every metadata request. */
export const GCP_METADATA_PREFIX = "/computeMetadata/";

const HEADERS = { "metadata-flavor": "Google", server: "Metadata Server for VM" };
const IDENTITY_PATH = /^\/computeMetadata\/v1\/instance\/service-accounts\/([^/]+)\/identity$/;
const EMAIL_PATH = /^\/computeMetadata\/v1\/instance\/service-accounts\/([^/]+)\/email$/;

/** A few plain metadata values, enough for a client to probe the server and find its project. */
const VALUES: Record<string, string> = {
  "/computeMetadata/v1/": "instance/\nproject/\n",
  "/computeMetadata/v1/instance": "hostname\nid\nname\nservice-accounts/\nzone\n",
  "/computeMetadata/v1/instance/": "hostname\nid\nname\nservice-accounts/\nzone\n",
  "/computeMetadata/v1/instance/hostname": "ci-runner-1.us-central1-a.c.octo-project.internal",
  "/computeMetadata/v1/instance/id": "4567890123456789012",
  "/computeMetadata/v1/instance/name": "ci-runner-1",
  "/computeMetadata/v1/instance/zone": `projects/${PROJECT_NUMBER}/zones/us-central1-a`,
  "/computeMetadata/v1/instance/service-accounts/": `default/\n${GCP_SERVICE_ACCOUNT_EMAIL}/\n`,
  "/computeMetadata/v1/project/project-id": PROJECT,
  "/computeMetadata/v1/project/numeric-project-id": String(PROJECT_NUMBER),
};

/** Google's claims; `full: false` (no `format=full`) leaves out the email and the instance. */
function googleClaims(ctx: PlatformContext, request: TokenRequest & { full?: boolean }): Claims {
  const { iss, iat, exp } = stamp(ctx, request, LIFETIME);
  return withOverrides(ctx, "GoogleCloud", {
    aud: request.audience ?? "sts.amazonaws.com",
    azp: SERVICE_ACCOUNT_ID,
    exp,
    iat,
    iss,
    sub: SERVICE_ACCOUNT_ID,
    ...(request.full === false ? {} : {
      email: GCP_SERVICE_ACCOUNT_EMAIL,
      email_verified: true,
      google: {
        compute_engine: {
          instance_creation_timestamp: 1700000000,
          instance_id: "4567890123456789012",
          instance_name: "ci-runner-1",
          project_id: PROJECT,
          project_number: PROJECT_NUMBER,
          zone: "us-central1-a",
        },
      },
    }),
  }, request);
}

/**
 * Answers a request under `/computeMetadata/`: 403 (Google's HTML page) without
 * `Metadata-Flavor: Google`, 405 for a method other than GET, 404 for an
 * unknown path or service account, 400 without an audience, else 200 with the
 * raw token (`format=full` adds the email and instance claims).
 */
async function answer(request: RouteRequest, ctx: PlatformContext): Promise<Outcome> {
  const flavor = request.headers["metadata-flavor"];
  if ((Array.isArray(flavor) ? flavor[0] : flavor) !== "Google") {
    return { reply: forbidden(request.rawUrl), error: "forbidden" };
  }
  if (request.method !== "GET") {
    return { reply: gcpReply(405, "Method Not Allowed\n", "text/plain; charset=utf-8"), error: "method_not_allowed" };
  }
  const identity = IDENTITY_PATH.exec(request.path);
  const email = EMAIL_PATH.exec(request.path);
  const account = identity?.[1] ?? email?.[1];
  if (account !== undefined && account !== "default" && safeDecode(account) !== GCP_SERVICE_ACCOUNT_EMAIL) {
    return { reply: notFound(), error: "not_found" };
  }
  if (email) return { reply: gcpReply(200, GCP_SERVICE_ACCOUNT_EMAIL) };
  if (!identity) {
    const value = VALUES[request.path];
    return value === undefined ? { reply: notFound(), error: "not_found" } : { reply: gcpReply(200, value) };
  }
  const audience = request.query.get("audience");
  if (!audience) {
    return {
      reply: gcpReply(400, "non-empty audience parameter required\n", "text/plain; charset=utf-8"),
      error: "bad_request",
    };
  }
  const claims = googleClaims(ctx, { audience, full: request.query.get("format") === "full" });
  return { reply: gcpReply(200, await signJwt(ctx.key, claims)) };
}

function gcpReply(status: number, body: string, contentType = "application/text"): Reply {
  return textReply(status, body, { ...HEADERS, "content-type": contentType });
}

/** The Google front end's error page without `Metadata-Flavor`; the sentence that matters is Google's own. */
function forbidden(rawUrl: string): Reply {
  const body = `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 403 (Forbidden)!!1</title>\n` +
    `  <p><b>403.</b> <ins>That’s an error.</ins>\n  <p>Your client does not have permission to get URL <code>${
      xmlEscape(rawUrl)
    }</code> from this server. Missing Metadata-Flavor:Google header. <ins>That’s all we know.</ins>\n`;
  return gcpReply(403, body, "text/html; charset=UTF-8");
}

function notFound(): Reply {
  const body = `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n` +
    `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL was not found on this server. <ins>That’s all we know.</ins>\n`;
  return gcpReply(404, body, "text/html; charset=UTF-8");
}

const metadataRoute: Route = {
  target: "gcp",
  faults: { hugeBody: { head: "", tail: "", contentType: "application/text" } },
  matches: (path) => path.startsWith(GCP_METADATA_PREFIX),
  log: (request) => ({
    ...withoutEmpty({ audience: request.query.get("audience"), format: request.query.get("format") }),
    metadataFlavor: request.headers["metadata-flavor"] === "Google",
  }),
  handle: answer,
};

/** Google Cloud: a VM (or runner) whose metadata server speaks for a service account. */
export const googleCloud: PlatformEmulator = {
  id: "GoogleCloud",
  cliName: "gcp",
  audience: "sts.amazonaws.com",
  subject: SERVICE_ACCOUNT_ID,
  lifetimeSeconds: LIFETIME,
  demoSubject: SERVICE_ACCOUNT_ID,
  claims: googleClaims,
  env: (ctx) => Promise.resolve({ GCE_METADATA_HOST: `127.0.0.1:${ctx.port}` }),
  routes: [metadataRoute],
  fields: (ctx) => ({ gcpMetadataHost: `127.0.0.1:${ctx.port}` }),
};
