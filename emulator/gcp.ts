/**
 * Google Cloud's metadata server, the part that hands out identity tokens:
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

import { signJwt } from "./jwt.ts";
import { GCP_SERVICE_ACCOUNT_EMAIL, PLATFORM_NAMES, platformClaims, type PlatformIssuer } from "./platforms.ts";
import { type Outcome, type Reply, safeDecode, textReply, xmlEscape } from "./_util.ts";

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
  "/computeMetadata/v1/instance/zone": `projects/${PLATFORM_NAMES.gcpProjectNumber}/zones/us-central1-a`,
  "/computeMetadata/v1/instance/service-accounts/": `default/\n${GCP_SERVICE_ACCOUNT_EMAIL}/\n`,
  "/computeMetadata/v1/project/project-id": PLATFORM_NAMES.gcpProject,
  "/computeMetadata/v1/project/numeric-project-id": PLATFORM_NAMES.gcpProjectNumber,
};

/**
 * Answers a request under `/computeMetadata/`: 403 (Google's HTML page) without
 * `Metadata-Flavor: Google`, 405 for a method other than GET, 404 for an
 * unknown path or service account, 400 without an audience, else 200 with the
 * raw token (`format=full` adds the email and instance claims).
 */
export async function handleGcpRequest(
  ctx: PlatformIssuer,
  request: { method: string; path: string; rawPath: string; query: URLSearchParams; flavor: string | undefined },
): Promise<Outcome> {
  if (request.flavor !== "Google") {
    // The Google front end's error page; the sentence that matters is Google's own.
    const body =
      `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 403 (Forbidden)!!1</title>\n` +
      `  <p><b>403.</b> <ins>That’s an error.</ins>\n  <p>Your client does not have permission to get URL <code>${
        xmlEscape(request.rawPath)
      }</code> from this server. Missing Metadata-Flavor:Google header. <ins>That’s all we know.</ins>\n`;
    return { reply: gcpReply(403, body, "text/html; charset=UTF-8"), error: "forbidden" };
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
  const claims = platformClaims(ctx, "gcp", { audience, full: request.query.get("format") === "full" });
  return { reply: gcpReply(200, await signJwt(ctx.github.key, claims)) };
}

function gcpReply(status: number, body: string, contentType = "application/text"): Reply {
  return textReply(status, body, { ...HEADERS, "content-type": contentType });
}

function notFound(): Reply {
  const body = `<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n` +
    `  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL was not found on this server. <ins>That’s all we know.</ins>\n`;
  return gcpReply(404, body, "text/html; charset=UTF-8");
}
