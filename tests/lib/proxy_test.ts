// proxyFor: which proxy a request goes through, by the rules curl and botocore share for
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY, plus oidc2aws's own: loopback is always direct.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, proxyFor } from "../../mod.ts";

const P = "http://proxy.corp:3128";

/** [what, url, env, expected: "direct" or the proxy's href]. */
const CASES: Array<[string, string, Record<string, string>, string]> = [
  ["no variable", "https://sts.amazonaws.com/", {}, "direct"],
  ["HTTPS_PROXY for https", "https://sts.amazonaws.com/", { HTTPS_PROXY: P }, "http://proxy.corp:3128/"],
  ["https_proxy (lower case) for https", "https://sts.amazonaws.com/", { https_proxy: P }, "http://proxy.corp:3128/"],
  [
    "lower case wins",
    "https://sts.amazonaws.com/",
    { https_proxy: P, HTTPS_PROXY: "http://other:1" },
    "http://proxy.corp:3128/",
  ],
  [
    "an empty lower case is unset",
    "https://sts.amazonaws.com/",
    { https_proxy: "", HTTPS_PROXY: P },
    "http://proxy.corp:3128/",
  ],
  ["HTTP_PROXY is not for https", "https://sts.amazonaws.com/", { HTTP_PROXY: P }, "direct"],
  ["HTTPS_PROXY is not for http", "http://token.corp/", { HTTPS_PROXY: P }, "direct"],
  ["HTTP_PROXY for http", "http://token.corp/", { HTTP_PROXY: P }, "http://proxy.corp:3128/"],
  ["http_proxy for http", "http://token.corp/", { http_proxy: P }, "http://proxy.corp:3128/"],
  ["no scheme: http://", "https://sts.amazonaws.com/", { HTTPS_PROXY: "proxy.corp:3128" }, "http://proxy.corp:3128/"],
  [
    "no port: 80 (the URL's default)",
    "https://sts.amazonaws.com/",
    { HTTPS_PROXY: "http://proxy.corp" },
    "http://proxy.corp/",
  ],
  [
    "credentials kept",
    "https://sts.amazonaws.com/",
    { HTTPS_PROXY: "http://u:p@proxy.corp:3128" },
    "http://u:p@proxy.corp:3128/",
  ],
  // Loopback: never through a proxy.
  ["127.0.0.1", "https://127.0.0.1:8443/", { HTTPS_PROXY: P }, "direct"],
  ["127.5.6.7", "https://127.5.6.7/", { HTTPS_PROXY: P }, "direct"],
  ["::1", "https://[::1]:8443/", { HTTPS_PROXY: P }, "direct"],
  ["localhost", "http://localhost:8080/", { HTTP_PROXY: P }, "direct"],
  ["LOCALHOST", "https://LOCALHOST/", { HTTPS_PROXY: P }, "direct"],
  ["*.localhost is not loopback", "https://app.localhost/", { HTTPS_PROXY: P }, "http://proxy.corp:3128/"],
  ["128.0.0.1 is not loopback", "https://128.0.0.1/", { HTTPS_PROXY: P }, "http://proxy.corp:3128/"],
  // NO_PROXY.
  ["NO_PROXY *", "https://sts.amazonaws.com/", { HTTPS_PROXY: P, NO_PROXY: "*" }, "direct"],
  [
    "NO_PROXY * among others is not a wildcard",
    "https://sts.amazonaws.com/",
    { HTTPS_PROXY: P, NO_PROXY: "a.com,*" },
    "http://proxy.corp:3128/",
  ],
  ["NO_PROXY * with spaces", "https://sts.amazonaws.com/", { HTTPS_PROXY: P, NO_PROXY: " * " }, "direct"],
  ["NO_PROXY exact name", "https://sts.amazonaws.com/", { HTTPS_PROXY: P, NO_PROXY: "sts.amazonaws.com" }, "direct"],
  ["NO_PROXY suffix", "https://sts.us-east-1.amazonaws.com/", { HTTPS_PROXY: P, NO_PROXY: "amazonaws.com" }, "direct"],
  ["NO_PROXY leading dot: a name under it", "https://sts.amazonaws.com/", {
    HTTPS_PROXY: P,
    NO_PROXY: ".amazonaws.com",
  }, "direct"],
  [
    "NO_PROXY leading dot: the name itself",
    "https://amazonaws.com/",
    { HTTPS_PROXY: P, NO_PROXY: ".amazonaws.com" },
    "direct",
  ],
  ["NO_PROXY *. prefix", "https://sts.amazonaws.com/", { HTTPS_PROXY: P, NO_PROXY: "*.amazonaws.com" }, "direct"],
  [
    "NO_PROXY not on a label boundary",
    "https://sts.notamazonaws.com/",
    { HTTPS_PROXY: P, NO_PROXY: "amazonaws.com" },
    "http://proxy.corp:3128/",
  ],
  [
    "NO_PROXY partial label",
    "https://sts.amazonaws.com/",
    { HTTPS_PROXY: P, NO_PROXY: "ts.amazonaws.com" },
    "http://proxy.corp:3128/",
  ],
  [
    "NO_PROXY longer than the host",
    "https://amazonaws.com/",
    { HTTPS_PROXY: P, NO_PROXY: "sts.amazonaws.com" },
    "http://proxy.corp:3128/",
  ],
  ["NO_PROXY case-insensitive", "https://STS.AmazonAWS.com/", { HTTPS_PROXY: P, NO_PROXY: "amazonaws.COM" }, "direct"],
  ["NO_PROXY spaces and empty entries", "https://sts.amazonaws.com/", {
    HTTPS_PROXY: P,
    NO_PROXY: " a.com , ,  amazonaws.com ",
  }, "direct"],
  ["NO_PROXY port matches", "https://sts.amazonaws.com/", { HTTPS_PROXY: P, NO_PROXY: "amazonaws.com:443" }, "direct"],
  [
    "NO_PROXY port differs",
    "https://sts.amazonaws.com/",
    { HTTPS_PROXY: P, NO_PROXY: "amazonaws.com:8443" },
    "http://proxy.corp:3128/",
  ],
  [
    "NO_PROXY port, explicit URL port",
    "https://sts.corp:8443/",
    { HTTPS_PROXY: P, NO_PROXY: "sts.corp:8443" },
    "direct",
  ],
  ["NO_PROXY IPv4 literal", "https://10.1.2.3/", { HTTPS_PROXY: P, NO_PROXY: "10.1.2.3" }, "direct"],
  [
    "NO_PROXY IPv4 is not a suffix",
    "https://110.1.2.3/",
    { HTTPS_PROXY: P, NO_PROXY: "10.1.2.3" },
    "http://proxy.corp:3128/",
  ],
  ["NO_PROXY IPv4 with port", "https://10.1.2.3:8443/", { HTTPS_PROXY: P, NO_PROXY: "10.1.2.3:8443" }, "direct"],
  ["NO_PROXY IPv6 literal", "https://[fd00::7]/", { HTTPS_PROXY: P, NO_PROXY: "fd00::7" }, "direct"],
  [
    "NO_PROXY bracketed IPv6 with port",
    "https://[fd00::7]:8443/",
    { HTTPS_PROXY: P, NO_PROXY: "[fd00::7]:8443" },
    "direct",
  ],
  ["no_proxy (lower case) wins", "https://sts.amazonaws.com/", {
    HTTPS_PROXY: P,
    no_proxy: "example.org",
    NO_PROXY: "*",
  }, "http://proxy.corp:3128/"],
  ["NO_PROXY without a proxy", "https://sts.amazonaws.com/", { NO_PROXY: "example.org" }, "direct"],
  [
    "NO_PROXY trailing dot of an entry",
    "https://sts.amazonaws.com/",
    { HTTPS_PROXY: P, NO_PROXY: "amazonaws.com." },
    "direct",
  ],
];

