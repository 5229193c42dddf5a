// GitHub Actions' token server, and every server that speaks its protocol (GHES, Forgejo/Gitea, the
// manual URL_ENV,TOKEN_ENV[,AUDIENCE] form): GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=… with the bearer.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getToken, HttpError, parseTokenServer, TokenError } from "../../../mod.ts";
import { connectionRefused, fakeJwt, instantClock, scriptedFetch } from "../../_helpers.ts";
import { detects, fails, parses } from "./_sources.ts";

const BEARER = "bearer-SECRET-abc123";
const TOKEN = fakeJwt({ sub: "repo:o/r:ref:refs/heads/main", aud: "sts.amazonaws.com" });
const ENV = {
  GITHUB_ACTIONS: "true",
  ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example.test/idtoken?api-version=2.0",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER,
};
const GITHUB = parseTokenServer("GitHub");
const ok = {
  status: 200,
  body: JSON.stringify({ count: 1, value: TOKEN }),
  headers: { "content-type": "application/json" },
};

function options(
  fetch: ReturnType<typeof scriptedFetch>["fetch"],
  env: Record<string, string> = ENV,
  clock = instantClock(),
) {
  return { env, fetch, now: clock.now, sleep: clock.sleep, random: clock.random };
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TokenError || err instanceof HttpError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes(BEARER), "the bearer never appears in a message");
    return true;
  });
}

describe("GitHub, GHES, Forgejo: parseTokenServer", () => {
  parses([
    ["Forgejo", {
      type: "server",
      name: "Forgejo",
      urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
      tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      audience: "sts.amazonaws.com",
    }],
    ["gitea,aud", {
      type: "server",
      name: "Forgejo",
      urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
      tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      audience: "aud",
    }],
    ["GHES", {
      type: "server",
      name: "GHES",
      urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
      tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      audience: "sts.amazonaws.com",
    }],
  ]);
});

describe("GitHub, GHES, Forgejo: detectTokenSource", () => {
  detects("GitHub", {
    GITHUB_ACTIONS: "true",
    ACTIONS_ID_TOKEN_REQUEST_URL: "https://t.test/x",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b",
  }, "server");
  detects("Forgejo", {
    GITHUB_ACTIONS: "true",
    FORGEJO_ACTIONS: "true",
    ACTIONS_ID_TOKEN_REQUEST_URL: "https://f.test/x",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b",
  }, "server");

  it("stops at 'this platform, misconfigured' with its fix", async () => {
    await fails({ GITHUB_ACTIONS: "true" }, /permissions:\n {4}id-token: write/);
    await fails({ GITHUB_ACTIONS: "true", FORGEJO_ACTIONS: "true" }, /enable-openid-connect: true/);
  });
});

