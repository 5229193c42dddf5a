// Google Cloud: the metadata server's identity endpoint (detected only with OIDC2AWS_DETECT_GOOGLE=true).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getToken, parseTokenServer } from "../../../mod.ts";
import { scriptedFetch } from "../../_helpers.ts";
import { detects, parses, sourceHost, TOKEN } from "./_sources.ts";

describe("GoogleCloud: parseTokenServer", () => {
  parses([
    ["GoogleCloud", { type: "google", audience: "sts.amazonaws.com" }],
    ["gcp,https://aud", { type: "google", audience: "https://aud" }],
  ]);
});

describe("GoogleCloud: detectTokenSource", () => {
  detects("GoogleCloud", { OIDC2AWS_DETECT_GOOGLE: "true" }, "google");
});

describe("GoogleCloud: getToken", () => {
  const host = sourceHost();

  it("Google Cloud: GETs the metadata server's identity endpoint with Metadata-Flavor and reads the raw JWT", async () => {
    const script = scriptedFetch({
      "/computeMetadata/": [{ body: `${TOKEN}\n`, headers: { "content-type": "application/text" } }],
    });
    assert.equal(
      await getToken(parseTokenServer("GoogleCloud"), host({ GCE_METADATA_HOST: "127.0.0.1:8080" }, script.fetch)),
      TOKEN,
    );
    const [request] = script.requests;
    assert.equal(
      request.url.href,
      "http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/identity?audience=sts.amazonaws.com&format=full",
    );
    assert.equal(request.headers["metadata-flavor"], "Google");
    const html = scriptedFetch({ "/computeMetadata/": [{ body: "<html>captive portal</html>" }] });
    await assert.rejects(getToken(parseTokenServer("GoogleCloud"), host({}, html.fetch)), {
      code: "ERR_TOKEN_RESPONSE",
      message: /expected a JWT as plain text, got not a JWT/,
    });
    assert.equal(
      html.requests[0].url.host,
      "metadata.google.internal",
      "the default host (the fetch is scripted: nothing leaves)",
    );
  });
});
