// The tunnel every runtime uses when a proxy variable is set (lib/_runtime/network.ts), in-process:
// a proxy that never answers the CONNECT makes the attempt time out, and the connection to the proxy
// is closed then (else it would hold the process open until the proxy gave up).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assumeRole, type Fetch, Oidc2AwsError, type WebIdentityProfile } from "../../mod.ts";
import { TIMED } from "../../lib/host.ts";
import { request } from "../../lib/_runtime/node_http.ts";
import { startProxy } from "../_tls.ts";

const PROFILE: WebIdentityProfile = {
  name: "ci",
  roleArn: "arn:aws:iam::123456789012:role/deploy",
  token: { type: "file", path: "/token" },
  roleSessionName: "ci",
  stsEndpoint: "https://sts.example.test/",
};
const readFile = (path: string) => Promise.resolve(path === "/token" ? "eyJhbGciOiJub25lIn0.e30.sig" : undefined);

describe("the proxy tunnel", () => {
  for (const timed of [false, true]) {
    it(
      `a proxy that never answers the CONNECT: ERR_TIMEOUT, and the connection to it is closed (${
        timed ? "the adapter's own time limit" : "an AbortSignal"
      })`,
      {
        timeout: 20000,
      },
      async () => {
        const proxy = await startProxy({ targets: {}, hang: true });
        try {
          const env = { HTTPS_PROXY: proxy.url };
          const plain: Fetch = (url, init) => request(url, init, undefined, { env, readFile });
          const fetch = timed
            ? Object.assign(plain, {
              [TIMED]: (url: string, init: Parameters<Fetch>[1], limit: { ms: number; expired: boolean }) =>
                request(url, init, limit, { env, readFile }),
            })
            : plain;
          await assert.rejects(
            // 1 s: long enough that a loaded machine still delivers the CONNECT to the proxy first.
            assumeRole(PROFILE, { env: {}, fetch, readFile, retry: { maxAttempts: 1, attemptTimeoutMs: 1000 } }),
            (err: unknown) => {
              assert.ok(err instanceof Oidc2AwsError);
              assert.equal(err.code, "ERR_TIMEOUT");
              assert.match(err.message, /^STS at https:\/\/sts\.example\.test\/ did not answer within 1000 ms/);
              return true;
            },
          );
          assert.deepEqual(proxy.seen.map((s) => s.line), ["CONNECT sts.example.test:443 HTTP/1.1"]);
          // Resolves only once the client has closed its connection to the proxy.
          await proxy.allClosed();
        } finally {
          await proxy.stop();
        }
      },
    );
  }
});