describe("getToken: token server (GitHub protocol)", () => {
  it("GETs the URL with the audience added, the bearer and Accept: application/json, and reads value", async () => {
    const script = scriptedFetch({ "/idtoken": [ok] });
    assert.equal(await getToken(GITHUB, options(script.fetch)), TOKEN);
    const [request] = script.requests;
    assert.equal(request.method, "GET");
    assert.equal(request.url.searchParams.get("api-version"), "2.0");
    assert.equal(request.url.searchParams.get("audience"), "sts.amazonaws.com");
    assert.equal(request.headers.authorization, `Bearer ${BEARER}`);
    assert.equal(request.headers.accept, "application/json");
  });

  it("asks for a fresh token on every call", async () => {
    const script = scriptedFetch({ "/idtoken": [ok] });
    await getToken(GITHUB, options(script.fetch));
    await getToken(GITHUB, options(script.fetch));
    assert.equal(script.count("/idtoken"), 2);
  });

  it("sends no audience for `GitHub,` and the given one for the manual form", async () => {
    const script = scriptedFetch({ "/idtoken": [ok] });
    await getToken(parseTokenServer("GitHub,"), options(script.fetch));
    assert.equal(script.requests[0].url.searchParams.has("audience"), false);
    const env = { MY_URL: "http://127.0.0.1:8080/idtoken", MY_BEARER: "b" };
    await getToken(parseTokenServer("MY_URL,MY_BEARER,api://aud,x"), options(script.fetch, env));
    assert.equal(script.requests[1].url.searchParams.get("audience"), "api://aud,x");
    assert.equal(script.requests[1].headers.authorization, "Bearer b");
  });

  it("explains missing variables inside GitHub Actions with the YAML to add", async () => {
    const script = scriptedFetch({});
    await rejectsWith(
      getToken(GITHUB, options(script.fetch, { GITHUB_ACTIONS: "true" })),
      "ERR_TOKEN_UNAVAILABLE",
      /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set.*\n {2}permissions:\n {4}id-token: write/s,
    );
    await rejectsWith(
      getToken(GITHUB, options(script.fetch, {})),
      "ERR_TOKEN_UNAVAILABLE",
      /does not look like a GitHub Actions job/,
    );
    await rejectsWith(
      getToken(parseTokenServer("MY_URL,MY_BEARER"), options(script.fetch, { MY_URL: "https://x.test/t" })),
      "ERR_TOKEN_UNAVAILABLE",
      /the environment variable MY_BEARER named by the token server setting is not set/,
    );
    assert.equal(script.requests.length, 0);
  });

  it("in a GitHub job, the manual form gets GitHub's fix only for GitHub's own missing variables", async () => {
    const script = scriptedFetch({});
    const job = { GITHUB_ACTIONS: "true", ACTIONS_ID_TOKEN_REQUEST_URL: ENV.ACTIONS_ID_TOKEN_REQUEST_URL };
    // The user's own bearer variable is not something GitHub sets: no id-token hint.
    await rejectsWith(
      getToken(parseTokenServer("ACTIONS_ID_TOKEN_REQUEST_URL,MY_BEARER"), options(script.fetch, job)),
      "ERR_TOKEN_UNAVAILABLE",
      /^Cannot request an OIDC token: the environment variable MY_BEARER named by the token server setting is not set/,
    );
    // GitHub's own bearer is: the hint applies.
    await rejectsWith(
      getToken(
        parseTokenServer("ACTIONS_ID_TOKEN_REQUEST_URL,ACTIONS_ID_TOKEN_REQUEST_TOKEN,sigstore"),
        options(script.fetch, job),
      ),
      "ERR_TOKEN_UNAVAILABLE",
      /^GitHub Actions did not give this job an OIDC token: ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set.*id-token: write/s,
    );
    assert.equal(script.requests.length, 0);
  });

  it("refuses plain http to another host before sending anything, but allows loopback", async () => {
    const script = scriptedFetch({ "/idtoken": [ok] });
    await rejectsWith(
      getToken(GITHUB, options(script.fetch, { ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: "http://10.0.0.1/idtoken" })),
      "ERR_INSECURE_URL",
      /must be an https URL/,
    );
    assert.equal(script.requests.length, 0);
    for (const host of ["127.0.0.1:9", "[::1]:9", "localhost:9"]) {
      assert.equal(
        await getToken(
          GITHUB,
          options(script.fetch, { ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: `http://${host}/idtoken` }),
        ),
        TOKEN,
      );
    }
  });

  it("retries 5xx, 408 and 429 with backoff, then succeeds", async () => {
    const clock = instantClock();
    const script = scriptedFetch({
      "/idtoken": [
        { status: 502 },
        { status: 408 },
        { status: 429, headers: { "retry-after": "3" } },
        { status: 503 },
        ok,
      ],
    });
    assert.equal(await getToken(GITHUB, options(script.fetch, ENV, clock)), TOKEN);
    assert.equal(script.count("/idtoken"), 5);
    // full jitter with random() = 0.5: 500, 1000, then at least the 3 s Retry-After, then 4000
    assert.deepEqual(clock.sleeps, [500, 1000, 3000, 4000]);
  });

  it("retries network errors", async () => {
    const script = scriptedFetch({ "/idtoken": [connectionRefused(), ok] });
    assert.equal(await getToken(GITHUB, options(script.fetch)), TOKEN);
    assert.equal(script.count("/idtoken"), 2);
  });

  it("gives up after five attempts with the last error", async () => {
    const script = scriptedFetch({ "/idtoken": [{ status: 500, body: "<html><body>Internal error</body></html>" }] });
    await rejectsWith(
      getToken(GITHUB, options(script.fetch)),
      "ERR_TOKEN_HTTP",
      /answered HTTP 500 \(Internal error\).*\(after 5 attempts\)$/,
    );
    assert.equal(script.count("/idtoken"), 5);
    const refused = scriptedFetch({ "/idtoken": [connectionRefused()] });
    await rejectsWith(
      getToken(GITHUB, options(refused.fetch)),
      "ERR_NETWORK",
      /^Cannot reach the token server at https:\/\/token\.example\.test\/idtoken: connect ECONNREFUSED 127\.0\.0\.1:9 \(after 5 attempts\)$/,
    );
  });

  for (const status of [400, 401, 403, 404]) {
    it(`never retries HTTP ${status}`, async () => {
      const body = JSON.stringify({ message: `nope, your bearer ${BEARER} and token ${TOKEN}` });
      const script = scriptedFetch({ "/idtoken": [{ status, body }] });
      await assert.rejects(getToken(GITHUB, options(script.fetch)), (err: unknown) => {
        assert.ok(err instanceof TokenError);
        assert.equal(err.code, "ERR_TOKEN_HTTP");
        assert.equal(err.status, status);
        assert.ok(!err.message.includes(BEARER) && !err.message.includes(TOKEN), err.message);
        return true;
      });
      assert.equal(script.count("/idtoken"), 1);
    });
  }

  it("says what a 401 means", async () => {
    const script = scriptedFetch({ "/idtoken": [{ status: 401 }] });
    await rejectsWith(
      getToken(GITHUB, options(script.fetch)),
      "ERR_TOKEN_HTTP",
      /HTTP 401: the request bearer in ACTIONS_ID_TOKEN_REQUEST_TOKEN was refused/,
    );
  });

  it("never follows a redirect, so the bearer goes nowhere else", async () => {
    const script = scriptedFetch({ "/idtoken": [{ status: 302, headers: { location: "https://evil.test/steal" } }] });
    await rejectsWith(
      getToken(GITHUB, options(script.fetch)),
      "ERR_TOKEN_HTTP",
      /HTTP 302: it answered with a redirect, which oidc2aws never follows/,
    );
    assert.equal(script.requests.length, 1);
  });

  it("reports a non-JSON answer or one without value, without echoing it", async () => {
    const html = scriptedFetch({
      "/idtoken": [{ status: 200, body: "<html>login</html>", headers: { "content-type": "text/html" } }],
    });
    await rejectsWith(
      getToken(GITHUB, options(html.fetch)),
      "ERR_TOKEN_RESPONSE",
      /without a token: expected JSON \{"value": "<token>"\}, got not JSON \(text\/html\)/,
    );
    const other = scriptedFetch({ "/idtoken": [{ status: 200, body: JSON.stringify({ token: TOKEN, count: 1 }) }] });
    await assert.rejects(getToken(GITHUB, options(other.fetch)), (err: Error) => {
      assert.match(err.message, /got a JSON object with the keys token, count/);
      assert.ok(!err.message.includes(TOKEN));
      return true;
    });
    const empty = scriptedFetch({ "/idtoken": [{ status: 200, body: '{"value": ""}' }] });
    await rejectsWith(getToken(GITHUB, options(empty.fetch)), "ERR_TOKEN_RESPONSE", /got an empty "value"/);
  });

  it("times out a hung attempt, retries, and honours the overall deadline", async () => {
    let calls = 0;
    // Like a real hung request, it holds a handle (a socket would) until it is aborted.
    const hang = (_url: string, init: { signal?: AbortSignal }) => {
      calls++;
      const socket = setInterval(() => {}, 1000);
      return new Promise<never>((_, reject) =>
        init.signal?.addEventListener("abort", () => {
          clearInterval(socket);
          reject(init.signal!.reason);
        })
      );
    };
    const started = Date.now();
    // Attempts of 40 ms within 1 s, and attempts enough to outlast it: a loaded machine, whose timers
    // fire late, still gets a second attempt in, and it is the deadline that stops the retries.
    await assert.rejects(
      getToken(GITHUB, {
        env: ENV,
        fetch: hang,
        retry: { maxAttempts: 1000, attemptTimeoutMs: 40, baseDelayMs: 1, totalTimeoutMs: 1000 },
      }),
      (err: unknown) =>
        err instanceof HttpError && err.code === "ERR_TIMEOUT" && /did not answer within \d+ ms/.test(err.message),
    );
    const elapsed = Date.now() - started;
    assert.ok(calls >= 2, `retried after a timeout (${calls} calls)`);
    assert.ok(calls < 1000, `the deadline, not the attempts, stopped it (${calls} calls)`);
    assert.ok(elapsed < 5000, `stopped near the deadline (${elapsed} ms)`);
  });

  it("rejects with the caller's abort reason", async () => {
    const controller = new AbortController();
    const script = scriptedFetch({ "/idtoken": () => (controller.abort(new Error("stop")), { status: 503 }) });
    await assert.rejects(getToken(GITHUB, { ...options(script.fetch), sleep: undefined, signal: controller.signal }), {
      message: "stop",
    });
  });
});
