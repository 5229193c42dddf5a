/**
 * The request log: what each target's requests record, and never a secret.
 * Runs under Node (tsx), Deno and Bun.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../../emulator/mod.ts";
import { assume, DEPLOY, field, getToken, PROD, ROLES } from "./_setup.ts";

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
