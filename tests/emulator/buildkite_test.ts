/**
 * Buildkite's agent API for OIDC tokens.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Emulator, PLATFORM_AUDIENCES, PLATFORM_SUBJECTS, startEmulator } from "../../emulator/mod.ts";
import { assertStsError, assume, BK_JOB, BK_TOKEN, buildkite, decodeJwt, DEPLOY, field, UUID } from "./_setup.ts";

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
    assert.equal(claims.sub, PLATFORM_SUBJECTS.Buildkite);
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
    assert.equal(field(sts.text, "SubjectFromWebIdentityToken"), PLATFORM_SUBJECTS.Buildkite);
  });

  it("defaults the audience to https://buildkite.com/<org>, honours lifetime and optional claims", async () => {
    for (const body of ["", "{}", '{"audience":""}', '{"audience":null,"lifetime":0}']) {
      const res = await buildkite(em, { body });
      assert.equal(res.status, 201, body);
      const { claims } = decodeJwt((await res.json()).token);
      assert.equal(claims.aud, "https://buildkite.com/acme-inc", body);
      assert.equal(claims.aud, PLATFORM_AUDIENCES.Buildkite);
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
