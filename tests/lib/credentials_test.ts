import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { assumeRole, parseTokenServer } from "../../mod.ts";
import { fakeJwt, scriptedFetch, stsSuccessXml } from "../_helpers.ts";

/** Credentials from assumeRole, with a token server that hands out `token` and a scripted STS. */
async function assume(token: string) {
  const script = scriptedFetch({
    "/idtoken": [{ body: JSON.stringify({ value: token }) }],
    "/": [{ body: stsSuccessXml(), headers: { "content-type": "text/xml" } }],
  });
  return await assumeRole(
    {
      name: "ci",
      roleArn: "arn:aws:iam::123456789012:role/ci",
      token: parseTokenServer("GitHub"),
      roleSessionName: "s1",
      stsEndpoint: "https://sts.example.test/",
    },
    {
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: "https://t.example.test/idtoken", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b" },
      fetch: script.fetch,
      now: () => Date.UTC(2026, 10, 26, 12, 0, 0), // before the answer's Expiration
    },
  );
}

describe("Credentials", () => {
  it("keep the secret key and session token out of console.log, inspect and JSON", async () => {
    const credentials = await assume(fakeJwt({ sub: "x" }));
    assert.equal(credentials.secretAccessKey, "SECRETKEY-do-not-print", "readable as a property");
    const deno = (globalThis as { Deno?: { inspect(v: unknown): string } }).Deno;
    const views = [
      inspect(credentials),
      inspect({ nested: credentials }, { depth: 5 }),
      JSON.stringify(credentials),
      String(credentials),
    ];
    if (deno) views.push(deno.inspect(credentials));
    for (const view of views) {
      assert.ok(!view.includes("SECRETKEY") && !view.includes("SESSIONTOKEN"), view);
    }
    assert.match(inspect(credentials), /ASIAEXAMPLEEXAMPLE01/, "the access key id stays visible");
    assert.match(inspect(credentials), /arn:aws:sts::123456789012:assumed-role\/ci\/s1/);
    assert.equal(JSON.parse(JSON.stringify(credentials)).secretAccessKey, "<redacted>");
    assert.deepEqual(
      { ...credentials }.sessionToken,
      "SESSIONTOKEN-do-not-print",
      "spreading keeps the values for SDKs",
    );
  });

  it("carry the traded token's claims, however they are read, and none for a token that is not a JWT", async () => {
    const claims = { iss: "https://token.example.test", aud: "sts.amazonaws.com", sub: "repo:o/r:ref:refs/heads/main" };
    const views = [
      (await assume(fakeJwt(claims))).claims,
      { ...(await assume(fakeJwt(claims))) }.claims,
      JSON.parse(JSON.stringify(await assume(fakeJwt(claims)))).claims,
      Object.keys(await assume(fakeJwt(claims))).includes("claims") && (await assume(fakeJwt(claims))).claims,
    ];
    for (const view of views) {
      assert.equal((view as { sub?: string }).sub, claims.sub);
      assert.equal((view as { iss?: string }).iss, claims.iss);
    }
    assert.match(inspect(await assume(fakeJwt(claims))), /repo:o\/r:ref:refs\/heads\/main/);
    const opaque = await assume("not-a-jwt-token-value");
    assert.equal(opaque.claims, undefined);
    opaque.claims = { sub: "set by the caller" };
    assert.equal(opaque.claims.sub, "set by the caller");
  });
});
