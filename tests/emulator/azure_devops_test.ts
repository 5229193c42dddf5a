/**
 * Azure DevOps' OIDC token endpoint.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AZURE_AUDIENCE, type Emulator, PLATFORM_SUBJECTS, startEmulator } from "../../emulator/mod.ts";
import { assertStsError, assume, AZ_TOKEN, azure, decodeJwt, DEPLOY, UUID } from "./_setup.ts";

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
    assert.equal(plain.sub, PLATFORM_SUBJECTS.AzureDevOps);
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
