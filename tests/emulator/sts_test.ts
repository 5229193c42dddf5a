/**
 * STS AssumeRoleWithWebIdentity over plain HTTP: the XML shape, validation, trust policies and token checks.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Emulator, matchesStringLike, startEmulator, STS_XMLNS } from "../../emulator/mod.ts";
import {
  assertStsError,
  assume,
  AUD_ROLE,
  DEPLOY,
  field,
  getToken,
  GOV,
  LONG,
  postSts,
  PROD,
  ROLES,
  UUID,
} from "./_setup.ts";

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
