// getToken over any spec (lib/token.ts): `auto` detects the platform at each call, then gets the token
// from the source found. Each source's own getToken cases are in tests/lib/sources/<source>_test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getToken } from "../../mod.ts";
import { sourceHost, TOKEN } from "./sources/_sources.ts";

describe("getToken: each kind of source", () => {
  const host = sourceHost();

  it("auto: detects at each call and gets the token from the platform found", async () => {
    assert.equal(
      await getToken(
        { type: "auto", audience: "sts.amazonaws.com" },
        host({ GITLAB_CI: "true", STS_AMAZONAWS_COM_ID_TOKEN: TOKEN }),
      ),
      TOKEN,
    );
  });
});
