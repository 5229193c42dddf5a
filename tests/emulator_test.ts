/**
 * Tests for the loopback emulator (emulator/): the token server, STS, SigV4 with
 * the real AWS SDK, every fault knob seen from plain clients, the request log,
 * stop(), and main.ts as a process; then the other platforms: Buildkite's agent
 * API, Azure DevOps' token endpoint, Google's metadata server, platform-shaped
 * tokens, envFor, and faults on those endpoints. Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type IncomingHttpHeaders, request as httpRequest } from "node:http";
import { spawn } from "node:child_process";
import process from "node:process";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  AZURE_AUDIENCE,
  DEFAULT_SUBJECT,
  type Emulator,
  GCP_SERVICE_ACCOUNT_EMAIL,
  gitlabIdTokenVariable,
  matchesStringLike,
  type Platform,
  PLATFORM_AUDIENCES,
  PLATFORM_SUBJECTS,
  PLATFORMS,
  startEmulator,
  STS_XMLNS,
} from "../emulator/mod.ts";

const DEPLOY = "arn:aws:iam::123456789012:role/deploy";
const PROD = "arn:aws:iam::123456789012:role/prod";
const AUD_ROLE = "arn:aws:iam::123456789012:role/other-aud";
const LONG = "arn:aws:iam::123456789012:role/path/to/long";
const GOV = "arn:aws-us-gov:iam::210987654321:role/gov";
const ROLES = {
  [DEPLOY]: { sub: "repo:octo-org/octo-repo:ref:refs/heads/*" },
  [PROD]: { sub: "repo:octo-org/octo-repo:environment:prod" },
  [AUD_ROLE]: { sub: "*", aud: "other-aud" },
  [LONG]: { sub: ["repo:nope/*", "repo:octo-org/*"], maxSessionDuration: 7200 },
  [GOV]: { sub: "repo:octo-org/octo-repo:ref:refs/heads/ma?n" },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---------- helpers ----------

function decodePart(part: string): Record<string, unknown> {
  const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

function decodeJwt(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = jwt.split(".");
  return { header: decodePart(header), claims: decodePart(claims) };
}

async function getToken(em: Emulator, audience?: string): Promise<string> {
  const url = new URL(em.tokenUrl);
  if (audience !== undefined) url.searchParams.set("audience", audience);
  const res = await fetch(url, { headers: { authorization: `Bearer ${em.bearer}`, accept: "application/json" } });
  assert.equal(res.status, 200);
  return (await res.json()).value;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function postSts(em: Emulator, params: Record<string, string>, path = "/"): Promise<Answer> {
  const res = await fetch(new URL(path, em.stsUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function assume(em: Emulator, token: string, extra: Record<string, string> = {}): Promise<Answer> {
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
function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(
    /&amp;/g,
    "&",
  );
}

function assertStsError(answer: Answer, status: number, code: string, message?: RegExp | string): void {
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

interface RawAnswer {
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
function raw(
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

function tokenHeaders(em: Emulator): Record<string, string> {
  return { authorization: `Bearer ${em.bearer}` };
}

function sdkClient(
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

// ---------- tests ----------

describe("token server", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator();
  });
  after(() => em.stop());

  it("mints an RS256 JWT with GitHub's claims, verifiable with the published JWK", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await fetch(`${em.tokenUrl}&audience=sts.amazonaws.com`, { headers: tokenHeaders(em) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^application\/json/);
    const body = await res.json();
    assert.equal(body.count, 1);
    const { header, claims } = decodeJwt(body.value);

    const jwks = await (await fetch(`${em.url}/.well-known/jwks`)).json();
    assert.equal(jwks.keys.length, 1);
    const [jwk] = jwks.keys;
    assert.deepEqual({ alg: jwk.alg, use: jwk.use, kty: jwk.kty }, { alg: "RS256", use: "sig", kty: "RSA" });
    assert.deepEqual(header, { alg: "RS256", typ: "JWT", kid: jwk.kid });

    const publicKey = await crypto.subtle.importKey(
      "jwk",
      { kty: "RSA", n: jwk.n, e: jwk.e },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["verify"],
    );
    const [h, c, s] = body.value.split(".");
    const signature = Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
    assert.ok(
      await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, signature, new TextEncoder().encode(`${h}.${c}`)),
    );

    assert.equal(claims.iss, em.issuer);
    assert.equal(claims.iss, em.url);
    assert.equal(claims.aud, "sts.amazonaws.com");
    assert.equal(claims.sub, "repo:octo-org/octo-repo:ref:refs/heads/main");
    assert.equal(claims.repository, "octo-org/octo-repo");
    assert.equal(claims.repository_owner, "octo-org");
    assert.equal(claims.ref, "refs/heads/main");
    assert.equal(claims.run_id, em.env.GITHUB_RUN_ID);
    assert.match(claims.jti as string, UUID);
    const iat = claims.iat as number;
    assert.ok(iat >= before && iat <= before + 2);
    assert.equal(claims.nbf, iat - 60);
    assert.equal(claims.exp, iat + 300);
  });

  it("uses GitHub's default audience without the parameter, and a fresh jti each time", async () => {
    const a = decodeJwt(await getToken(em)).claims;
    const b = decodeJwt(await getToken(em, "")).claims;
    const c = decodeJwt(await getToken(em, "api://custom")).claims;
    assert.equal(a.aud, "https://github.com/octo-org");
    assert.equal(b.aud, "https://github.com/octo-org");
    assert.equal(c.aud, "api://custom");
    assert.equal(new Set([a.jti, b.jti, c.jti]).size, 3);
  });

  it("refuses a missing or wrong bearer with 401 JSON, and logs it without the bearer", async () => {
    em.reset();
    const missing = await fetch(em.tokenUrl);
    const wrong = await fetch(em.tokenUrl, { headers: { authorization: `Bearer ${em.bearer}x` } });
    const scheme = await fetch(em.tokenUrl, { headers: { authorization: `Token ${em.bearer}` } });
    for (const res of [missing, wrong, scheme]) {
      assert.equal(res.status, 401);
      assert.equal(typeof (await res.json()).message, "string");
    }
    const ok = await fetch(em.tokenUrl, { headers: { authorization: `bearer ${em.bearer}` } });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.deepEqual(em.requests.map((r) => [r.status, r.bearerOk, r.hasAuthorization, r.error]), [
      [401, false, false, "unauthorized"],
      [401, false, true, "unauthorized"],
      [401, false, true, "unauthorized"],
      [200, true, true, undefined],
    ]);
    assert.equal(em.count("token"), 4);
    assert.ok(!JSON.stringify(em.requests).includes(em.bearer));
  });

  it("serves OpenID discovery and the JWKS", async () => {
    const config = await (await fetch(`${em.url}/.well-known/openid-configuration`)).json();
    assert.equal(config.issuer, em.issuer);
    assert.equal(config.jwks_uri, `${em.url}/.well-known/jwks`);
    assert.deepEqual(config.id_token_signing_alg_values_supported, ["RS256"]);
    const missing = await fetch(`${em.url}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.equal(em.count("jwks"), 1);
    assert.equal(em.count("other"), 1);
  });

  it("applies claim overrides, the subject, the lifetime and the clock", async () => {
    const fixed = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    await using other = await startEmulator({
      subject: "repo:acme/app:environment:prod",
      claims: { repository: "acme/app", environment: "prod", ref: undefined },
      tokenLifetimeSeconds: 60,
      now: () => fixed,
      bearer: "fixed-bearer",
    });
    assert.equal(other.bearer, "fixed-bearer");
    assert.equal(other.env.GITHUB_REPOSITORY, "acme/app");
    const { claims } = decodeJwt(await getToken(other));
    assert.equal(claims.sub, "repo:acme/app:environment:prod");
    assert.equal(claims.aud, "https://github.com/acme");
    assert.equal(claims.environment, "prod");
    assert.ok(!("ref" in claims));
    assert.equal(claims.iat, Math.floor(fixed / 1000));
    assert.equal(claims.exp, Math.floor(fixed / 1000) + 60);
    const minted = decodeJwt(await other.mintToken({ claims: { sub: "custom" } })).claims;
    assert.equal(minted.sub, "custom");
    assert.equal(minted.aud, "sts.amazonaws.com");
  });
});

describe("STS AssumeRoleWithWebIdentity", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator({ roles: ROLES });
  });
  after(() => em.stop());

  it("answers with the documented XML shape", async () => {
    const token = await getToken(em, "sts.amazonaws.com");
    const started = Date.now();
    const answer = await assume(em, token);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get("content-type"), "text/xml");
    assert.match(
      answer.text,
      new RegExp(`^<AssumeRoleWithWebIdentityResponse xmlns="${STS_XMLNS}">\n  <AssumeRoleWithWebIdentityResult>`),
    );
    assert.match(field(answer.text, "AccessKeyId")!, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(field(answer.text, "SecretAccessKey")!.length, 40);
    assert.ok(field(answer.text, "SessionToken")!.length > 400);
    const expiration = field(answer.text, "Expiration")!;
    assert.match(expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(expiration) - (started + 3600_000)) < 3000);
    assert.equal(field(answer.text, "SubjectFromWebIdentityToken"), "repo:octo-org/octo-repo:ref:refs/heads/main");
    assert.equal(field(answer.text, "Arn"), "arn:aws:sts::123456789012:assumed-role/deploy/ci-session");
    assert.match(field(answer.text, "AssumedRoleId")!, /^AROA[A-Z0-9]{17}:ci-session$/);
    assert.equal(
      field(answer.text, "Provider"),
      `arn:aws:iam::123456789012:oidc-provider/${em.url.slice("http://".length)}`,
    );
    assert.equal(field(answer.text, "Audience"), "sts.amazonaws.com");
    assert.equal(answer.headers.get("x-amzn-requestid"), field(answer.text, "RequestId"));
    assert.match(field(answer.text, "RequestId")!, UUID);
    assert.equal(field(answer.text, "PackedPolicySize"), undefined);
    const issued = em.issued.get(field(answer.text, "AccessKeyId")!);
    assert.equal(issued?.roleArn, DEPLOY);
    assert.equal(issued?.sessionToken, field(answer.text, "SessionToken"));
  });

  it("honours DurationSeconds, role paths, other partitions, /sts and a session policy", async () => {
    const long = await assume(em, await em.mintToken(), {
      RoleArn: LONG,
      DurationSeconds: "7200",
      Policy: '{"Version":"2012-10-17"}',
    });
    assert.equal(long.status, 200, long.text);
    assert.ok(Math.abs(Date.parse(field(long.text, "Expiration")!) - (Date.now() + 7200_000)) < 3000);
    assert.equal(field(long.text, "Arn"), "arn:aws:sts::123456789012:assumed-role/long/ci-session");
    assert.equal(field(long.text, "PackedPolicySize"), "6");
    const short = await assume(em, await em.mintToken(), { DurationSeconds: "900" });
    assert.ok(Math.abs(Date.parse(field(short.text, "Expiration")!) - (Date.now() + 900_000)) < 3000);
    const gov = await postSts(em, {
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: GOV,
      RoleSessionName: "s@x.y",
      WebIdentityToken: await em.mintToken(),
    }, "/sts");
    assert.equal(gov.status, 200, gov.text);
    assert.equal(field(gov.text, "Arn"), "arn:aws-us-gov:sts::210987654321:assumed-role/gov/s@x.y");
    assert.match(field(gov.text, "Provider")!, /^arn:aws-us-gov:iam::210987654321:oidc-provider\//);
    const query = new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: DEPLOY,
      RoleSessionName: "by-get",
      WebIdentityToken: await em.mintToken(),
    });
    const byGet = await fetch(`${em.stsUrl}/?${query}`);
    assert.equal(byGet.status, 200, "STS also takes the parameters in a GET query string");
    assert.match(await byGet.text(), /assumed-role\/deploy\/by-get/);
  });

  it("rejects bad tokens as STS does", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, number, string, RegExp | string][] = [
      ["forged signature", await em.mintToken({ foreignKey: true }), 400, "InvalidIdentityToken", /signature/],
      [
        "expired",
        await em.mintToken({ claims: { exp: now - 5 } }),
        400,
        "ExpiredTokenException",
        new RegExp(`^Token expired: current date/time \\d+ must be before the expiration date/time ${now - 5}$`),
      ],
      [
        "not yet valid",
        await em.mintToken({ claims: { nbf: now + 600 } }),
        400,
        "InvalidIdentityToken",
        /not yet valid/,
      ],
      [
        "wrong audience",
        await em.mintToken({ audience: "https://github.com/octo-org" }),
        400,
        "InvalidIdentityToken",
        "Incorrect token audience",
      ],
      [
        "wrong issuer",
        await em.mintToken({ claims: { iss: "https://token.actions.githubusercontent.com" } }),
        400,
        "InvalidIdentityToken",
        "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
      ],
      ["not a JWT", "not-a-jwt", 400, "InvalidIdentityToken", /well-formed/],
      [
        "alg none",
        `${btoa('{"alg":"none"}').replace(/=/g, "")}.${(await em.mintToken()).split(".")[1]}.`,
        400,
        "InvalidIdentityToken",
        /signature/,
      ],
    ];
    for (const [name, token, status, code, message] of cases) {
      const answer = await assume(em, token);
      assert.equal(field(answer.text, "Code"), code, name);
      assertStsError(answer, status, code, message);
    }
  });

  it("accepts a token whose aud list includes an allowed audience", async () => {
    const answer = await assume(em, await em.mintToken({ claims: { aud: ["x", "sts.amazonaws.com"] } }));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(field(answer.text, "Audience"), "sts.amazonaws.com");
  });

  it("rejects expired tokens minted by the token server's own clock", async () => {
    await using past = await startEmulator({ now: () => Date.now() - 3600_000 });
    assertStsError(
      await assume(past, await getToken(past, "sts.amazonaws.com")),
      400,
      "ExpiredTokenException",
      /^Token expired/,
    );
  });

  it("denies what the trust policy does not allow", async () => {
    const token = await em.mintToken();
    const denied = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
    assertStsError(await assume(em, token, { RoleArn: PROD }), 403, "AccessDenied", denied);
    assertStsError(
      await assume(em, token, { RoleArn: "arn:aws:iam::123456789012:role/unknown" }),
      403,
      "AccessDenied",
      denied,
    );
    assertStsError(await assume(em, token, { RoleArn: AUD_ROLE }), 403, "AccessDenied", denied);
    assertStsError(
      await assume(em, await em.mintToken({ claims: { sub: "repo:octo-org/octo-repo:ref:refs/heads/mxin" } }), {
        RoleArn: GOV,
      }),
      403,
      "AccessDenied",
    );
    assertStsError(
      await assume(em, await em.mintToken({ claims: { sub: "repo:octo-org/octo-repo:pull_request" } })),
      403,
      "AccessDenied",
    );
    const prod = await assume(em, await em.mintToken({ claims: { sub: "repo:octo-org/octo-repo:environment:prod" } }), {
      RoleArn: PROD,
    });
    assert.equal(prod.status, 200, prod.text);
  });

  it("trusts every role for any subject when no roles are configured", async () => {
    await using open = await startEmulator();
    const answer = await assume(open, await open.mintToken({ claims: { sub: "any\u0001<thing>\ud800" } }), {
      RoleArn: "arn:aws:iam::000000000000:role/x",
    });
    assert.equal(answer.status, 200, answer.text);
    assert.ok(
      answer.text.includes("<SubjectFromWebIdentityToken>any\ufffd&lt;thing&gt;\ufffd</SubjectFromWebIdentityToken>"),
    );
    assertStsError(
      await assume(open, await open.mintToken(), { DurationSeconds: "3601" }),
      400,
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  });

  it("validates parameters with AWS's ValidationError wording, escaping the XML", async () => {
    const token = await em.mintToken();
    assertStsError(
      await assume(em, token, { RoleSessionName: "a b" }),
      400,
      "ValidationError",
      "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
    assertStsError(
      await assume(em, token, { RoleSessionName: "a" }),
      400,
      "ValidationError",
      /Member must have length greater than or equal to 2$/,
    );
    assertStsError(
      await assume(em, token, { RoleSessionName: "x".repeat(65) }),
      400,
      "ValidationError",
      /Member must have length less than or equal to 64$/,
    );
    assertStsError(
      await assume(em, token, { DurationSeconds: "100" }),
      400,
      "ValidationError",
      /'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900$/,
    );
    assertStsError(
      await assume(em, token, { DurationSeconds: "50000" }),
      400,
      "ValidationError",
      /less than or equal to 43200$/,
    );
    assertStsError(
      await assume(em, token, { DurationSeconds: "7200" }),
      400,
      "ValidationError",
      /exceeds the MaxSessionDuration/,
    );
    assertStsError(
      await assume(em, token, { RoleArn: "arn:aws:iam::123:role/x-long-name" }),
      400,
      "ValidationError",
      "Request ARN is invalid",
    );
    assertStsError(
      await assume(em, token, { RoleArn: "arn:aws:iam::1" }),
      400,
      "ValidationError",
      /'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20$/,
    );
    const two = await assume(em, "abc", { RoleSessionName: "a" });
    assertStsError(
      two,
      400,
      "ValidationError",
      /^2 validation errors detected: .*; Value at 'webIdentityToken' failed/,
    );
    assert.ok(!two.text.includes("'abc'"), "the token value never appears in a message");
    assertStsError(await assume(em, token, { Policy: "{not json" }), 400, "MalformedPolicyDocument");
    const escaped = await assume(em, token, { RoleSessionName: `a<b&"c'` });
    assert.match(escaped.text, /Value &apos;a&lt;b&amp;&quot;c&apos;&apos; at &apos;roleSessionName&apos;/);
    assert.match(field(escaped.text, "Message")!, /^1 validation error detected: Value 'a<b&"c'' at 'roleSessionName'/);
  });

  it("answers missing parameters and unknown actions with their STS codes", async () => {
    assertStsError(
      await postSts(em, {
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleSessionName: "s1",
        WebIdentityToken: "abcd",
      }),
      400,
      "MissingParameter",
      "The request must contain the parameter RoleArn",
    );
    assertStsError(
      await postSts(em, {
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: DEPLOY,
        RoleSessionName: "s1",
      }),
      400,
      "MissingParameter",
      "The request must contain the parameter WebIdentityToken",
    );
    assertStsError(
      await postSts(em, { Action: "DecodeAuthorizationMessage", Version: "2011-06-15" }),
      400,
      "InvalidAction",
      "Could not find operation DecodeAuthorizationMessage for version 2011-06-15",
    );
    assertStsError(
      await postSts(em, { Action: "AssumeRoleWithWebIdentity", Version: "2010-01-01" }),
      400,
      "InvalidAction",
    );
    assertStsError(
      await postSts(em, { Action: "GetCallerIdentity" }),
      400,
      "MissingParameter",
      "The request must contain the parameter Version",
    );
    assertStsError(await postSts(em, { Version: "2011-06-15" }), 400, "MissingAction");
  });

  it("matches IAM StringLike patterns", () => {
    const cases: [string, string, boolean][] = [
      ["repo:octo-org/*", "repo:octo-org/octo-repo:ref:refs/heads/main", true],
      ["repo:octo-org/*", "repo:octo-orgx/a", false],
      ["repo:o/r:ref:refs/heads/ma?n", "repo:o/r:ref:refs/heads/main", true],
      ["repo:o/r:ref:refs/heads/ma?n", "repo:o/r:ref:refs/heads/man", false],
      ["*", "", true],
      ["a*b*c", "abc", true],
      ["a*b*c", "aXbYcZ", false],
      ["repo:o/r.x", "repo:o/rXx", false],
      ["Repo:o/*", "repo:o/r", false],
      ["a${*}b", "a*b", true],
      ["a${*}b", "axb", false],
      ["a${?}", "a?", true],
      ["${$}{x}", "${x}", true],
      ["(a|b)+[c]", "(a|b)+[c]", true],
      ["line*", "line1\nline2", true],
    ];
    for (const [pattern, value, expected] of cases) {
      assert.equal(matchesStringLike(pattern, value), expected, `${pattern} ~ ${JSON.stringify(value)}`);
    }
  });
});

describe("STS with @aws-sdk/client-sts", () => {
  let em: Emulator;
  let clock = 0;
  before(async () => {
    em = await startEmulator({ roles: ROLES, stsNow: () => Date.now() + clock });
  });
  after(() => em.stop());

  async function credentials(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
    const out = await sdkClient(em).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: DEPLOY,
        RoleSessionName: "sdk-session",
        WebIdentityToken: await getToken(em, "sts.amazonaws.com"),
      }),
    );
    return {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
  }

  async function sdkError(promise: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
    try {
      await promise;
    } catch (e) {
      const error = e as Error & { $metadata?: { httpStatusCode?: number } };
      return { name: error.name, status: error.$metadata?.httpStatusCode, message: error.message };
    }
    assert.fail("expected the SDK call to fail");
  }

  it("AssumeRoleWithWebIdentityCommand gets credentials the SDK parses", async () => {
    const out = await sdkClient(em).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: DEPLOY,
        RoleSessionName: "sdk-session",
        WebIdentityToken: await getToken(em, "sts.amazonaws.com"),
        DurationSeconds: 1800,
      }),
    );
    assert.match(out.Credentials!.AccessKeyId!, /^ASIA/);
    assert.ok(out.Credentials!.Expiration instanceof Date);
    assert.ok(Math.abs(out.Credentials!.Expiration!.getTime() - (Date.now() + 1800_000)) < 3000);
    assert.equal(out.AssumedRoleUser!.Arn, "arn:aws:sts::123456789012:assumed-role/deploy/sdk-session");
    assert.equal(out.SubjectFromWebIdentityToken, "repo:octo-org/octo-repo:ref:refs/heads/main");
    assert.equal(out.Audience, "sts.amazonaws.com");
    assert.match(out.$metadata.requestId!, UUID);
    const last = em.requests.at(-1)!;
    assert.deepEqual([last.action, last.roleArn, last.roleSessionName, last.audience, last.hasAuthorization], [
      "AssumeRoleWithWebIdentity",
      DEPLOY,
      "sdk-session",
      "sts.amazonaws.com",
      false,
    ]);
  });

  it("surfaces STS errors as SDK exceptions", async () => {
    const denied = await sdkError(
      sdkClient(em).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: PROD,
          RoleSessionName: "x1",
          WebIdentityToken: await em.mintToken(),
        }),
      ),
    );
    assert.deepEqual([denied.name, denied.status, denied.message], [
      "AccessDenied",
      403,
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ]);
    const expired = await sdkError(
      sdkClient(em).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: DEPLOY,
          RoleSessionName: "x1",
          WebIdentityToken: await em.mintToken({ claims: { exp: 1 } }),
        }),
      ),
    );
    assert.deepEqual([expired.name, expired.status], ["ExpiredTokenException", 400]);
  });

  it("GetCallerIdentity succeeds with issued credentials and checks every part of the signature", async () => {
    const creds = await credentials();
    const issued = em.issued.get(creds.accessKeyId)!;
    const me = await sdkClient(em, creds).send(new GetCallerIdentityCommand({}));
    assert.deepEqual([me.Arn, me.UserId, me.Account], [issued.assumedRoleArn, issued.assumedRoleId, "123456789012"]);
    assert.match(me.UserId!, /^AROA[A-Z0-9]{17}:sdk-session$/);

    const tamperedSecret = await sdkError(
      sdkClient(em, { ...creds, secretAccessKey: `${creds.secretAccessKey.slice(0, -1)}x` }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    assert.deepEqual([tamperedSecret.name, tamperedSecret.status], ["SignatureDoesNotMatch", 403]);
    assert.match(tamperedSecret.message, /^The request signature we calculated does not match/);

    const tamperedToken = await sdkError(
      sdkClient(em, { ...creds, sessionToken: `${creds.sessionToken}x` }).send(new GetCallerIdentityCommand({})),
    );
    assert.deepEqual([tamperedToken.name, tamperedToken.status], ["InvalidClientTokenId", 403]);
    const noToken = await sdkError(
      sdkClient(em, { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    assert.equal(noToken.name, "InvalidClientTokenId");
    const unknown = await sdkError(
      sdkClient(em, { ...creds, accessKeyId: "ASIAAAAAAAAAAAAAAAAA" }).send(new GetCallerIdentityCommand({})),
    );
    assert.deepEqual([unknown.name, unknown.status], ["InvalidClientTokenId", 403]);

    const last = em.requests.at(-1)!;
    assert.deepEqual([last.action, last.hasAuthorization, last.error], [
      "GetCallerIdentity",
      true,
      "InvalidClientTokenId",
    ]);
    const log = JSON.stringify(em.requests);
    assert.ok(!log.includes(creds.secretAccessKey) && !log.includes(creds.sessionToken));
  });

  it("GetCallerIdentity refuses expired credentials, stale signatures and unsigned requests", async () => {
    const creds = await credentials();
    clock = 3601_000;
    try {
      const expired = await sdkError(sdkClient(em, creds).send(new GetCallerIdentityCommand({})));
      assert.deepEqual([expired.name, expired.status, expired.message], [
        "ExpiredToken",
        400,
        "The security token included in the request is expired",
      ]);
      clock = 20 * 60_000;
      const stale = await sdkError(sdkClient(em, creds).send(new GetCallerIdentityCommand({})));
      assert.equal(stale.name, "SignatureDoesNotMatch");
      assert.match(stale.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    } finally {
      clock = 0;
    }
    assertStsError(
      await postSts(em, { Action: "GetCallerIdentity", Version: "2011-06-15" }),
      403,
      "MissingAuthenticationToken",
      "Request is missing Authentication Token",
    );
    const incomplete = await fetch(em.stsUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/20260101/us-east-1/sts/aws4_request`,
      },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    assertStsError(
      { status: incomplete.status, headers: incomplete.headers, text: await incomplete.text() },
      400,
      "IncompleteSignature",
      /'SignedHeaders'/,
    );
  });
});

describe("faults", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator();
  });
  after(() => em.stop());

  it("raw replies: any status, body, content type and headers", async () => {
    em.reset();
    em.fault("token", { status: 502, body: "Bad Gateway" });
    em.fault("sts", { status: 429, headers: { "retry-after": "2" } });
    const bad = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.deepEqual([bad.status, bad.headers!["content-type"], bad.head, bad.complete], [
      502,
      "text/plain",
      "Bad Gateway",
      true,
    ]);
    const limited = await raw(em.stsUrl, { method: "POST", body: "Action=GetCallerIdentity" });
    assert.deepEqual([
      limited.status,
      limited.headers!["retry-after"],
      limited.received,
      limited.headers!["content-type"],
    ], [429, "2", 0, undefined]);
    em.fault("token", { status: 500, body: '{"message":"oops"}', contentType: "application/json" });
    const json = await fetch(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.deepEqual([json.status, json.headers.get("content-type"), await json.json()], [500, "application/json", {
      message: "oops",
    }]);
    assert.deepEqual(em.requests.map((r) => [r.target, r.status, r.faulted]), [
      ["token", 502, true],
      ["sts", 429, true],
      ["token", 500, true],
    ]);
  });

  it("stsError replies with the code's default status and type, or the ones given", async () => {
    const token = await em.mintToken();
    const expect: [Parameters<Emulator["fault"]>[1], number, string, string | RegExp][] = [
      [{ stsError: "Throttling" }, 400, "Throttling", "Rate exceeded"],
      [{ stsError: "IDPCommunicationError" }, 400, "IDPCommunicationError", /could not be reached/],
      [{ stsError: "InvalidIdentityToken", message: "custom <msg>" }, 400, "InvalidIdentityToken", "custom <msg>"],
      [{ stsError: "ExpiredTokenException" }, 400, "ExpiredTokenException", /^Token expired/],
      [{ stsError: "AccessDenied" }, 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"],
      [{ stsError: "ServiceUnavailable" }, 503, "ServiceUnavailable", /temporary failure/],
      [{ stsError: "InternalFailure" }, 500, "InternalFailure", /unknown error/],
      [{ stsError: "Throttling", status: 429 }, 429, "Throttling", "Rate exceeded"],
    ];
    for (const [fault, status, code, message] of expect) {
      em.fault("sts", fault);
      assertStsError(await assume(em, token), status, code, message);
    }
    assert.equal((await assume(em, token)).status, 200);
  });

  it("html: a load balancer's error page", async () => {
    em.fault("sts", { html: true });
    em.fault("token", { html: true, status: 502 });
    const sts = await raw(em.stsUrl, { method: "POST" });
    assert.deepEqual([sts.status, sts.headers!["content-type"]], [503, "text/html"]);
    assert.match(sts.head, /^<html>\r\n<head><title>503 Service Unavailable<\/title>/);
    const token = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.equal(token.status, 502);
    assert.match(token.head, /502 Bad Gateway/);
  });

  it("truncate: full Content-Length announced, half the body sent, then the connection cut", async () => {
    for (const target of ["token", "sts"] as const) {
      em.reset();
      em.fault(target, { truncate: true });
      const answer = target === "token" ? await raw(em.tokenUrl, { headers: tokenHeaders(em) }) : await raw(em.stsUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body:
          `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${DEPLOY}&RoleSessionName=abc&WebIdentityToken=${await em
            .mintToken()}`,
      });
      assert.equal(answer.status, 200, target);
      const length = Number(answer.headers!["content-length"]);
      assert.ok(length > 100);
      assert.equal(answer.received, Math.floor(length / 2), target);
      assert.equal(answer.complete, false);
      assert.ok(answer.error && answer.error !== "timeout", `${target}: ${answer.error}`);
      assert.deepEqual(em.requests.map((r) => [r.status, r.faulted]), [[200, true]]);
    }
    em.fault("token", { truncate: true });
    const res = await fetch(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
  });

  it("drop: the connection is destroyed before any response", async () => {
    em.reset();
    em.fault("sts", { drop: true, times: 2 });
    const plain = await raw(em.stsUrl, { method: "POST", body: "Action=GetCallerIdentity" });
    assert.equal(plain.status, undefined);
    assert.ok(plain.error && plain.error !== "timeout", plain.error);
    await assert.rejects(fetch(em.stsUrl, { method: "POST", body: "x=1" }), TypeError);
    assert.deepEqual(em.requests.map((r) => [r.status, r.faulted]), [[0, true], [0, true]]);
  });

  it("hang: no answer until the client gives up", async () => {
    em.reset();
    em.fault("token", { hang: true });
    const answer = await raw(em.tokenUrl, { headers: tokenHeaders(em), timeoutMs: 200 });
    assert.deepEqual([answer.status, answer.error], [undefined, "timeout"]);
    assert.ok(answer.ms >= 190);
    em.fault("token", { hang: true });
    const started = Date.now();
    await assert.rejects(fetch(em.tokenUrl, { headers: tokenHeaders(em), signal: AbortSignal.timeout(150) }));
    assert.ok(Date.now() - started >= 140);
    assert.equal((await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status, 200, "the next request is answered");
    assert.deepEqual(em.requests.map((r) => [r.status, r.faulted ?? false]), [[0, true], [0, true], [200, false]]);
  });

  it("delayMs: answers normally after the delay; latencyMs delays every response", async () => {
    em.fault("token", { delayMs: 150 });
    const slow = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.equal(slow.status, 200);
    assert.ok(slow.complete);
    assert.ok(slow.ms >= 140, `${slow.ms}`);
    em.fault("sts", { delayMs: 100, stsError: "Throttling" });
    const throttled = await raw(em.stsUrl, { method: "POST" });
    assert.ok(throttled.status === 400 && throttled.ms >= 90);
    await using laggy = await startEmulator({ latencyMs: 120 });
    const lag = await raw(`${laggy.url}/.well-known/jwks`);
    assert.equal(lag.status, 200);
    assert.ok(lag.ms >= 110, `${lag.ms}`);
  });

  it("redirect: Location to another URL", async () => {
    em.fault("token", { redirect: "http://127.0.0.1:9/elsewhere" });
    em.fault("sts", { redirect: `${em.url}/sts`, status: 308 });
    const token = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.deepEqual([token.status, token.headers!.location], [307, "http://127.0.0.1:9/elsewhere"]);
    const sts = await raw(em.stsUrl, { method: "POST" });
    assert.deepEqual([sts.status, sts.headers!.location], [308, `${em.url}/sts`]);
    em.fault("token", { redirect: "http://127.0.0.1:9/elsewhere" });
    await assert.rejects(fetch(em.tokenUrl, { headers: tokenHeaders(em), redirect: "error" }));
  });

  it("hugeBody: a streamed 200 of exactly that many bytes", async () => {
    const size = 16 * 1024 * 1024 + 3;
    em.fault("token", { hugeBody: size });
    const token = await raw(em.tokenUrl, { headers: tokenHeaders(em), timeoutMs: 4000 });
    assert.deepEqual([token.status, token.headers!["content-length"], token.received, token.complete], [
      200,
      String(size),
      size,
      true,
    ]);
    assert.match(token.headers!["content-type"]!, /^application\/json/);
    assert.ok(token.head.startsWith('{"count":1,"value":"AAAA'));
    assert.ok(token.tail.endsWith('AAAA"}'));
    em.fault("sts", { hugeBody: 100_000 });
    const sts = await raw(em.stsUrl, { method: "POST" });
    assert.deepEqual([sts.status, sts.received, sts.headers!["content-type"]], [200, 100_000, "text/xml"]);
    assert.ok(sts.head.startsWith("<AssumeRoleWithWebIdentityResponse"));
    assert.ok(sts.tail.endsWith("</AssumeRoleWithWebIdentityResponse>\n"));
    em.fault("sts", { hugeBody: 10 });
    assert.equal((await raw(em.stsUrl, { method: "POST" })).received, 10);
    em.fault("token", { hugeBody: 64 * 1024 * 1024 });
    const gaveUp = await raw(em.tokenUrl, { headers: tokenHeaders(em), abortAfterBytes: 100_000 });
    assert.equal(gaveUp.error, "aborted by client");
    assert.equal(
      (await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status,
      200,
      "still serving after a client left mid-body",
    );
  });

  it("times, queue order and reset", async () => {
    em.reset();
    em.fault("sts", { stsError: "Throttling", times: 2 });
    em.fault("sts", { status: 503 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await raw(em.stsUrl, { method: "POST" })).status);
    assert.deepEqual(statuses, [400, 400, 503, 400]); // the last one is the real MissingAction
    assert.deepEqual(em.requests.map((r) => r.faulted ?? false), [true, true, true, false]);
    em.fault("token", { status: 500 });
    em.reset();
    assert.equal(em.count(), 0);
    assert.equal((await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status, 200);
    assert.throws(() => em.fault("token", { stats: 500 } as never), TypeError);
    assert.throws(() => em.fault("jwks" as never, { status: 500 }), TypeError);
  });
});

describe("request log", () => {
  it("counts each target and records what the flow did, with no secrets", async () => {
    await using em = await startEmulator({ roles: ROLES });
    const token = await getToken(em, "sts.amazonaws.com");
    await getToken(em);
    const answer = await assume(em, token);
    await assume(em, token, { RoleArn: PROD });
    await (await fetch(`${em.url}/.well-known/openid-configuration`)).body?.cancel();
    assert.deepEqual([em.count(), em.count("token"), em.count("sts"), em.count("jwks"), em.count("other")], [
      5,
      2,
      2,
      1,
      0,
    ]);
    assert.deepEqual(em.requests[0], {
      target: "token",
      method: "GET",
      path: "/token",
      status: 200,
      hasAuthorization: true,
      audience: "sts.amazonaws.com",
      bearerOk: true,
    });
    assert.deepEqual(em.requests[1], {
      target: "token",
      method: "GET",
      path: "/token",
      status: 200,
      hasAuthorization: true,
      bearerOk: true,
    });
    assert.deepEqual(em.requests[2], {
      target: "sts",
      method: "POST",
      path: "/",
      status: 200,
      hasAuthorization: false,
      action: "AssumeRoleWithWebIdentity",
      roleArn: DEPLOY,
      roleSessionName: "ci-session",
      audience: "sts.amazonaws.com",
    });
    assert.deepEqual([em.requests[3].status, em.requests[3].error], [403, "AccessDenied"]);
    const log = JSON.stringify(em.requests);
    for (
      const secret of [em.bearer, token, field(answer.text, "SecretAccessKey")!, field(answer.text, "SessionToken")!]
    ) {
      assert.ok(!log.includes(secret));
    }
  });
});

describe("lifecycle", () => {
  it("exposes the URLs and a GitHub Actions job's env", async () => {
    await using em = await startEmulator();
    assert.match(em.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(em.tokenUrl, `${em.url}/token?api-version=2.0`);
    assert.equal(em.stsUrl, em.url);
    assert.deepEqual(em.env, {
      GITHUB_ACTIONS: "true",
      ACTIONS_ID_TOKEN_REQUEST_URL: em.tokenUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: em.bearer,
      GITHUB_RUN_ID: em.env.GITHUB_RUN_ID,
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_REPOSITORY: "octo-org/octo-repo",
      AWS_ENDPOINT_URL_STS: em.url,
      AWS_REGION: "us-east-1",
    });
    assert.match(em.env.GITHUB_RUN_ID, /^\d{10}$/);
  });

  it("stop() closes hung and idle connections promptly", async () => {
    const em = await startEmulator();
    await (await fetch(`${em.url}/.well-known/jwks`)).body?.cancel(); // leaves a keep-alive connection
    em.fault("token", { hang: true });
    em.fault("sts", { delayMs: 10_000 });
    const hung = raw(em.tokenUrl, { headers: tokenHeaders(em), timeoutMs: 5000 });
    const delayed = fetch(em.stsUrl, { method: "POST" }).then((r) => r.status, () => "failed");
    for (let waited = 0; em.count() < 3 && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(em.count(), 3);
    await em.stop();
    // Promptly: the hung request ends with a closed connection, long before its own 5 s timeout.
    const answer = await hung;
    assert.ok(answer.error && answer.error !== "timeout", answer.error);
    assert.equal(await delayed, "failed");
    await em.stop(); // idempotent
    await assert.rejects(fetch(em.tokenUrl));
  });

  it("main.ts runs as a process, prints a job's env (--platform picks whose) and stops on SIGTERM", async () => {
    const roles = JSON.stringify({ "arn:aws:iam::111122223333:role/bench": { sub: "repo:octo-org/*" } });
    const github = runMain(["--roles", roles, "--bearer", "b3"], async (env, stderr) => {
      assert.equal(env.AWS_ROLE_ARN, "arn:aws:iam::111122223333:role/bench");
      assert.equal(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, "b3");
      assert.match(env.AWS_ENDPOINT_URL_STS, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(stderr(), /listening on http:\/\/127\.0\.0\.1:\d+/);
      const res = await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`, {
        headers: { authorization: "Bearer b3" },
      });
      const { value } = await res.json();
      await assumeAt(env, value);
    });
    // Another platform: its env, STS accepting its default audience, the demo role trusting its subject.
    const circleci = runMain(["--platform", "circleci"], async (env, stderr) => {
      assert.equal(env.CIRCLECI, "true");
      assert.equal(env.AWS_ROLE_ARN, "arn:aws:iam::123456789012:role/oidc2aws-demo");
      assert.ok(!("GITHUB_ACTIONS" in env));
      assert.equal(decodeJwt(env.CIRCLE_OIDC_TOKEN_V2).claims.aud, PLATFORM_AUDIENCES.circleci);
      await assumeAt(env, env.CIRCLE_OIDC_TOKEN_V2);
      assert.match(stderr(), /circleci job env/);
    });
    const refused = runMain(["--platform", "jenkins"], () => Promise.resolve()).then(() => undefined, (e: Error) => e);
    await Promise.all([github, circleci]);
    assert.match((await refused)?.message ?? "started", /exited 2: --platform must be one of github, gitlab/);
  });
});

/**
 * Runs emulator/main.ts on this runtime with `args`, hands `use` the env it printed, then stops it
 * with SIGTERM and expects exit code 0; rejects with the exit code and stderr when it fails to start.
 */
