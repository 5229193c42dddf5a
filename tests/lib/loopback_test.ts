// What counts as "this machine" for plain-http token URLs: only literal loopback addresses and the
// name `localhost` itself. A `*.localhost` name goes to the system resolver (and on many systems to
// DNS), so a bearer sent there may leave the machine: it must be https.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isLoopback } from "../../lib/_http.ts";
import { getToken, parseTokenServer } from "../../mod.ts";
import type { Fetch } from "../../lib/host.ts";

const LOOPBACK = [
  "http://localhost/",
  "http://LOCALHOST:8080/token",
  "http://127.0.0.1/",
  "http://127.1.2.3:9/",
  "http://127.1/", // parsed as 127.0.0.1
  "http://2130706433/", // parsed as 127.0.0.1
  "http://[::1]:8080/",
  "http://[0:0:0:0:0:0:0:1]/", // parsed as [::1]
  "http://[::ffff:127.0.0.1]/", // IPv4-mapped loopback
];
const NOT_LOOPBACK = [
  "http://evil.localhost/",
  "http://a.b.localhost:8080/",
  "http://localhost.example.com/",
  "http://localhost./",
  "http://127.0.0.1.nip.io/",
  "http://128.0.0.1/",
  "http://0.0.0.0/",
  "http://[::2]/",
  "http://[::ffff:10.0.0.1]/",
];

describe("isLoopback: literal loopback addresses and localhost itself", () => {
  for (const url of LOOPBACK) it(`${url} is this machine`, () => assert.equal(isLoopback(new URL(url)), true));
  for (const url of NOT_LOOPBACK) it(`${url} is not`, () => assert.equal(isLoopback(new URL(url)), false));

  it("a token server at http://<name>.localhost is refused before any request", async () => {
    let requests = 0;
    const fetch: Fetch = () => {
      requests++;
      return Promise.reject(new Error("no request may be sent"));
    };
    for (const url of ["http://evil.localhost/token", "http://a.b.localhost:8080/token"]) {
      await assert.rejects(
        getToken(parseTokenServer("GitHub"), {
          env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "s3cr3t-bearer-value" },
          fetch,
          retry: { maxAttempts: 1 },
        }),
        (err: { code?: string; message?: string }) => {
          assert.equal(err.code, "ERR_INSECURE_URL");
          assert.ok(!String(err.message).includes("s3cr3t-bearer-value"));
          return true;
        },
      );
    }
    assert.equal(requests, 0);
  });
});
