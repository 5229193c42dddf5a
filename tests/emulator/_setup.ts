/**
 * Shared setup for the emulator tests (tests/emulator/*_test.ts): role ARNs, HTTP helpers that
 * talk to the emulator as plain clients do, and STS answer checks.
 */

import assert from "node:assert/strict";
import { type IncomingHttpHeaders, request as httpRequest } from "node:http";
import { STSClient } from "@aws-sdk/client-sts";
import { type Emulator, STS_XMLNS } from "../../emulator/mod.ts";

export const DEPLOY = "arn:aws:iam::123456789012:role/deploy";
export const PROD = "arn:aws:iam::123456789012:role/prod";
export const AUD_ROLE = "arn:aws:iam::123456789012:role/other-aud";
export const LONG = "arn:aws:iam::123456789012:role/path/to/long";
export const GOV = "arn:aws-us-gov:iam::210987654321:role/gov";
export const ROLES = {
  [DEPLOY]: { sub: "repo:octo-org/octo-repo:ref:refs/heads/*" },
  [PROD]: { sub: "repo:octo-org/octo-repo:environment:prod" },
  [AUD_ROLE]: { sub: "*", aud: "other-aud" },
  [LONG]: { sub: ["repo:nope/*", "repo:octo-org/*"], maxSessionDuration: 7200 },
  [GOV]: { sub: "repo:octo-org/octo-repo:ref:refs/heads/ma?n" },
};
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodePart(part: string): Record<string, unknown> {
  const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

export function decodeJwt(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = jwt.split(".");
  return { header: decodePart(header), claims: decodePart(claims) };
}

export async function getToken(em: Emulator, audience?: string): Promise<string> {
  const url = new URL(em.tokenUrl);
  if (audience !== undefined) url.searchParams.set("audience", audience);
  const res = await fetch(url, { headers: { authorization: `Bearer ${em.bearer}`, accept: "application/json" } });
  assert.equal(res.status, 200);
  return (await res.json()).value;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export async function postSts(em: Emulator, params: Record<string, string>, path = "/"): Promise<Answer> {
  const res = await fetch(new URL(path, em.stsUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function assume(em: Emulator, token: string, extra: Record<string, string> = {}): Promise<Answer> {
  return postSts(em, {
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: DEPLOY,
    RoleSessionName: "ci-session",
    WebIdentityToken: token,
    ...extra,
  });
}

/** The text of the first element named `name`, XML entities decoded. */
export function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(
    /&amp;/g,
    "&",
  );
}

export function assertStsError(answer: Answer, status: number, code: string, message?: RegExp | string): void {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.text, new RegExp(`^<ErrorResponse xmlns="${STS_XMLNS}">`));
  assert.equal(field(answer.text, "Code"), code);
  assert.equal(field(answer.text, "Type"), status >= 500 ? "Receiver" : "Sender");
  assert.equal(answer.headers.get("content-type"), "text/xml");
  assert.equal(answer.headers.get("x-amzn-requestid"), field(answer.text, "RequestId"));
  assert.match(field(answer.text, "RequestId")!, UUID);
  if (typeof message === "string") assert.equal(field(answer.text, "Message"), message);
  else if (message) assert.match(field(answer.text, "Message")!, message);
}

export interface RawAnswer {
  status?: number;
  headers?: IncomingHttpHeaders;
  received: number;
  head: string;
  tail: string;
  /** The body arrived whole ("end" with every announced byte). */
  complete: boolean;
  error?: string;
  ms: number;
}

/** A node:http request that reports exactly what came over the wire, cut or not. */
export function raw(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs?: number;
    abortAfterBytes?: number;
  } = {},
): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const answer: RawAnswer = { received: 0, head: "", tail: "", complete: false, ms: 0 };
    let settled = false;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) answer.error = error;
      answer.ms = Date.now() - started;
      resolve(answer);
    };
    const req = httpRequest(url, { method: init.method ?? "GET", headers: init.headers, agent: false }, (res) => {
      answer.status = res.statusCode;
      answer.headers = res.headers;
      const decoder = new TextDecoder();
      let ended = false;
      res.on("data", (chunk: Uint8Array) => {
        answer.received += chunk.length;
        const text = decoder.decode(chunk, { stream: true });
        if (answer.head.length < 64) answer.head += text.slice(0, 64 - answer.head.length);
        answer.tail = (answer.tail + text).slice(-64);
        if (init.abortAfterBytes !== undefined && answer.received >= init.abortAfterBytes) {
          req.destroy();
          finish("aborted by client");
        }
      });
      res.on("end", () => {
        ended = true;
        const length = res.headers["content-length"];
        answer.complete = length === undefined || Number(length) === answer.received;
        finish();
      });
      res.on("error", (e: Error & { code?: string }) => finish(e.code ?? e.message));
      res.on("aborted", () => finish("aborted"));
      res.on("close", () => finish(ended ? undefined : "closed before end"));
    });
    req.on("error", (e: Error & { code?: string }) => finish(e.code ?? e.message));
    const timer = setTimeout(() => {
      req.destroy();
      finish("timeout");
    }, init.timeoutMs ?? 3000);
    req.end(init.body);
  });
}

export function tokenHeaders(em: Emulator): Record<string, string> {
  return { authorization: `Bearer ${em.bearer}` };
}

export function sdkClient(
  em: Emulator,
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): STSClient {
  return new STSClient({
    region: "us-east-1",
    endpoint: em.stsUrl,
    maxAttempts: 1,
    ...(credentials ? { credentials } : {}),
  });
}

export const BK_TOKEN = "bk-agent-token-0123456789";
export const BK_JOB = "0184990a-477b-4fa8-9968-496074483cee";
export const AZ_TOKEN = "azure-access-token-abcdef";

/** `POST /buildkite/v3/jobs/:job/oidc/tokens` as the agent sends it. */
export function buildkite(
  em: Emulator,
  init: { body?: string; token?: string | null; job?: string; method?: string; scheme?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (init.token !== null) headers.authorization = `${init.scheme ?? "Token"} ${init.token ?? em.buildkiteAgentToken}`;
  const method = init.method ?? "POST";
  return fetch(`${em.buildkiteEndpoint}/jobs/${init.job ?? em.buildkiteJobId}/oidc/tokens`, {
    method,
    headers,
    body: method === "GET" ? undefined : init.body ?? "{}",
  });
}

/** `POST $SYSTEM_OIDCREQUESTURI?api-version=…` as Azure's tasks send it. */
export function azure(
  em: Emulator,
  init: { query?: Record<string, string>; token?: string | null; method?: string; accept?: string } = {},
): Promise<Response> {
  const url = new URL(em.azureOidcUrl);
  for (const [name, value] of Object.entries(init.query ?? { "api-version": "7.1" })) url.searchParams.set(name, value);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: init.accept ?? "application/json",
  };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? em.azureAccessToken}`;
  const method = init.method ?? "POST";
  return fetch(url, { method, headers, body: method === "GET" ? undefined : "{}" });
}

/** A metadata-server GET through GCE_METADATA_HOST, as Google's libraries make it. */
export function metadata(
  em: Emulator,
  path: string,
  flavor: string | null = "Google",
  method = "GET",
): Promise<Response> {
  return fetch(`http://${em.gcpMetadataHost}${path}`, {
    method,
    headers: flavor === null ? {} : { "metadata-flavor": flavor },
  });
}

export const IDENTITY = "/computeMetadata/v1/instance/service-accounts/default/identity";