async function runMain(
  args: string[],
  use: (env: Record<string, string>, stderr: () => string) => Promise<void>,
): Promise<void> {
  const main = new URL("../emulator/main.ts", import.meta.url).pathname;
  const runtime = "Deno" in globalThis ? ["run", "-A", main] : "Bun" in globalThis ? [main] : ["--import", "tsx", main];
  const child = spawn(process.execPath, [...runtime, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let stdout = "";
  let stderr = "";
  try {
    // Started = the whole env on stdout and the "listening" line on stderr (two pipes: either may
    // arrive first). A cold Deno or tsx start compiles the emulator first: allow it 15 s.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`main.ts did not start: ${stderr}`)), 15_000);
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`main.ts exited ${code}: ${stderr}`));
      });
      const check = (): void => {
        if (/^export AWS_ROLE_ARN=.*\n/m.test(stdout) && stderr.includes("listening")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", (chunk) => (stdout += chunk, check()));
      child.stderr!.on("data", (chunk) => (stderr += chunk, check()));
    });
    const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    await use(env, () => stderr);
  } finally {
    // Not child.kill(): Deno then reports (null, "SIGTERM") even when the child handled it and exited 0.
    if (child.exitCode === null) process.kill(child.pid!, "SIGTERM");
  }
  assert.equal(await exited, 0);
}

