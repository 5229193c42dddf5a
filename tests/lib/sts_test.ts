import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assumeRoleWithWebIdentity,
  type AssumeRoleWithWebIdentityRequest,
  StsError,
  StsResponseError,
} from "../../mod.ts";
import { scriptedFetch, stsErrorXml, testdata } from "../_helpers.ts";
import { htmlPage } from "../../lib/sts_answer.ts";

const REQUEST = {
  roleArn: "arn:aws:iam::123456789012:role/deploy",
  roleSessionName: "GitHubActions-1-1",
  webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
};
const ENDPOINT = "https://sts.us-east-1.amazonaws.com";
const XML = { "content-type": "text/xml" };
/** The clock of these calls: before every fixture's Expiration (AWS's documented answer expires in 2014). */
const NOW = Date.UTC(2014, 9, 24, 22, 0, 0);

function call(
  reply: Parameters<typeof scriptedFetch>[0][string],
  request: AssumeRoleWithWebIdentityRequest = REQUEST,
) {
  const script = scriptedFetch({ "/": reply });
  const result = assumeRoleWithWebIdentity(request, { endpoint: ENDPOINT, fetch: script.fetch, now: () => NOW });
  return { result, script };
}

async function badResponse(promise: Promise<unknown>, pattern: RegExp, fields: { status: number; retryable: boolean }) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StsResponseError, String(err));
    assert.equal(err.code, "ERR_STS_RESPONSE");
    assert.equal(err.status, fields.status);
    assert.equal(err.retryable, fields.retryable);
    assert.match(err.message, pattern);
    return true;
  });
}

describe("assumeRoleWithWebIdentity: the request", () => {
  it("POSTs a form-encoded, unsigned query-protocol request with the token only in the body", async () => {
    const { result, script } = await call([{ body: await testdata("sts_success.xml"), headers: XML }], {
      ...REQUEST,
      durationSeconds: 900,
      policy: '{"Version":"2012-10-17"}',
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/extra"],
    });
    await result;
    const [request] = script.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.url.href, `${ENDPOINT}/`);
    assert.equal(request.headers["content-type"], "application/x-www-form-urlencoded; charset=utf-8");
    assert.equal(request.headers.authorization, undefined, "the call is not signed");
    const form = Object.fromEntries(new URLSearchParams(request.body));
    assert.deepEqual(form, {
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: REQUEST.roleArn,
      RoleSessionName: REQUEST.roleSessionName,
      WebIdentityToken: REQUEST.webIdentityToken,
      DurationSeconds: "900",
      Policy: '{"Version":"2012-10-17"}',
      "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
      "PolicyArns.member.2.arn": "arn:aws:iam::123456789012:policy/extra",
    });
    assert.equal(request.url.search, "");
  });
});

describe("assumeRoleWithWebIdentity: success answers", () => {
  it("reads AWS's documented answer", async () => {
    const { result } = await call([{ body: await testdata("sts_success.xml"), headers: XML }]);
    assert.deepEqual(await result, {
      accessKeyId: "ASgeIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
      sessionToken: "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE",
      expiration: new Date("2014-10-24T23:00:23Z"),
      assumedRoleArn: "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1",
      accountId: "123456789012",
      assumedRoleId: "AROACLKWSDQRAOEXAMPLE:app1",
      subject: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A",
      audience: "client.5498841531868486423.1548@apps.example.com",
      provider: "www.amazon.com",
      sourceIdentity: "SourceIdentityValue",
      requestId: "ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE",
    });
  });

  it("reads a prefixed answer with a declaration, CDATA and fractional seconds", async () => {
    const { result } = await call([{ body: await testdata("sts_success_github.xml"), headers: XML }]);
    const value = await result;
    assert.equal(value.secretAccessKey, "secret/with+chars&<that>need=escaping");
    assert.equal(value.expiration.toISOString(), "2026-11-26T13:11:35.614Z");
    assert.equal(value.accountId, "210987654321");
    assert.equal(value.packedPolicySize, 6);
    assert.equal(value.subject, "repo:octo-org/octo-repo:ref:refs/heads/main");
  });

  it("takes the request id from the header when the body has none", async () => {
    const body = (await testdata("sts_success.xml")).replace(/<ResponseMetadata>[\s\S]*<\/ResponseMetadata>/, "");
    const { result } = await call([{ body, headers: { ...XML, "x-amzn-RequestId": "from-header" } }]);
    assert.equal((await result).requestId, "from-header");
  });
});

