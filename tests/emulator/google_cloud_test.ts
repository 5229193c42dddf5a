/**
 * Google Cloud's metadata server.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Emulator, GCP_SERVICE_ACCOUNT_EMAIL, startEmulator } from "../../emulator/mod.ts";
import { assume, decodeJwt, IDENTITY, metadata } from "./_setup.ts";

describe("Google metadata server", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator({ audiences: ["sts.amazonaws.com"] });
  });
  after(() => em.stop());

  it("answers the raw JWT as application/text, with Google's claims (format=full adds the email)", async () => {
    const env = await em.envFor("GoogleCloud");
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
