import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseTokenServer } from "../../mod.ts";

const GH = { urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL", tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN" };

describe("parseTokenServer: the seed's grammar", () => {
  const cases: Array<[string, ReturnType<typeof parseTokenServer>]> = [
    ["GitHub", { type: "server", name: "GitHub", ...GH, audience: "sts.amazonaws.com" }],
    ["github", { type: "server", name: "GitHub", ...GH, audience: "sts.amazonaws.com" }],
    ["  GITHUB  ", { type: "server", name: "GitHub", ...GH, audience: "sts.amazonaws.com" }],
    ["GitHub,sigstore", { type: "server", name: "GitHub", ...GH, audience: "sigstore" }],
    ["GitHub , my-aud ", { type: "server", name: "GitHub", ...GH, audience: "my-aud" }],
    ["GitHub,", { type: "server", name: "GitHub", ...GH, audience: undefined }],
    ["MY_URL,MY_TOKEN", {
      type: "server",
      name: undefined,
      urlEnv: "MY_URL",
      tokenEnv: "MY_TOKEN",
      audience: "sts.amazonaws.com",
    }],
    [
      "ACTIONS_ID_TOKEN_REQUEST_URL,ACTIONS_ID_TOKEN_REQUEST_TOKEN,sigstore",
      { type: "server", name: undefined, ...GH, audience: "sigstore" },
    ],
    ["U,T,", { type: "server", name: undefined, urlEnv: "U", tokenEnv: "T", audience: undefined }],
    ["U,T,aud,with,commas", {
      type: "server",
      name: undefined,
      urlEnv: "U",
      tokenEnv: "T",
      audience: "aud,with,commas",
    }],
    // Three parts are always the manual form, even when the first is a known name.
    ["GitHub,T,aud", { type: "server", name: undefined, urlEnv: "GitHub", tokenEnv: "T", audience: "aud" }],
  ];
  for (const [value, expected] of cases) {
    it(`parses ${JSON.stringify(value)}`, () => assert.deepEqual(parseTokenServer(value), expected));
  }
});

describe("parseTokenServer: errors show the accepted forms and the origin", () => {
  const rejects = (value: string, pattern: RegExp) =>
    assert.throws(() => parseTokenServer(value, { envVar: "AWS_WEB_IDENTITY_TOKEN_SERVER" }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, "ERR_CONFIG_INVALID");
      assert.equal(err.key, "AWS_WEB_IDENTITY_TOKEN_SERVER");
      assert.match(err.message, /^AWS_WEB_IDENTITY_TOKEN_SERVER /);
      assert.match(
        err.message,
        /use GitHub\[,AUDIENCE\], .*GitLab\[,AUDIENCE\], .*auto\[,AUDIENCE\], or URL_ENV,TOKEN_ENV\[,AUDIENCE\]/,
      );
      assert.match(err.message, pattern);
      return true;
    });
  it("rejects an unknown single name", () => rejects("Jenkins", /unknown token server "Jenkins"/));
  it("rejects an empty value", () => rejects("   ", /is empty/));
  it("rejects a URL where an env var name belongs", () =>
    rejects("https://x.example/token,TOKEN", /"https:\/\/x.example\/token" where the name of an environment variable/));
  it("rejects an empty env var name", () => rejects(",TOKEN", /an empty part/));
  it("never echoes a token pasted into the value", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWYifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
    rejects(`${jwt},TOKEN`, /<a token, not shown>/);
    assert.throws(() => parseTokenServer(jwt), (err: Error) => !err.message.includes(jwt));
  });
  it("names a profile key's file and profile", () => {
    assert.throws(
      () => parseTokenServer("Nope", { file: "/x/aws_config", profile: "ci", key: "web_identity_token_server" }),
      {
        message: /^web_identity_token_server in profile "ci" \(\/x\/aws_config\) names an unknown token server "Nope"/,
      },
    );
  });
});
