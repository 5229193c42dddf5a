/**
 * msw (Mock Service Worker, `msw/node`) intercepting the requests of the library's DEFAULT fetch: on
 * Node the runtime adapter's node:http/node:https client (msw's ClientRequest interceptor), on Deno
 * and Bun the global fetch (msw's fetch interceptor). Users mock the network this way in their own
 * tests, so the library must be visible to it.
 *
 * The library is used once BEFORE msw is installed: `bun test` runs every file in one process, so by
 * the time a file calls `server.listen()` the library has usually run already (here, e2e_test.ts sorts
 * first). Doing it here makes the outcome the same in every runner, and it is the case that matters:
 * an HTTP mock installed at any time must see the library's requests.
 *
 * Nothing may leak: the first request goes to the URL of a loopback canary server, so if msw does not
 * intercept, it lands on 127.0.0.1 and the made-up `*.msw.test` hosts are never looked up.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setupServer } from "msw/node";
import { http, HttpResponse } from "msw";
import { assumeRole, getToken, parseTokenServer, resolveProfile, STS_API_VERSION, VERSION } from "../../mod.ts";
import { fakeJwt, startLoopback, stsSuccessXml } from "../_helpers.ts";

const TOKEN_URL = "https://token.msw.test/idtoken?api-version=2.0";
const STS_URL = "https://sts.msw.test/";
const BEARER = "msw-request-bearer-0123456789";
const ROLE = "arn:aws:iam::123456789012:role/ci";
const RETRY = { baseDelayMs: 1, attemptTimeoutMs: 2000, totalTimeoutMs: 5000, maxAttempts: 1 };

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A loopback server that counts what reaches it: anything that does is a request msw missed. */
async function startCanary(): Promise<{ url: string; hits: string[]; stop(): Promise<void> }> {
  const server = await startLoopback((_req, res) => {
    res.writeHead(418, { "content-type": "text/plain" });
    res.end("msw did not intercept this request\n");
  });
  return {
    url: server.url,
    get hits() {
      return server.requests.map((r) => `${r.method} ${r.url}`);
    },
    stop: server.stop,
  };
}

describe("msw intercepts the library's default fetch", () => {
  const seen: Seen[] = [];
  const token = fakeJwt({
    iss: "https://token.actions.githubusercontent.com",
    aud: "sts.amazonaws.com",
    sub: "repo:octo-org/octo-repo:ref:refs/heads/main",
    exp: Math.floor(Date.now() / 1000) + 300,
  }, "msw-signature");
  let canary: Awaited<ReturnType<typeof startCanary>>;
  let server: ReturnType<typeof setupServer>;
  let intercepted = false;

  const record = async (request: Request) => {
    seen.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: request.method === "GET" ? "" : await request.text(),
    });
  };

  before(async () => {
    canary = await startCanary();
    // The library's first use in this process (loads its runtime adapter), before msw exists.
    await resolveProfile({
      env: { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub", AWS_CONFIG_FILE: "" },
    });
    server = setupServer(
      http.get(`${canary.url}/guard`, async ({ request }) => {
        await record(request);
        return HttpResponse.json({ value: "guard-token" });
      }),
      http.get("https://token.msw.test/idtoken", async ({ request }) => {
        await record(request);
        return HttpResponse.json({ count: 1, value: token });
      }),
      http.post(STS_URL, async ({ request }) => {
        await record(request);
        return new HttpResponse(stsSuccessXml({ session: "msw-session" }), {
          status: 200,
          headers: { "content-type": "text/xml", "x-amzn-requestid": "msw-request-1" },
        });
      }),
    );
    server.listen({ onUnhandledRequest: "error" });
  });
  after(async () => {
    server?.close();
    await canary?.stop();
  });

  it("sees a request the library makes after msw is installed (a loopback canary catches a miss)", async () => {
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `${canary.url}/guard`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER };
    const outcome = await getToken(parseTokenServer("GitHub"), { env, retry: RETRY }).catch((err: Error) => err);
    assert.deepEqual(
      canary.hits,
      [],
      "msw did not intercept the library's default fetch: the request reached the real (loopback) server",
    );
    assert.equal(outcome, "guard-token", String(outcome));
    intercepted = true;
  });

  it("token server and STS through msw: the request shapes it saw, and the credentials returned", async () => {
    // Without interception these requests would go to DNS for *.msw.test: not attempted then.
    assert.ok(intercepted, "not attempted: msw does not see the library's requests (see the previous test)");
    seen.length = 0;
    const env = {
      ACTIONS_ID_TOKEN_REQUEST_URL: TOKEN_URL,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER,
      AWS_ENDPOINT_URL_STS: STS_URL,
      AWS_ROLE_ARN: ROLE,
      AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
      AWS_CONFIG_FILE: "",
      GITHUB_RUN_ID: "4242",
      GITHUB_RUN_ATTEMPT: "2",
    };
    const profile = await resolveProfile({ env });
    assert.equal(profile.stsEndpoint, STS_URL);
    // The clock is the one thing injected: the answer expires at 13:00 that day.
    const credentials = await assumeRole(profile, { env, retry: RETRY, now: () => Date.UTC(2026, 10, 26, 12, 0, 0) });

    assert.equal(seen.length, 2);
    const [get, post] = seen;
    assert.equal(get.method, "GET");
    const url = new URL(get.url);
    assert.equal(`${url.origin}${url.pathname}`, "https://token.msw.test/idtoken");
    assert.equal(url.searchParams.get("api-version"), "2.0", "the URL's own query is kept");
    assert.equal(url.searchParams.get("audience"), "sts.amazonaws.com");
    assert.equal(get.headers.authorization, `Bearer ${BEARER}`);
    assert.equal(get.headers.accept, "application/json");
    assert.equal(get.headers["user-agent"], `oidc2aws/${VERSION}`);

    assert.equal(post.method, "POST");
    assert.equal(post.url, STS_URL);
    assert.match(post.headers["content-type"], /^application\/x-www-form-urlencoded\b/);
    assert.equal(post.headers.authorization, undefined, "AssumeRoleWithWebIdentity is unsigned");
    const form = new URLSearchParams(post.body);
    assert.deepEqual(Object.fromEntries(form), {
      Action: "AssumeRoleWithWebIdentity",
      Version: STS_API_VERSION,
      RoleArn: ROLE,
      RoleSessionName: "GitHubActions-4242-2",
      WebIdentityToken: token,
    });

    assert.equal(credentials.accessKeyId, "ASIAEXAMPLEEXAMPLE01");
    assert.equal(credentials.secretAccessKey, "SECRETKEY-do-not-print");
    assert.equal(credentials.sessionToken, "SESSIONTOKEN-do-not-print");
    assert.deepEqual(credentials.expiration, new Date("2026-11-26T13:00:00Z"));
    assert.equal(credentials.assumedRoleArn, "arn:aws:sts::123456789012:assumed-role/ci/msw-session");
    assert.equal(credentials.roleArn, ROLE);
    assert.equal(credentials.roleSessionName, "GitHubActions-4242-2");
    assert.equal(credentials.requestId, "ok-1");
    assert.deepEqual(canary.hits, [], "nothing reached a real server");
  });
});
