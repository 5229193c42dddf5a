/**
 * Fault injection: the kinds of trouble a token server or STS (or whatever sits in
 * front of them) can cause, and the code that produces each one on the wire.
 *
 * @module
 */

import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { stsErrorReply } from "./sts.ts";
import type { Reply } from "./_util.ts";

/**
 * An endpoint faults can be queued for: the `target` of a route that takes faults (`sts`, and each
 * platform's token endpoint: `token` for GitHub's, `buildkite`, `azure`, `gcp`); see `FAULT_TARGETS`.
 */
export type FaultTarget = string;

/** What a huge body looks like on a route: the start and end of its real answer around the padding. */
export interface HugeShape {
  head: string;
  tail: string;
  contentType: string;
}

/** STS error codes a fault can answer with (any other code string works too). */
export type StsErrorCode =
  | "Throttling"
  | "ThrottlingException"
  | "RequestLimitExceeded"
  | "TooManyRequestsException"
  | "IDPCommunicationError"
  | "IDPRejectedClaim"
  | "InvalidIdentityToken"
  | "ExpiredTokenException"
  | "AccessDenied"
  | "RegionDisabledException"
  | "MalformedPolicyDocument"
  | "PackedPolicyTooLarge"
  | "ValidationError"
  | "InternalFailure"
  | "ServiceUnavailable";

/** Options every fault takes. */
export interface FaultCommon {
  /** How many consecutive requests to the target get this fault; default 1. */
  times?: number;
  /** Wait this long first; alone, the request is then answered normally. */
  delayMs?: number;
}

/** A raw reply: any status, body, content type and headers (e.g. 429 with Retry-After). */
export interface RawFault extends FaultCommon {
  status: number;
  body?: string;
  /** Default `text/plain` when there is a body. */
  contentType?: string;
  headers?: Record<string, string>;
}

/** An STS-shaped `ErrorResponse`; status defaults to the code's usual one (Throttling 400, AccessDenied 403, …). */
export interface StsErrorFault extends FaultCommon {
  stsError: StsErrorCode | (string & Record<never, never>);
  status?: number;
  message?: string;
}

/** An HTML error page such as a load balancer returns; default status 503. */
export interface HtmlFault extends FaultCommon {
  html: true;
  status?: number;
}

/** The real answer's status and headers (Content-Length of the full body), then the connection is cut half-way through the body. */
export interface TruncateFault extends FaultCommon {
  truncate: true;
}

/** The connection is destroyed before any response. */
export interface DropFault extends FaultCommon {
  drop: true;
}

/** No answer ever, until the emulator stops or the client gives up. */
export interface HangFault extends FaultCommon {
  hang: true;
}

/** Wait, then answer normally. */
export interface DelayFault extends FaultCommon {
  delayMs: number;
}

/** A redirect to another URL; default status 307. */
export interface RedirectFault extends FaultCommon {
  redirect: string;
  status?: 301 | 302 | 303 | 307 | 308;
}

/**
 * A 200 answer of this many bytes, streamed with Content-Length, that looks like the target's answer
 * (each route's `faults.hugeBody`): `{"count":1,"value":"AAA…"}` (token), `{"token":"AAA…"}`
 * (buildkite), `{"oidcToken":"AAA…"}` (azure), `AAA…` (gcp) or XML (sts).
 */
export interface HugeBodyFault extends FaultCommon {
  hugeBody: number;
}

/** One fault; see {@link Emulator.fault}. */
export type Fault =
  | RawFault
  | StsErrorFault
  | HtmlFault
  | TruncateFault
  | DropFault
  | HangFault
  | DelayFault
  | RedirectFault
  | HugeBodyFault;

const KINDS = ["drop", "hang", "truncate", "hugeBody", "redirect", "html", "stsError", "status", "delayMs"] as const;

/** Throws on an object that names no known fault, so a typo in a test fails loudly. */
export function checkFault(fault: Fault): void {
  if (typeof fault !== "object" || fault === null || !KINDS.some((kind) => kind in fault)) {
    throw new TypeError(`Unknown fault ${JSON.stringify(fault)}: expected one of ${KINDS.join(", ")}`);
  }
}

/** The reply for faults that are a plain answer; `undefined` for the others. */
export function faultReply(fault: Fault): Reply | undefined {
  if ("redirect" in fault) {
    return {
      status: fault.status ?? 307,
      headers: { location: fault.redirect, "content-type": "text/plain" },
      body: `Redirecting to ${fault.redirect}\n`,
    };
  }
  if ("html" in fault) {
    const status = fault.status ?? 503;
    const title = `${status} ${STATUS_CODES[status] ?? "Error"}`;
    const body =
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
    return { status, headers: { "content-type": "text/html" }, body };
  }
  if ("stsError" in fault) return stsErrorReply(fault.stsError, fault.message, fault.status);
  if ("status" in fault) {
    const body = fault.body ?? "";
    const headers: Record<string, string> = {};
    if (body !== "" || fault.contentType) headers["content-type"] = fault.contentType ?? "text/plain";
    return { status: fault.status, headers: { ...headers, ...fault.headers }, body };
  }
  return undefined;
}

/**
 * Kills the connection without an answer. The socket goes first: Bun answers an
 * unanswered request with an empty 200 when only `res.destroy()` is called (or
 * called first). Node and Deno close the connection either way.
 */
export function cutConnection(req: IncomingMessage, res: ServerResponse): void {
  req.socket?.destroy();
  res.destroy();
}

/** Sends the status, headers and half the body of `reply`, announcing the full length, then cuts the connection. */
export function writeTruncated(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const bytes = new TextEncoder().encode(reply.body);
  res.writeHead(reply.status, { ...reply.headers, "content-length": String(bytes.length) });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => cutConnection(req, res));
}

const CHUNK = new Uint8Array(64 * 1024).fill(0x41); // "A"

/** Streams `size` bytes with backpressure, never holding more than one chunk. */
export async function writeHugeBody(
  res: ServerResponse,
  shape: HugeShape,
  size: number,
  signal: AbortSignal,
): Promise<void> {
  const encoder = new TextEncoder();
  let { head, tail } = shape;
  if (head.length + tail.length > size) head = tail = "";
  res.writeHead(200, { "content-type": shape.contentType, "content-length": String(size) });
  let open = true;
  res.once("close", () => (open = false));
  const write = async (chunk: Uint8Array): Promise<void> => {
    if (!open || signal.aborted) return;
    if (!res.write(chunk)) await drained(res, signal);
  };
  await write(encoder.encode(head));
  let left = size - head.length - tail.length;
  while (left > 0 && open && !signal.aborted) {
    const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    left -= chunk.length;
    await write(chunk);
  }
  if (open && !signal.aborted) res.end(encoder.encode(tail));
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