describe("proxyFor", () => {
  for (const [what, url, env, expected] of CASES) {
    it(`${what}: ${url} ${JSON.stringify(env)} → ${expected}`, () => {
      const decision = proxyFor(url, env);
      assert.equal(decision === "direct" ? "direct" : decision.proxy.href, expected);
    });
  }

  it("refuses a proxy variable that is not an http:// URL, naming the variable and never its value", () => {
    for (
      const [name, value] of [
        ["HTTPS_PROXY", "http://u:hunter2@[bad"],
        ["https_proxy", "socks5://u:hunter2@proxy:1080"],
        ["HTTPS_PROXY", "https://u:hunter2@proxy:3128"],
        ["HTTPS_PROXY", "http://u:hunter2@proxy:3128/path"],
        ["HTTPS_PROXY", "http://"],
      ]
    ) {
      assert.throws(() => proxyFor("https://sts.amazonaws.com/", { [name]: value }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, "ERR_CONFIG_INVALID");
        assert.equal(err.key, name);
        assert.ok(err.message.startsWith(`${name} `), err.message);
        assert.ok(!err.message.includes("hunter2"), err.message);
        return true;
      });
    }
  });

  it("a bad proxy variable for the other scheme is not read", () => {
    assert.equal(proxyFor("https://sts.amazonaws.com/", { HTTP_PROXY: "socks5://x:1" }), "direct");
  });

  it("loopback is direct even when the proxy variable is bad", () => {
    assert.equal(proxyFor("https://127.0.0.1:1/", { HTTPS_PROXY: "socks5://x:1" }), "direct");
  });
});
