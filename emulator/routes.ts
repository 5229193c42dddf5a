/**
 * The route table: every endpoint the emulator serves is a {@link Route}, the
 * issuer's discovery documents and STS here, each platform's token endpoint
 * in its own file under `platforms/`. The server finds the route for a path,
 * logs the request under the route's target (which also names its fault
 * queue), and lets the route answer.
 *
 * @module
 */

import type { IncomingHttpHeaders } from "node:http";
import { decodeJwt } from "./jwt.ts";
import { discoveryReply, jwksReply } from "./oidc.ts";
import type { PlatformContext } from "./platforms/_platform.ts";
import type { StsService } from "./sts.ts";
import type { RequestRecord } from "./types.ts";
import type { HugeShape } from "./faults.ts";
import { STS_XMLNS } from "./sts.ts";
import { jsonReply, type Outcome, withoutEmpty } from "./_util.ts";

/** One request as a route sees it. */
export interface RouteRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The path with the query string, as sent. */
  rawUrl: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body; `undefined` when it was too large to read (the server then answers 413 itself). */
  body: string | undefined;
}

/** An endpoint: the paths it serves, what the request log keeps of a request, and the answer. */
export interface Route {
  /** The request log's `target` for these requests, and the fault queue they take faults from. */
  readonly target: Exclude<RequestRecord["target"], "other">;
  /** Present when faults can be queued for this target: how a huge answer of it looks. */
  readonly faults?: { hugeBody: HugeShape };
  /**
   * Whether the route serves `path`, whatever the method: a route answers a wrong method itself
   * (405 in its platform's words), and that request is logged under its target.
   */
  matches(path: string): boolean;
  /** The request log's fields for this route (never a token, bearer or secret), read before any fault applies. */
  log?(request: RouteRequest, ctx: PlatformContext): Partial<RequestRecord>;
  /** The answer, and an error code for the log when it refuses. */
  handle(request: RouteRequest & { body: string }, ctx: PlatformContext): Promise<Outcome>;
}

/** The issuer's OpenID discovery document and JWKS, which STS would read. */
export const discoveryRoute: Route = {
  target: "jwks",
  matches: (path) => path === "/.well-known/jwks" || path === "/.well-known/openid-configuration",
  handle: (request, ctx) =>
    Promise.resolve({
      reply: request.path.endsWith("/jwks") ? jwksReply(ctx.key) : discoveryReply(ctx.url, ctx.url),
    }),
};

/** STS on `POST /` and `POST /sts` (any method reaches it; STS answers the wrong ones itself). */
export function stsRoute(sts: StsService): Route {
  return {
    target: "sts",
    faults: {
      hugeBody: {
        head: `<AssumeRoleWithWebIdentityResponse xmlns="${STS_XMLNS}"><Padding>`,
        tail: `</Padding></AssumeRoleWithWebIdentityResponse>\n`,
        contentType: "text/xml",
      },
    },
    matches: (path) => path === "/" || path === "/sts",
    log(request) {
      const params = stsParams(request);
      const aud = decodeJwt(params.get("WebIdentityToken") ?? "")?.claims.aud;
      return withoutEmpty({
        action: params.get("Action"),
        roleArn: params.get("RoleArn"),
        roleSessionName: params.get("RoleSessionName"),
        audience: Array.isArray(aud) ? aud.join(",") : aud === undefined ? null : String(aud),
      });
    },
    handle: (request) => sts.handle({ ...request, params: stsParams(request) }),
  };
}

/** The route serving `path`, if any. */
export function findRoute(routes: readonly Route[], path: string): Route | undefined {
  return routes.find((route) => route.matches(path));
}

/** The answer to a path no route serves. */
export function noRoute(method: string, path: string): Outcome {
  return { reply: jsonReply(404, { message: `No route for ${method} ${path}` }) };
}

/** Query protocol parameters: the query string, then a form body over it. */
function stsParams(request: RouteRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  if (/^application\/x-www-form-urlencoded\b/i.test(request.headers["content-type"] ?? "")) {
    for (const [name, value] of new URLSearchParams(request.body ?? "")) params.set(name, value);
  }
  return params;
}
