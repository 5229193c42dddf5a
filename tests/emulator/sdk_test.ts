/**
 * STS with the real @aws-sdk/client-sts: AssumeRoleWithWebIdentity and SigV4-signed GetCallerIdentity.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { assertStsError, DEPLOY, getToken, postSts, PROD, ROLES, sdkClient, UUID } from "./_setup.ts";

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

    // A different last character (a fixed one would equal the random secret's own one time in 64).
    const other = creds.secretAccessKey.at(-1) === "x" ? "y" : "x";
    const tamperedSecret = await sdkError(
      sdkClient(em, { ...creds, secretAccessKey: `${creds.secretAccessKey.slice(0, -1)}${other}` }).send(
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