/** AssumeRoleWithWebIdentity for env.AWS_ROLE_ARN at env.AWS_ENDPOINT_URL_STS; expects 200. */
async function assumeAt(env: Record<string, string>, token: string): Promise<void> {
  const sts = await fetch(env.AWS_ENDPOINT_URL_STS, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: env.AWS_ROLE_ARN,
      RoleSessionName: "bench",
      WebIdentityToken: token,
    }),
  });
  assert.equal(sts.status, 200, await sts.clone().text());
  await sts.body?.cancel();
}

// ---------- other platforms ----------

const BK_TOKEN = "bk-agent-token-0123456789";
const BK_JOB = "0184990a-477b-4fa8-9968-496074483cee";
const AZ_TOKEN = "azure-access-token-abcdef";

/** `POST /buildkite/v3/jobs/:job/oidc/tokens` as the agent sends it. */
function buildkite(
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
function azure(
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
function metadata(em: Emulator, path: string, flavor: string | null = "Google", method = "GET"): Promise<Response> {
  return fetch(`http://${em.gcpMetadataHost}${path}`, {
    method,
    headers: flavor === null ? {} : { "metadata-flavor": flavor },
  });
}

const IDENTITY = "/computeMetadata/v1/instance/service-accounts/default/identity";

describe("Buildkite agent API", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator({
      buildkiteAgentToken: BK_TOKEN,
      buildkiteJobId: BK_JOB,
      audiences: ["sts.amazonaws.com"],
      roles: { [DEPLOY]: { sub: "organization:acme-inc:pipeline:super-duper-app:ref:refs/heads/main:*" } },
    });
  });
  after(() => em.stop());

  it("answers 201 with a Buildkite-shaped token for the audience asked for", async () => {
    assert.equal(em.buildkiteAgentToken, BK_TOKEN);
    assert.equal(em.buildkiteJobId, BK_JOB);
    assert.equal(em.buildkiteEndpoint, `${em.url}/buildkite/v3`);
    const before = Math.floor(Date.now() / 1000);
    const res = await buildkite(em, { body: '{"audience":"sts.amazonaws.com"}' });
    assert.equal(res.status, 201);
    assert.match(res.headers.get("content-type")!, /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["token"]);
    const { header, claims } = decodeJwt(body.token);
    assert.equal(header.alg, "RS256");
    assert.equal(claims.iss, em.issuer);
    assert.equal(claims.aud, "sts.amazonaws.com");
    assert.equal(claims.sub, PLATFORM_SUBJECTS.buildkite);
    assert.match(
      claims.sub as string,
      /^organization:acme-inc:pipeline:super-duper-app:ref:refs\/heads\/main:commit:[0-9a-f]{40}:step:deploy$/,
    );
    assert.equal(claims.organization_slug, "acme-inc");
    assert.equal(claims.pipeline_slug, "super-duper-app");
    assert.equal(typeof claims.build_number, "number");
    assert.equal(claims.build_branch, "main");
    assert.equal(claims.job_id, BK_JOB);
    assert.match(claims.agent_id as string, UUID);
    assert.match(claims.jti as string, UUID);
    assert.ok((claims.iat as number) >= before && claims.nbf === claims.iat);
    assert.equal((claims.exp as number) - (claims.iat as number), 300);
    assert.ok(!("organization_id" in claims));
    const sts = await assume(em, body.token);
    assert.equal(sts.status, 200, sts.text);
    assert.equal(field(sts.text, "SubjectFromWebIdentityToken"), PLATFORM_SUBJECTS.buildkite);
  });

  it("defaults the audience to https://buildkite.com/<org>, honours lifetime and optional claims", async () => {
    for (const body of ["", "{}", '{"audience":""}', '{"audience":null,"lifetime":0}']) {
      const res = await buildkite(em, { body });
      assert.equal(res.status, 201, body);
      const { claims } = decodeJwt((await res.json()).token);
      assert.equal(claims.aud, "https://buildkite.com/acme-inc", body);
      assert.equal(claims.aud, PLATFORM_AUDIENCES.buildkite);
    }
    const res = await buildkite(em, {
      body: JSON.stringify({ audience: "x", lifetime: 60, claims: ["organization_id", "pipeline_id", "nope"] }),
    });
    const { claims } = decodeJwt((await res.json()).token);
    assert.equal((claims.exp as number) - (claims.iat as number), 60);
    assert.match(claims.organization_id as string, UUID);
    assert.match(claims.pipeline_id as string, UUID);
    assert.ok(!("nope" in claims));
    // The default audience is not one STS accepts here.
    assertStsError(await assume(em, await mintBuildkite(em)), 400, "InvalidIdentityToken", "Incorrect token audience");
  });

  it("refuses a wrong or missing agent token (401), another job (404), other methods and bad bodies", async () => {
    em.reset();
    const cases: [() => Promise<Response>, number, string][] = [
      [() => buildkite(em, { token: null }), 401, "unauthorized"],
      [() => buildkite(em, { token: `${BK_TOKEN}x` }), 401, "unauthorized"],
      [() => buildkite(em, { scheme: "Bearer" }), 401, "unauthorized"],
      [() => buildkite(em, { job: crypto.randomUUID() }), 404, "not_found"],
      [() => buildkite(em, { method: "GET" }), 405, "method_not_allowed"],
      [() => buildkite(em, { body: "{not json" }), 400, "bad_request"],
      [() => buildkite(em, { body: "[]" }), 400, "bad_request"],
      [() => buildkite(em, { body: '{"audience":5}' }), 422, "bad_request"],
      [() => buildkite(em, { body: '{"lifetime":-1}' }), 422, "bad_request"],
      [() => buildkite(em, { body: '{"claims":"organization_id"}' }), 422, "bad_request"],
    ];
    for (const [request, status] of cases) {
      const res = await request();
      assert.equal(res.status, status);
      assert.equal(typeof (await res.json()).message, "string");
    }
    const other = await fetch(`${em.url}/buildkite/v3/agents`, { method: "POST" });
    assert.equal(other.status, 404);
    await other.body?.cancel();
    assert.deepEqual(
      em.requests.map((r) => [r.target, r.status, r.error]).slice(0, cases.length),
      cases.map(([, status, error]) => ["buildkite", status, error]),
    );
    assert.deepEqual(em.requests[1], {
      target: "buildkite",
      method: "POST",
      path: `/buildkite/v3/jobs/${BK_JOB}/oidc/tokens`,
      status: 401,
      hasAuthorization: true,
      bearerOk: false,
      contentType: "application/json",
      error: "unauthorized",
    });
    assert.equal(em.count("buildkite"), cases.length + 1);
    assert.ok(!JSON.stringify(em.requests).includes(BK_TOKEN));
  });
});

