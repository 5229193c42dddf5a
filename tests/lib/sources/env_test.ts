// web_identity_token_env = NAME: a token the CI put in an environment variable of any name.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getToken, parseTokenServer } from "../../../mod.ts";
import { sourceHost, TOKEN } from "./_sources.ts";

describe("env: getToken", () => {
  const host = sourceHost();

  it("env: reads the variable (or its alternative) at each call, trimmed", async () => {
    const spec = parseTokenServer("CircleCI");
    assert.equal(await getToken(spec, host({ CIRCLE_OIDC_TOKEN: ` ${TOKEN}\n` })), TOKEN);
    assert.equal(await getToken({ type: "env", name: "MY_TOKEN" }, host({ MY_TOKEN: TOKEN })), TOKEN);
    await assert.rejects(getToken({ type: "env", name: "MY_TOKEN" }, host({ MY_TOKEN: " " })), {
      code: "ERR_TOKEN_UNAVAILABLE",
      message: /the environment variable MY_TOKEN \(web_identity_token_env\) is not set or empty/,
    });
    // In a GitLab job any variable is an id_tokens entry: the error shows the one to add.
    await assert.rejects(getToken({ type: "env", name: "MY_TOKEN" }, host({ GITLAB_CI: "true" })), {
      code: "ERR_TOKEN_UNAVAILABLE",
      message:
        /^GitLab did not give this job an OIDC token: MY_TOKEN is not set\. .*add to the job:\n {2}id_tokens:\n {4}MY_TOKEN:\n {6}aud: <the audience>$/s,
    });
  });
});