describe("assumeRoleWithWebIdentity: error answers", () => {
  it("turns an ErrorResponse into an StsError with status, code, message and request id", async () => {
    const { result } = await call([{ status: 403, body: await testdata("sts_error_access_denied.xml"), headers: XML }]);
    await assert.rejects(result, (err: unknown) => {
      assert.ok(err instanceof StsError);
      assert.deepEqual(
        [err.code, err.status, err.awsCode, err.awsMessage, err.requestId, err.retryable, err.roleArn],
        [
          "ERR_STS",
          403,
          "AccessDenied",
          "Not authorized to perform sts:AssumeRoleWithWebIdentity",
          "4b9c3b6a-1d2e-4f5a-9b8c-7d6e5f4a3b2c",
          false,
          REQUEST.roleArn,
        ],
      );
      assert.equal(
        err.message,
        "Cannot assume role arn:aws:iam::123456789012:role/deploy: AccessDenied (Not authorized to perform sts:AssumeRoleWithWebIdentity) [request id 4b9c3b6a-1d2e-4f5a-9b8c-7d6e5f4a3b2c]",
      );
      return true;
    });
  });

  it("accepts the Response/Errors/Error wrapper and decodes entities in messages", async () => {
    const wrapped = await call([{ status: 400, body: await testdata("sts_error_wrapped.xml"), headers: XML }]);
    await assert.rejects(wrapped.result, {
      awsCode: "Throttling",
      awsMessage: "Rate exceeded",
      retryable: true,
      requestId: "e1f2a3b4-0000-1111-2222-333344445555",
    });
    const entities = await call([{ status: 400, body: await testdata("sts_error_entities.xml"), headers: XML }]);
    await assert.rejects(entities.result, {
      awsCode: "InvalidIdentityToken",
      awsMessage: /audience "https:\/\/github\.com\/octo-org" & issuer <x> \u2014/,
    });
  });

  for (
    const [code, status, retryable] of [
      ["IDPCommunicationError", 400, true],
      ["InvalidIdentityToken", 400, true],
      ["ExpiredTokenException", 400, true],
      ["IDPRejectedClaim", 403, false],
      ["MalformedPolicyDocument", 400, false],
      ["PackedPolicyTooLarge", 400, false],
      ["RegionDisabledException", 403, false],
      ["ValidationError", 400, false],
      ["InvalidParameterValue", 400, false],
      ["MissingParameter", 400, false],
      ["Throttling", 400, true],
      ["ThrottlingException", 400, true],
      ["RequestLimitExceeded", 400, true],
      ["TooManyRequestsException", 429, true],
      ["InternalFailure", 500, true],
      ["ServiceUnavailable", 503, true],
      // An unlisted code: the status decides.
      ["SlowDown", 429, true],
      ["RequestTimeout", 408, true],
      ["SomethingNew", 400, false],
    ] as const
  ) {
    it(`classifies ${code} (HTTP ${status}) as ${retryable ? "retryable" : "final"}`, async () => {
      const { result } = await call([{ status, body: stsErrorXml(code), headers: XML }]);
      await assert.rejects(result, { code: "ERR_STS", awsCode: code, status, retryable });
    });
  }
});