/** A token from the Buildkite endpoint with its default audience. */
async function mintBuildkite(em: Emulator): Promise<string> {
  return (await (await buildkite(em)).json()).token;
}

describe("Azure DevOps OIDC endpoint", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator({
      azureAccessToken: AZ_TOKEN,
      azureServiceConnections: {
        "AAAAAAAA-1111-4222-8333-BBBBBBBBBBBB": "aws-prod",
        "c0ffee00-0000-4000-8000-000000000001": "aws-dev",
      },
      audiences: [AZURE_AUDIENCE],
      roles: { [DEPLOY]: { sub: "sc://octo-org/octo-project/aws-prod" } },
    });
  });
  after(() => em.stop());

  it("answers {oidcToken} for api://AzureADTokenExchange, sc:// with a service connection, p:// without", async () => {
    assert.equal(em.azureAccessToken, AZ_TOKEN);
    assert.equal(em.azureOidcUrl, `${em.url}/azure/oidctoken`);
    assert.deepEqual(em.azureServiceConnections, {
      "aaaaaaaa-1111-4222-8333-bbbbbbbbbbbb": "aws-prod",
      "c0ffee00-0000-4000-8000-000000000001": "aws-dev",
    });
    const res = await azure(em, {
      query: { "api-version": "7.1", serviceConnectionId: "aaaaaaaa-1111-4222-8333-bbbbbbbbbbbb" },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["oidcToken"]);
    const { claims } = decodeJwt(body.oidcToken);
    assert.equal(claims.sub, "sc://octo-org/octo-project/aws-prod");
    assert.equal(claims.aud, "api://AzureADTokenExchange");
    assert.equal(claims.iss, em.issuer);
    assert.equal((claims.exp as number) - (claims.iat as number), 600);
    assert.match(claims.org_id as string, UUID);
    assert.match(claims.prj_id as string, UUID);
    assert.equal(claims.rpo_ref, "refs/heads/main");
    assert.match(claims.jti as string, UUID);
    assert.equal((await assume(em, body.oidcToken)).status, 200);

    for (const version of ["7.1-preview.1", "7.2-preview.1"]) {
      const other = await azure(em, {
        query: { "api-version": version, serviceConnectionId: "C0FFEE00-0000-4000-8000-000000000001" },
      });
      assert.equal(decodeJwt((await other.json()).oidcToken).claims.sub, "sc://octo-org/octo-project/aws-dev", version);
    }
    const plain = decodeJwt((await (await azure(em)).json()).oidcToken).claims;
    assert.equal(plain.sub, "p://octo-org/octo-project/octo-pipeline");
    assert.equal(plain.sub, PLATFORM_SUBJECTS.azure);
    assertStsError(await assume(em, (await (await azure(em)).json()).oidcToken), 403, "AccessDenied");
    const byAccept = await azure(em, { query: {}, accept: "application/json; api-version=7.1-preview.1" });
    assert.equal(byAccept.status, 200);
    await byAccept.body?.cancel();
  });

  it("refuses a wrong bearer (401), a missing or unknown api-version (400), an unknown connection (404)", async () => {
    em.reset();
    const cases: [() => Promise<Response>, number, string, string | undefined][] = [
      [() => azure(em, { token: null }), 401, "unauthorized", "UnauthorizedRequestException"],
      [() => azure(em, { token: "nope" }), 401, "unauthorized", "UnauthorizedRequestException"],
      [() => azure(em, { query: {} }), 400, "bad_request", "VssVersionNotSpecifiedException"],
      [() => azure(em, { query: { "api-version": "6.0" } }), 400, "bad_request", "VssVersionOutOfRangeException"],
      [
        () => azure(em, { query: { "api-version": "7.1", serviceConnectionId: crypto.randomUUID() } }),
        404,
        "not_found",
        "ServiceEndpointNotFoundException",
      ],
      [() => azure(em, { method: "GET" }), 405, "method_not_allowed", undefined],
    ];
    for (const [request, status, , typeKey] of cases) {
      const res = await request();
      assert.equal(res.status, status);
      const body = await res.json();
      assert.equal(typeof body.message, "string");
      if (typeKey) assert.equal(body.typeKey, typeKey);
    }
    assert.deepEqual(
      em.requests.map((r) => [r.target, r.status, r.error]),
      cases.map(([, status, error]) => ["azure", status, error]),
    );
    assert.deepEqual(em.requests[3], {
      target: "azure",
      method: "POST",
      path: "/azure/oidctoken",
      status: 400,
      hasAuthorization: true,
      bearerOk: true,
      apiVersion: "6.0",
      contentType: "application/json",
      error: "bad_request",
    });
    assert.equal(em.requests[4].serviceConnectionId?.length, 36);
    const missing = await fetch(`${em.url}/azure/other`, { method: "POST" });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.equal(em.count("azure"), cases.length + 1);
    assert.ok(!JSON.stringify(em.requests).includes(AZ_TOKEN));
  });
});

