/**
 * GitHub's token server: minting, default audience, bearer checks, discovery and claim overrides.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { decodeJwt, getToken, tokenHeaders, UUID } from "./_setup.ts";

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