describe("assumeRoleWithWebIdentity: answers that are not STS documents", () => {
  it("reports an HTML error page with status and content type, as retryable for 5xx", async () => {
    const { result } = await call([{
      status: 503,
      body: "<!DOCTYPE html><html><body>Service Unavailable</body></html>",
      headers: { "content-type": "text/html" },
    }]);
    await badResponse(
      result,
      /^STS at https:\/\/sts\.us-east-1\.amazonaws\.com\/ answered HTTP 503 \(text\/html\) with an HTML page/,
      { status: 503, retryable: true },
    );
  });

  it("reports an empty body, a truncated document and a wrong document", async () => {
    await badResponse((await call([{ status: 502, body: "" }])).result, /HTTP 502 \(.*\) with an empty body/, {
      status: 502,
      retryable: true,
    });
    const truncated = (await testdata("sts_success.xml")).slice(0, 300);
    await badResponse(
      (await call([{ status: 200, body: truncated, headers: XML }])).result,
      /not valid XML \(Malformed XML at offset \d+: the document ends inside <\w+> \(truncated\?\)\)/,
      { status: 200, retryable: false },
    );
    await badResponse(
      (await call([{ status: 200, body: "<GetCallerIdentityResponse/>", headers: XML }])).result,
      /with <GetCallerIdentityResponse> instead of <AssumeRoleWithWebIdentityResponse>/,
      { status: 200, retryable: false },
    );
  });

  it("reports missing and malformed fields", async () => {
    const good = await testdata("sts_success.xml");
    await badResponse(
      (await call([{ body: good.replace(/<SessionToken>.*<\/SessionToken>/, "") }])).result,
      /without Credentials\/SessionToken/,
      { status: 200, retryable: false },
    );
    await badResponse(
      (await call([{ body: good.replace("2014-10-24T23:00:23Z", "tomorrow") }])).result,
      /unreadable Credentials\/Expiration "tomorrow"/,
      { status: 200, retryable: false },
    );
    await badResponse(
      (await call([{ body: good.replace("2014-10-24T23:00:23Z", "2014-13-45T99:00:00Z") }])).result,
      /unreadable Credentials\/Expiration/,
      { status: 200, retryable: false },
    );
    await badResponse(
      (await call([{ body: good.replace("arn:aws:sts::123456789012:", "arn:aws:sts::x:") }])).result,
      /names no account/,
      { status: 200, retryable: false },
    );
  });

  it("refuses credentials that have expired by the time they arrive", async () => {
    const good = await testdata("sts_success.xml");
    for (const expiration of ["2014-10-24T21:59:59Z", "2014-10-24T22:00:00Z", "1970-01-01T00:00:00Z"]) {
      await badResponse(
        (await call([{ body: good.replace("2014-10-24T23:00:23Z", expiration), headers: XML }])).result,
        /credentials that expired at .*, before they arrived: check the STS endpoint and this machine's clock/,
        { status: 200, retryable: false },
      );
    }
    const { result } = await call([{ body: good.replace("2014-10-24T23:00:23Z", "2014-10-24T22:00:01Z") }]);
    assert.deepEqual((await result).expiration, new Date("2014-10-24T22:00:01Z"), "a second left is still usable");
  });

  it("refuses credentials and ARNs holding spaces or control characters (they would reach a shell or a CI log)", async () => {
    const good = await testdata("sts_success.xml");
    const fields: Array<[string, RegExp]> = [
      ["AccessKeyId", /<AccessKeyId>(.*)<\/AccessKeyId>/],
      ["SecretAccessKey", /<SecretAccessKey>(.*)<\/SecretAccessKey>/],
      ["SessionToken", /<SessionToken>(.*)<\/SessionToken>/],
      ["Arn", /<Arn>(.*)<\/Arn>/],
    ];
    for (const [name, pattern] of fields) {
      for (const inserted of ["&#10;::stop-commands::x", "&#13;", " ", "&#x2028;", "&#9;", "&#x85;", "&#127;"]) {
        const body = good.replace(pattern, (whole, value) => whole.replace(value, `${value}${inserted}tail`));
        await badResponse(
          (await call([{ body, headers: XML }])).result,
          new RegExp(`with a \\w+/${name} that holds spaces or control characters`),
          { status: 200, retryable: false },
        );
      }
    }
  });

  it("refuses a redirect without following it", async () => {
    const { result, script } = await call([{ status: 307, headers: { location: "https://elsewhere.test/" } }]);
    await badResponse(result, /redirecting to https:\/\/elsewhere\.test\/; oidc2aws never follows redirects/, {
      status: 307,
      retryable: false,
    });
    assert.equal(script.requests.length, 1);
  });

  it("refuses an answer over 1 MiB, announced or streamed", async () => {
    const announced = await call([{
      status: 200,
      body: "<a>",
      headers: { "content-length": String(10 * 1024 * 1024) },
    }]);
    await badResponse(announced.result, /larger than 1048576 bytes .*10485760 bytes announced/, {
      status: 200,
      retryable: false,
    });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        if (pulled > 1000) controller.close();
      },
    });
    const fetch = () => Promise.resolve(new Response(stream, { status: 200, headers: XML }));
    await assert.rejects(assumeRoleWithWebIdentity(REQUEST, { endpoint: ENDPOINT, fetch }), {
      code: "ERR_STS_RESPONSE",
      message: /more than that sent/,
    });
    assert.ok(pulled <= 20, `stopped reading after ${pulled} chunks`);
  });
});

describe("htmlPage: what an HTML error page looks like", () => {
  // The two regexes htmlPage stands for: the test is that they agree on every input.
  const oracle = (body: string, contentType: string) =>
    /^\s*<(!doctype\s+html|html)\b/i.test(body) || /^text\/html\b/i.test(contentType);

  it("agrees with the regexes it replaces on pages, documents and near misses", () => {
    const bodies = [
      "<html><body>502</body></html>",
      "  \n\t<HTML lang=en>",
      "\uFEFF\u00A0<!DOCTYPE html><html>",
      "<!doctype   \n HTML>",
      `<!doctype${" ".repeat(80)}html>`,
      "<!doctypehtml>",
      "<html5>",
      "<html_x>",
      "<html-x>",
      "<html:AssumeRoleWithWebIdentityResponse>",
      "<htm>",
      "<?xml version='1.0'?><html>",
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
      "",
      "x<html>",
      "<html",
    ];
    const types = ["text/xml", "text/html", "TEXT/HTML; charset=utf-8", "text/html5", "text/htm", "", "text/html_"];
    for (const body of bodies) {
      for (const type of types) {
        assert.equal(htmlPage(body, type), oracle(body, type), `${JSON.stringify(body)} ${type}`);
      }
    }
  });

  it("agrees with them on random inputs", () => {
    const parts = ["<", "!", "doctype", "DOCTYPE", "html", "HTML", " ", "\n", "\u00A0", ">", "x", "5", "_", "-", ":"];
    const typeParts = ["text/", "html", "xml", "TEXT/", "_", " ", ";"];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...parts), { maxLength: 7 }),
        fc.array(fc.constantFrom(...typeParts), { maxLength: 4 }),
        (body, type) => htmlPage(body.join(""), type.join("")) === oracle(body.join(""), type.join("")),
      ),
      { numRuns: 2000 },
    );
  });
});