describe("Google metadata server", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator({ audiences: ["sts.amazonaws.com"] });
  });
  after(() => em.stop());

  it("answers the raw JWT as application/text, with Google's claims (format=full adds the email)", async () => {
    const env = await em.envFor("gcp");
    assert.equal(env.GCE_METADATA_HOST, em.gcpMetadataHost);
    assert.equal(em.gcpMetadataHost, em.url.slice("http://".length));
    const res = await fetch(`http://${env.GCE_METADATA_HOST}${IDENTITY}?audience=sts.amazonaws.com&format=full`, {
      headers: { "Metadata-Flavor": "Google" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/text");
    assert.equal(res.headers.get("metadata-flavor"), "Google");
    const token = await res.text();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { claims } = decodeJwt(token);
    assert.equal(claims.iss, em.issuer);
    assert.equal(claims.aud, "sts.amazonaws.com");
    assert.match(claims.sub as string, /^\d{21}$/);
    assert.equal(claims.azp, claims.sub);
    assert.equal(claims.email, GCP_SERVICE_ACCOUNT_EMAIL);
    assert.equal(claims.email_verified, true);
    assert.equal(
      (claims.google as { compute_engine: { project_id: string } }).compute_engine.project_id,
      "octo-project",
    );
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
    assert.equal((await assume(em, token)).status, 200);

    const standard = decodeJwt(await (await metadata(em, `${IDENTITY}?audience=x`)).text()).claims;
    assert.deepEqual(Object.keys(standard).sort(), ["aud", "azp", "exp", "iat", "iss", "sub"]);
    const byEmail = await metadata(
      em,
      `/computeMetadata/v1/instance/service-accounts/${GCP_SERVICE_ACCOUNT_EMAIL}/identity?audience=y`,
    );
    assert.equal(decodeJwt(await byEmail.text()).claims.aud, "y");
    assert.equal(
      await (await metadata(em, "/computeMetadata/v1/instance/service-accounts/default/email")).text(),
      GCP_SERVICE_ACCOUNT_EMAIL,
    );
    assert.equal(await (await metadata(em, "/computeMetadata/v1/project/project-id")).text(), "octo-project");
    const probe = await metadata(em, "/computeMetadata/v1/instance");
    assert.deepEqual([probe.status, probe.headers.get("metadata-flavor")], [200, "Google"]);
    await probe.body?.cancel();
  });

  it("refuses without Metadata-Flavor (403), without an audience (400), elsewhere (404), other methods (405)", async () => {
    em.reset();
    const forbidden = await metadata(em, `${IDENTITY}?audience=x`, null);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.headers.get("content-type")!, /^text\/html/);
    assert.equal(forbidden.headers.get("metadata-flavor"), "Google");
    const page = await forbidden.text();
    assert.ok(page.includes("Missing Metadata-Flavor:Google header."), page);
    assert.ok(page.includes(`<code>${IDENTITY}?audience=x</code>`));
    assert.equal((await metadata(em, `${IDENTITY}?audience=x`, "google")).status, 403);
    const noAudience = await metadata(em, IDENTITY);
    assert.deepEqual([noAudience.status, await noAudience.text()], [400, "non-empty audience parameter required\n"]);
    assert.equal((await metadata(em, `${IDENTITY}?audience=`)).status, 400);
    for (
      const path of [
        "/computeMetadata/v1/nope",
        "/computeMetadata/v1/instance/service-accounts/x@y.z/identity?audience=a",
      ]
    ) {
      const res = await metadata(em, path);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    const post = await metadata(em, `${IDENTITY}?audience=x`, "Google", "POST");
    assert.equal(post.status, 405);
    await post.body?.cancel();
    assert.deepEqual(em.requests.map((r) => [r.status, r.error, r.metadataFlavor]), [
      [403, "forbidden", false],
      [403, "forbidden", false],
      [400, "bad_request", true],
      [400, "bad_request", true],
      [404, "not_found", true],
      [404, "not_found", true],
      [405, "method_not_allowed", true],
    ]);
    assert.deepEqual(em.requests[0], {
      target: "gcp",
      method: "GET",
      path: IDENTITY,
      status: 403,
      hasAuthorization: false,
      audience: "x",
      metadataFlavor: false,
      error: "forbidden",
    });
    assert.equal(em.count("gcp"), 7);
  });
});

describe("platform-shaped tokens", () => {
  it("mintToken shapes each platform's claims, signed by the emulator", async () => {
    await using em = await startEmulator();
    const expect: Record<Platform, [RegExp | string, string, number, Record<string, unknown>]> = {
      github: [DEFAULT_SUBJECT, "sts.amazonaws.com", 300, { repository: "octo-org/octo-repo" }],
      gitlab: ["project_path:octo-group/octo-project:ref_type:branch:ref:main", "sts.amazonaws.com", 3600, {
        namespace_path: "octo-group",
        project_path: "octo-group/octo-project",
        ref: "main",
        ref_type: "branch",
      }],
      circleci: [
        /^org\/[0-9a-f-]{36}\/project\/[0-9a-f-]{36}\/user\/[0-9a-f-]{36}$/,
        PLATFORM_AUDIENCES.circleci,
        3600,
        {},
      ],
      bitbucket: [/^\{[0-9a-f-]{36}\}:\{[0-9a-f-]{36}\}$/, PLATFORM_AUDIENCES.bitbucket, 3600, { branchName: "main" }],
      buildkite: [PLATFORM_SUBJECTS.buildkite, "https://buildkite.com/acme-inc", 300, {
        organization_slug: "acme-inc",
      }],
      azure: ["p://octo-org/octo-project/octo-pipeline", "api://AzureADTokenExchange", 600, {}],
      gcp: [/^\d{21}$/, "sts.amazonaws.com", 3600, { email: GCP_SERVICE_ACCOUNT_EMAIL, email_verified: true }],
      terraform: [
        "organization:octo-org:project:Default Project:workspace:octo-workspace:run_phase:apply",
        "aws.workload.identity",
        3600,
        {
          terraform_workspace_name: "octo-workspace",
          terraform_run_phase: "apply",
          terraform_organization_name: "octo-org",
        },
      ],
      spacelift: ["space:root:stack:octo-stack:run_type:TRACKED:scope:write", "acme.app.spacelift.io", 3600, {
        spaceId: "root",
        callerType: "stack",
        runType: "TRACKED",
        scope: "write",
      }],
    };
    assert.deepEqual(Object.keys(expect), [...PLATFORMS]);
    for (const platform of PLATFORMS) {
      const [sub, aud, lifetime, extra] = expect[platform];
      const { header, claims } = decodeJwt(await em.mintToken({ platform }));
      assert.equal(header.alg, "RS256", platform);
      assert.equal(claims.iss, em.issuer, platform);
      if (typeof sub === "string") assert.equal(claims.sub, sub, platform);
      else assert.match(claims.sub as string, sub, platform);
      assert.equal(claims.sub, platform === "github" ? DEFAULT_SUBJECT : PLATFORM_SUBJECTS[platform], platform);
      assert.equal(claims.aud, aud, platform);
      assert.equal(PLATFORM_AUDIENCES[platform], aud, platform);
      assert.equal((claims.exp as number) - (claims.iat as number), lifetime, platform);
      for (const [name, value] of Object.entries(extra)) assert.deepEqual(claims[name], value, `${platform} ${name}`);
    }
    const circle = decodeJwt(await em.mintToken({ platform: "circleci" })).claims;
    assert.equal(circle.aud, (circle.sub as string).split("/")[1], "CircleCI's aud is the org id");
    assert.equal(circle["oidc.circleci.com/project-id"], (circle.sub as string).split("/")[3]);
    const bitbucket = decodeJwt(await em.mintToken({ platform: "bitbucket" })).claims;
    assert.equal(bitbucket.sub, `${bitbucket.repositoryUuid}:${bitbucket.stepUuid}`);
    assert.equal(bitbucket.aud, `ari:cloud:bitbucket::workspace/${(bitbucket.workspaceUuid as string).slice(1, -1)}`);
    const gitlab = decodeJwt(await em.mintToken({ platform: "gitlab" })).claims;
    assert.match(gitlab.pipeline_id as string, /^\d+$/);
    await assert.rejects(em.mintToken({ platform: "jenkins" as never }), TypeError);
  });

  it("takes audience and claim overrides per token, per emulator, and tokenLifetimeSeconds for every platform", async () => {
    const fixed = Date.UTC(2030, 0, 2, 3, 4, 5);
    await using em = await startEmulator({
      now: () => fixed,
      tokenLifetimeSeconds: 120,
      platformClaims: {
        gitlab: { ref: "dev", sub: "project_path:octo-group/octo-project:ref_type:branch:ref:dev" },
        github: { ref: undefined },
      },
    });
    const gitlab = decodeJwt(
      await em.mintToken({ platform: "gitlab", audience: "https://gitlab.com", claims: { environment: "prod" } }),
    ).claims;
    assert.deepEqual([gitlab.aud, gitlab.ref, gitlab.sub, gitlab.environment], [
      "https://gitlab.com",
      "dev",
      "project_path:octo-group/octo-project:ref_type:branch:ref:dev",
      "prod",
    ]);
    assert.deepEqual([gitlab.iat, gitlab.exp], [Math.floor(fixed / 1000), Math.floor(fixed / 1000) + 120]);
    const spacelift =
      decodeJwt(await em.mintToken({ platform: "spacelift", claims: { aud: ["a", "b"], scope: undefined } })).claims;
    assert.deepEqual(spacelift.aud, ["a", "b"]);
    assert.ok(!("scope" in spacelift));
    const github = decodeJwt(await getToken(em, "sts.amazonaws.com")).claims;
    assert.ok(!("ref" in github), "platformClaims.github applies to the token endpoint too");
    assert.equal((github.exp as number) - (github.iat as number), 120);
  });

  it("STS accepts each platform's token when its aud is an accepted audience, and only then", async () => {
    const roles = Object.fromEntries(
      PLATFORMS.map((
        p,
      ) => [`arn:aws:iam::123456789012:role/${p}`, { sub: p === "github" ? DEFAULT_SUBJECT : PLATFORM_SUBJECTS[p] }]),
    );
    await using em = await startEmulator({ roles, audiences: [...new Set(Object.values(PLATFORM_AUDIENCES))] });
    await using strict = await startEmulator({ roles });
    for (const platform of PLATFORMS) {
      const RoleArn = `arn:aws:iam::123456789012:role/${platform}`;
      const answer = await assume(em, await em.mintToken({ platform }), { RoleArn });
      assert.equal(answer.status, 200, `${platform}: ${answer.text}`);
      assert.equal(field(answer.text, "Audience"), PLATFORM_AUDIENCES[platform]);
      assert.equal(
        field(answer.text, "SubjectFromWebIdentityToken"),
        platform === "github" ? DEFAULT_SUBJECT : PLATFORM_SUBJECTS[platform],
      );
      const other = platform === "github" ? "circleci" : "github";
      assertStsError(
        await assume(em, await em.mintToken({ platform }), { RoleArn: `arn:aws:iam::123456789012:role/${other}` }),
        403,
        "AccessDenied",
      );
      const refused = await assume(strict, await strict.mintToken({ platform }), { RoleArn });
      if (PLATFORM_AUDIENCES[platform] === "sts.amazonaws.com") assert.equal(refused.status, 200, platform);
      else assertStsError(refused, 400, "InvalidIdentityToken", "Incorrect token audience");
    }
    assert.equal(gitlabIdTokenVariable("sts.amazonaws.com"), "STS_AMAZONAWS_COM_ID_TOKEN");
    assert.equal(gitlabIdTokenVariable("https://gitlab.com/x-y"), "HTTPS___GITLAB_COM_X_Y_ID_TOKEN");
  });
});

describe("envFor", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator({
      buildkiteAgentToken: BK_TOKEN,
      azureAccessToken: AZ_TOKEN,
      audiences: [...new Set(Object.values(PLATFORM_AUDIENCES))],
    });
  });
  after(() => em.stop());

  it("returns each platform's job env, pointed at the emulator", async () => {
    const aws = { AWS_ENDPOINT_URL_STS: em.url, AWS_REGION: "us-east-1" };
    const all = Object.fromEntries(
      await Promise.all(PLATFORMS.map(async (p) => [p, await em.envFor(p)])),
    ) as Record<Platform, Record<string, string>>;
    const token = (env: Record<string, string>, name: string): Record<string, unknown> => decodeJwt(env[name]).claims;
    assert.deepEqual(all.github, em.env);
    assert.notEqual(all.github, em.env, "a copy");
    assert.deepEqual(all.gitlab, {
      GITLAB_CI: "true",
      CI_JOB_ID: all.gitlab.CI_JOB_ID,
      CI_PIPELINE_ID: all.gitlab.CI_PIPELINE_ID,
      CI_PROJECT_PATH: "octo-group/octo-project",
      STS_AMAZONAWS_COM_ID_TOKEN: all.gitlab.STS_AMAZONAWS_COM_ID_TOKEN,
      ...aws,
    });
    assert.match(all.gitlab.CI_JOB_ID, /^\d{10}$/);
    const gitlab = token(all.gitlab, "STS_AMAZONAWS_COM_ID_TOKEN");
    assert.deepEqual([gitlab.aud, gitlab.job_id, gitlab.pipeline_id], [
      "sts.amazonaws.com",
      all.gitlab.CI_JOB_ID,
      all.gitlab.CI_PIPELINE_ID,
    ]);
    assert.deepEqual(all.circleci, {
      CIRCLECI: "true",
      CIRCLE_BUILD_NUM: all.circleci.CIRCLE_BUILD_NUM,
      CIRCLE_OIDC_TOKEN: all.circleci.CIRCLE_OIDC_TOKEN,
      CIRCLE_OIDC_TOKEN_V2: all.circleci.CIRCLE_OIDC_TOKEN_V2,
      ...aws,
    });
    assert.ok(!("oidc.circleci.com/vcs-ref" in token(all.circleci, "CIRCLE_OIDC_TOKEN")));
    assert.equal(token(all.circleci, "CIRCLE_OIDC_TOKEN_V2")["oidc.circleci.com/vcs-ref"], "refs/heads/main");
    assert.deepEqual(all.bitbucket, {
      BITBUCKET_BUILD_NUMBER: all.bitbucket.BITBUCKET_BUILD_NUMBER,
      BITBUCKET_REPO_UUID: token(all.bitbucket, "BITBUCKET_STEP_OIDC_TOKEN").repositoryUuid as string,
      BITBUCKET_STEP_UUID: token(all.bitbucket, "BITBUCKET_STEP_OIDC_TOKEN").stepUuid as string,
      BITBUCKET_STEP_OIDC_TOKEN: all.bitbucket.BITBUCKET_STEP_OIDC_TOKEN,
      ...aws,
    });
    assert.deepEqual(all.buildkite, {
      BUILDKITE: "true",
      BUILDKITE_AGENT_ACCESS_TOKEN: BK_TOKEN,
      BUILDKITE_JOB_ID: em.buildkiteJobId,
      BUILDKITE_AGENT_ENDPOINT: `${em.url}/buildkite/v3`,
      BUILDKITE_BUILD_NUMBER: all.buildkite.BUILDKITE_BUILD_NUMBER,
      BUILDKITE_ORGANIZATION_SLUG: "acme-inc",
      BUILDKITE_PIPELINE_SLUG: "super-duper-app",
      ...aws,
    });
    assert.match(em.buildkiteJobId, UUID);
    assert.deepEqual(all.azure, {
      TF_BUILD: "True",
      SYSTEM_OIDCREQUESTURI: `${em.url}/azure/oidctoken`,
      SYSTEM_ACCESSTOKEN: AZ_TOKEN,
      SYSTEM_TEAMPROJECT: "octo-project",
      BUILD_BUILDID: all.azure.BUILD_BUILDID,
      ...aws,
    });
    assert.deepEqual(all.gcp, { GCE_METADATA_HOST: em.url.slice("http://".length), ...aws });
    assert.deepEqual(all.terraform, {
      TFC_RUN_ID: token(all.terraform, "TFC_WORKLOAD_IDENTITY_TOKEN").terraform_run_id as string,
      TFC_WORKSPACE_NAME: "octo-workspace",
      TFC_WORKLOAD_IDENTITY_TOKEN: all.terraform.TFC_WORKLOAD_IDENTITY_TOKEN,
      ...aws,
    });
    assert.match(all.terraform.TFC_RUN_ID, /^run-[A-Za-z0-9]{16}$/);
    assert.deepEqual(all.spacelift, { SPACELIFT_OIDC_TOKEN: all.spacelift.SPACELIFT_OIDC_TOKEN, ...aws });
    assert.equal(token(all.spacelift, "SPACELIFT_OIDC_TOKEN").aud, "acme.app.spacelift.io");
    assert.equal(em.count(), 0, "envFor makes no request");
    await assert.rejects(em.envFor("jenkins" as never), TypeError);
  });

  it("takes the audience and claims of env-var tokens, naming GitLab's variable after the audience", async () => {
    const gitlab = await em.envFor("gitlab", { audience: "https://gitlab.com", claims: { ref: "dev" } });
    const claims = decodeJwt(gitlab.HTTPS___GITLAB_COM_ID_TOKEN).claims;
    assert.deepEqual([claims.aud, claims.ref], ["https://gitlab.com", "dev"]);
    assert.ok(!("STS_AMAZONAWS_COM_ID_TOKEN" in gitlab));
    const terraform = await em.envFor("terraform", { audience: "sts.amazonaws.com" });
    assert.equal(decodeJwt(terraform.TFC_WORKLOAD_IDENTITY_TOKEN).claims.aud, "sts.amazonaws.com");
  });

  it("every platform's env leads to credentials from STS", async () => {
    const tokens: Record<Platform, (env: Record<string, string>) => string | Promise<string>> = {
      github: (env) => getToken(em, "sts.amazonaws.com").then((t) => (assert.ok(env.ACTIONS_ID_TOKEN_REQUEST_URL), t)),
      gitlab: (env) => env.STS_AMAZONAWS_COM_ID_TOKEN,
      circleci: (env) => env.CIRCLE_OIDC_TOKEN_V2,
      bitbucket: (env) => env.BITBUCKET_STEP_OIDC_TOKEN,
      buildkite: async (env) => {
        const res = await fetch(`${env.BUILDKITE_AGENT_ENDPOINT}/jobs/${env.BUILDKITE_JOB_ID}/oidc/tokens`, {
          method: "POST",
          headers: { authorization: `Token ${env.BUILDKITE_AGENT_ACCESS_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ audience: "sts.amazonaws.com" }),
        });
        return (await res.json()).token;
      },
      azure: async (env) => {
        const res = await fetch(`${env.SYSTEM_OIDCREQUESTURI}?api-version=7.1`, {
          method: "POST",
          headers: { authorization: `Bearer ${env.SYSTEM_ACCESSTOKEN}`, "content-type": "application/json" },
          body: "{}",
        });
        return (await res.json()).oidcToken;
      },
      gcp: async (env) => {
        const url = `http://${env.GCE_METADATA_HOST}${IDENTITY}?audience=sts.amazonaws.com&format=full`;
        return await (await fetch(url, { headers: { "Metadata-Flavor": "Google" } })).text();
      },
      terraform: (env) => env.TFC_WORKLOAD_IDENTITY_TOKEN,
      spacelift: (env) => env.SPACELIFT_OIDC_TOKEN,
    };
    em.reset();
    for (const platform of PLATFORMS) {
      const env = await em.envFor(platform);
      const token = await tokens[platform](env);
      const answer = await postSts(em, {
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: DEPLOY,
        RoleSessionName: platform,
        WebIdentityToken: token,
      });
      assert.equal(answer.status, 200, `${platform}: ${answer.text}`);
      assert.equal(new URL(env.AWS_ENDPOINT_URL_STS).origin, em.url);
    }
    assert.deepEqual([em.count("token"), em.count("buildkite"), em.count("azure"), em.count("gcp"), em.count("sts")], [
      1,
      1,
      1,
      1,
      PLATFORMS.length,
    ]);
    const log = JSON.stringify(em.requests);
    for (const secret of [BK_TOKEN, AZ_TOKEN, em.bearer]) assert.ok(!log.includes(secret));
    assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(log), "no JWT in the log");
  });
});

