// web_identity_token_file (and AWS_WEB_IDENTITY_TOKEN_FILE): a token the platform writes to a file,
// read on every call (Kubernetes, EKS IRSA). `auto` finds it as "Kubernetes".
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getToken, HttpError, TokenError } from "../../../mod.ts";
import { detects } from "./_sources.ts";

const BEARER = "bearer-SECRET-abc123";

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TokenError || err instanceof HttpError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes(BEARER), "the bearer never appears in a message");
    return true;
  });
}

describe("file: detectTokenSource", () => {
  detects(
    "Kubernetes",
    { AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token" },
    "file",
  );
});

describe("getToken: token file", () => {
  it("reads the file on every call and trims it", async () => {
    let version = 0;
    const readFile = () => Promise.resolve(`token-v${++version}\n`);
    assert.equal(await getToken({ type: "file", path: "/var/run/token" }, { readFile }), "token-v1");
    assert.equal(await getToken({ type: "file", path: "/var/run/token" }, { readFile }), "token-v2");
  });

  it("reports a missing or empty file", async () => {
    await rejectsWith(
      getToken({ type: "file", path: "/nope" }, { readFile: () => Promise.resolve(undefined) }),
      "ERR_TOKEN_UNAVAILABLE",
      /token file \/nope does not exist/,
    );
    await rejectsWith(
      getToken({ type: "file", path: "/empty" }, { readFile: () => Promise.resolve(" \n") }),
      "ERR_TOKEN_UNAVAILABLE",
      /token file \/empty is empty/,
    );
  });
});