describe("faults on the other platforms' endpoints", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator();
  });
  after(() => em.stop());

  const call = (target: "buildkite" | "azure" | "gcp", init: { abortAfterBytes?: number } = {}): Promise<RawAnswer> =>
    target === "buildkite"
      ? raw(`${em.buildkiteEndpoint}/jobs/${em.buildkiteJobId}/oidc/tokens`, {
        method: "POST",
        headers: { authorization: `Token ${em.buildkiteAgentToken}`, "content-type": "application/json" },
        body: "{}",
        ...init,
      })
      : target === "azure"
      ? raw(`${em.azureOidcUrl}?api-version=7.1`, {
        method: "POST",
        headers: { authorization: `Bearer ${em.azureAccessToken}`, "content-type": "application/json" },
        body: "{}",
        ...init,
      })
      : raw(`http://${em.gcpMetadataHost}${IDENTITY}?audience=a`, {
        headers: { "metadata-flavor": "Google" },
        ...init,
      });

  it("queues every fault kind for buildkite, azure and gcp, and leaves the other targets alone", async () => {
    const shapes = {
      buildkite: ['{"token":"AAA', 'AAA"}', 201],
      azure: ['{"oidcToken":"AAA', 'AAA"}', 200],
      gcp: ["AAA", "AAA", 200],
    };
    for (const target of ["buildkite", "azure", "gcp"] as const) {
      em.reset();
      em.fault(target, { status: 503, body: "busy", headers: { "retry-after": "1" }, times: 2 });
      em.fault(target, { drop: true });
      em.fault(target, { truncate: true });
      em.fault(target, { hugeBody: 100_000 });
      em.fault(target, { html: true, status: 502 });
      assert.equal(
        (await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status,
        200,
        "GitHub's endpoint is not faulted",
      );
      const busy = [await call(target), await call(target)];
      assert.deepEqual(busy.map((a) => [a.status, a.head, a.headers!["retry-after"]]), [[503, "busy", "1"], [
        503,
        "busy",
        "1",
      ]]);
      const dropped = await call(target);
      assert.deepEqual([dropped.status, dropped.error !== undefined], [undefined, true]);
      const cut = await call(target);
      assert.equal(cut.status, shapes[target][2], target);
      assert.equal(cut.complete, false);
      assert.equal(cut.received, Math.floor(Number(cut.headers!["content-length"]) / 2));
      const huge = await call(target);
      assert.deepEqual([huge.status, huge.received, huge.complete], [200, 100_000, true]);
      assert.ok(huge.head.startsWith(shapes[target][0] as string), huge.head);
      assert.ok(huge.tail.endsWith(shapes[target][1] as string), huge.tail);
      assert.equal(
        huge.headers!["content-type"],
        target === "gcp" ? "application/text" : "application/json; charset=utf-8",
      );
      const html = await call(target);
      assert.deepEqual([html.status, html.headers!["content-type"]], [502, "text/html"]);
      const normal = await call(target);
      assert.equal(normal.status, shapes[target][2], `${target} answers normally once the queue is empty`);
      assert.deepEqual(em.requests.filter((r) => r.target === target).map((r) => r.faulted ?? false), [
        true,
        true,
        true,
        true,
        true,
        true,
        false,
      ]);
      assert.equal(em.count(target), 7);
    }
    em.fault("gcp", { hang: true });
    const hung = await raw(`http://${em.gcpMetadataHost}${IDENTITY}?audience=a`, { timeoutMs: 150 });
    assert.equal(hung.error, "timeout");
    em.fault("azure", { status: 500 });
    em.fault("buildkite", { status: 500 });
    em.reset();
    assert.equal((await call("azure")).status, 200, "reset clears every queue");
    assert.equal((await call("buildkite")).status, 201);
  });
});
