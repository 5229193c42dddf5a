/**
 * Faults survived (or refused) over real HTTP on 127.0.0.1: the emulator's fault knobs on the token
 * server and on STS, through getToken / assumeRole / fromWebIdentity with the library's DEFAULT
 * fetch. Every scenario checks the outcome and the number of requests the emulator saw.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assumeRole,
  fromWebIdentity,
  getToken,
  HttpError,
  type Oidc2AwsError,
  parseTokenServer,
  resolveProfile,
  StsError,
  StsResponseError,
  TokenError,
  type WebIdentityProfile,
} from "../../mod.ts";
import { DEFAULT_SUBJECT, type Emulator, startEmulator } from "../../emulator/mod.ts";
import { startLoopback } from "../_helpers.ts";
import { webIdentity } from "../_profile.ts";

const ROLE = "arn:aws:iam::123456789012:role/deploy";
/** Small steps so backoff costs milliseconds; the tests count requests, not time. */
const RETRY = { baseDelayMs: 1, attemptTimeoutMs: 300, totalTimeoutMs: 5000 };
const GITHUB = parseTokenServer("GitHub");
const JWT_LIKE = /ey[\w-]{8,}\.ey[\w-]{8,}\.[\w-]{8,}/;

// ---------- helpers ----------

/** The `jti` of a JWT (each token the emulator mints has its own). */
function jtiOf(token: string): string {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload + "=".repeat((4 - (payload.length % 4)) % 4))).jti;
}

function profileFor(endpoint: string, roleArn = ROLE, name = "ci"): WebIdentityProfile {
  return { name, roleArn, token: GITHUB, roleSessionName: "faults", stsEndpoint: endpoint };
}

function statuses(emulator: Emulator, target: "token" | "sts"): number[] {
  return emulator.requests.filter((r) => r.target === target).map((r) => r.status);
}

/** Rejects with an Oidc2AwsError of this code, passing it to `check`. */
async function rejectsWith<T extends Oidc2AwsError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
  code: string,
  check: (err: T) => void = () => {},
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name} ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    check(err);
    return true;
  });
}

// ---------- the token server ----------

describe("faults at the token server (getToken, default fetch)", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  const fetchToken = (retry: object = RETRY, env: Record<string, string> = emulator.env) =>
    getToken(GITHUB, { env, retry });

  it("502 three times, then 200: retried, 4 token requests", async () => {
    emulator.reset();
    emulator.fault("token", { status: 502, body: "Bad Gateway", times: 3 });
    const token = await fetchToken();
    assert.match(token, JWT_LIKE);
    assert.deepEqual(statuses(emulator, "token"), [502, 502, 502, 200]);
  });

  it("401 (a refused bearer): one attempt, ERR_TOKEN_HTTP, the bearer never shown", async () => {
    emulator.reset();
    const env = { ...emulator.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "not-the-job-bearer-123" };
    await rejectsWith(fetchToken(RETRY, env), TokenError, "ERR_TOKEN_HTTP", (err) => {
      assert.equal(err.status, 401);
      assert.match(err.message, /answered HTTP 401/);
      assert.match(err.message, /ACTIONS_ID_TOKEN_REQUEST_TOKEN was refused/);
      assert.ok(!err.message.includes("not-the-job-bearer-123"));
      assert.ok(!err.message.includes(emulator.bearer));
    });
    assert.deepEqual(statuses(emulator, "token"), [401]);
    assert.equal(emulator.requests[0].error, "unauthorized");
  });

  it("the connection dropped once: retried, success", async () => {
    emulator.reset();
    emulator.fault("token", { drop: true });
    assert.match(await fetchToken(), JWT_LIKE);
    assert.deepEqual(statuses(emulator, "token"), [0, 200]);
  });

  it("an answer cut half-way through its body: a transport failure (ERR_NETWORK), so retried", async () => {
    // The status line and headers arrive (200, Content-Length of the whole body), then the connection
    // is cut: every runtime's client fails reading the body, which the library treats like a dropped
    // connection. The alternative, parsing half a JSON document, would be ERR_TOKEN_RESPONSE.
    emulator.reset();
    emulator.fault("token", { truncate: true });
    assert.match(await fetchToken(), JWT_LIKE);
    assert.deepEqual(statuses(emulator, "token"), [200, 200]);

    emulator.reset();
    emulator.fault("token", { truncate: true, times: 10 });
    await rejectsWith(fetchToken({ ...RETRY, maxAttempts: 3 }), HttpError, "ERR_NETWORK", (err) => {
      assert.equal(err.retryable, true);
      assert.match(err.message, /^Cannot reach the token server at http:\/\/127\.0\.0\.1:\d+\/token: /);
      assert.match(err.message, /\(after 3 attempts\)$/);
      assert.ok(!err.message.includes("api-version"), "no query string in messages");
    });
    assert.equal(emulator.count("token"), 3);
  });

  it("a hang past the per-attempt timeout: that attempt times out, the next succeeds", async () => {
    emulator.reset();
    emulator.fault("token", { hang: true });
    assert.match(await fetchToken({ ...RETRY, attemptTimeoutMs: 200 }), JWT_LIKE);
    assert.deepEqual(statuses(emulator, "token"), [0, 200]);
  });

  it("a hang forever: the overall deadline is honoured, ERR_TIMEOUT", async () => {
    emulator.reset();
    emulator.fault("token", { hang: true, times: 1000 });
    // The per-attempt timeout is longer than the whole budget: the deadline must still win.
    const deadline = 600;
    const started = Date.now();
    await rejectsWith(
      fetchToken({ baseDelayMs: 1, attemptTimeoutMs: 10_000, totalTimeoutMs: deadline }),
      HttpError,
      "ERR_TIMEOUT",
      (err) => {
        assert.equal(err.retryable, true);
        assert.match(err.message, /^The token server at http:\/\/127\.0\.0\.1:\d+\/token did not answer within \d+ ms/);
      },
    );
    // Ignoring the deadline would mean waiting out the 10 s attempt: half of that tells them apart on a
    // loaded machine too.
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 5000, `returned after ${elapsed} ms: the ${deadline} ms deadline did not cut the 10 s attempt`);
    assert.ok(emulator.count("token") >= 1);
    assert.ok(statuses(emulator, "token").every((s) => s === 0), "nothing was ever answered");

    // With shorter attempts, several fit in the budget, and the last one still ends by the deadline.
    emulator.reset();
    emulator.fault("token", { hang: true, times: 1000 });
    const again = Date.now();
    await rejectsWith(
      fetchToken({ baseDelayMs: 1, attemptTimeoutMs: 150, totalTimeoutMs: deadline }),
      HttpError,
      "ERR_TIMEOUT",
      (err) => assert.match(err.message, /\(after [2-5] attempts\)$/),
    );
    const elapsed2 = Date.now() - again;
    assert.ok(elapsed2 < 3 * deadline, `returned after ${elapsed2} ms`);
    assert.ok(emulator.count("token") >= 2);
  });

  it("a 10 MB token answer: refused at the 64 KiB cap, ERR_TOKEN_RESPONSE, no retry", async () => {
    emulator.reset();
    emulator.fault("token", { hugeBody: 10_000_000 });
    await rejectsWith(fetchToken(), TokenError, "ERR_TOKEN_RESPONSE", (err) => {
      assert.match(err.message, /larger than 65536 bytes/);
      assert.match(err.message, /10000000 bytes announced/);
    });
    assert.equal(emulator.count("token"), 1);
  });

  it("the caller aborts during a hang: rejects with the signal's reason at once, no retry", async () => {
    emulator.reset();
    emulator.fault("token", { hang: true, times: 10 });
    const controller = new AbortController();
    const reason = new Error("the job was cancelled");
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    await assert.rejects(
      getToken(GITHUB, { env: emulator.env, signal: controller.signal, retry: { ...RETRY, attemptTimeoutMs: 5000 } }),
      (err: unknown) => err === reason,
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 4000, `aborted after ${elapsed} ms, not at the 5 s attempt timeout`);
    assert.equal(emulator.count("token"), 1);
  });

  it("a redirect is never followed: ERR_TOKEN_HTTP, and the target receives nothing (no bearer)", async () => {
    const elsewhere = await startLoopback();
    try {
      for (const status of [301, 302, 303, 307, 308] as const) {
        emulator.reset();
        emulator.fault("token", { redirect: `${elsewhere.url}/steal?api-version=2.0`, status });
        await rejectsWith(fetchToken(), TokenError, "ERR_TOKEN_HTTP", (err) => {
          assert.equal(err.status, status);
          assert.match(err.message, /redirect, which oidc2aws never follows with the bearer token/);
          assert.ok(!err.message.includes(emulator.bearer));
        });
        assert.deepEqual(statuses(emulator, "token"), [status], `HTTP ${status}: one request, no retry`);
      }
      assert.equal(elsewhere.requests.length, 0, "the redirect target was never contacted");
    } finally {
      await elsewhere.stop();
    }
  });
});

// ---------- STS ----------

describe("faults at STS (assumeRole, default fetch)", () => {
  let emulator: Emulator;
  let profile: WebIdentityProfile;
  before(async () => {
    emulator = await startEmulator({ roles: { [ROLE]: { sub: "repo:octo-org/octo-repo:*" } } });
    // The env-var form of configuration: no config file at all.
    profile = webIdentity(
      await resolveProfile({
        env: { ...emulator.env, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub", AWS_CONFIG_FILE: "" },
      }),
    );
    assert.equal(profile.stsEndpoint, `${emulator.url}/`);
  });
  after(() => emulator.stop());

  const assume = (target = profile, retry: object = RETRY) => assumeRole(target, { env: emulator.env, retry });

  /** Success: the credentials are the ones the emulator issued last. */
  function assertIssued(accessKeyId: string): void {
    assert.equal(emulator.issued.get(accessKeyId)?.roleArn, ROLE);
  }

  it("IDPCommunicationError twice, then success: 3 STS requests, 1 token", async () => {
    emulator.reset();
    emulator.fault("sts", { stsError: "IDPCommunicationError", times: 2 });
    assertIssued((await assume()).accessKeyId);
    assert.deepEqual(statuses(emulator, "sts"), [400, 400, 200]);
    assert.equal(emulator.count("token"), 1, "the token is reused for transient retries");
  });

  it("Throttling, then success: 2 STS requests, 1 token", async () => {
    emulator.reset();
    emulator.fault("sts", { stsError: "Throttling" });
    assertIssued((await assume()).accessKeyId);
    assert.deepEqual(statuses(emulator, "sts"), [400, 200]);
    assert.equal(emulator.count("token"), 1);
  });

  it("a 503 HTML page from a load balancer, then success: 2 STS requests", async () => {
    emulator.reset();
    emulator.fault("sts", { html: true });
    assertIssued((await assume()).accessKeyId);
    assert.deepEqual(statuses(emulator, "sts"), [503, 200]);
    assert.equal(emulator.count("token"), 1);
  });

  it("a 503 HTML page every time: ERR_STS_RESPONSE with the status, after maxAttempts", async () => {
    emulator.reset();
    emulator.fault("sts", { html: true, times: 100 });
    await rejectsWith(assume(profile, { ...RETRY, maxAttempts: 3 }), StsResponseError, "ERR_STS_RESPONSE", (err) => {
      assert.equal(err.status, 503);
      assert.equal(err.retryable, true);
      assert.match(err.message, /^STS at http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 503 \(text\/html\)/);
      assert.match(err.message, /html/i);
      assert.match(err.message, /\(after 3 attempts\)$/);
    });
    assert.equal(emulator.count("sts"), 3);
  });

  it("InvalidIdentityToken every time: 3 STS requests, each with a fresh, distinct token", async () => {
    // A tap in front of STS sees the tokens sent (the emulator's log never holds them).
    const tap = await startLoopback(async (req, res, body) => {
      const answer = await fetch(`${emulator.url}/`, {
        method: "POST",
        headers: { "content-type": String(req.headers["content-type"]) },
        body,
      });
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/xml" });
      res.end(await answer.text());
    });
    try {
      emulator.reset();
      emulator.fault("sts", { stsError: "InvalidIdentityToken", times: 100 });
      await rejectsWith(assume(profileFor(`${tap.url}/`)), StsError, "ERR_STS", (err) => {
        assert.equal(err.awsCode, "InvalidIdentityToken");
        assert.match(err.message, /after 3 attempts/);
        assert.ok(err.message.includes(`sub=${DEFAULT_SUBJECT}`), err.message);
      });
      assert.equal(emulator.count("sts"), 3);
      assert.equal(emulator.count("token"), 3);
      const tokens = tap.requests.map((r) => new URLSearchParams(r.body).get("WebIdentityToken")!);
      assert.equal(tokens.length, 3);
      assert.equal(new Set(tokens).size, 3, "three distinct tokens");
      assert.equal(new Set(tokens.map(jtiOf)).size, 3, "three distinct jti claims");
    } finally {
      await tap.stop();
    }
  });

  it("AccessDenied: exactly one STS request, the error shows the token's iss, aud and sub", async () => {
    emulator.reset();
    emulator.fault("sts", { stsError: "AccessDenied" });
    await rejectsWith(assume(), StsError, "ERR_STS", (err) => {
      assert.equal(err.awsCode, "AccessDenied");
      assert.equal(err.status, 403);
      assert.ok(err.message.startsWith(`Cannot assume role ${ROLE}: AccessDenied`), err.message);
      for (const claim of [`iss=${emulator.issuer}`, "aud=sts.amazonaws.com", `sub=${DEFAULT_SUBJECT}`]) {
        assert.ok(err.message.includes(claim), `${claim} in: ${err.message}`);
      }
      assert.doesNotMatch(err.message, JWT_LIKE);
    });
    assert.deepEqual(statuses(emulator, "sts"), [403]);
    assert.equal(emulator.count("token"), 1);
  });

  it("an XML answer cut half-way: a transport failure, retried (ERR_NETWORK once attempts run out)", async () => {
    // As for the token server: the body ends before its Content-Length, which every runtime's client
    // reports as an error while reading; the library retries it like a reset connection.
    emulator.reset();
    emulator.fault("sts", { truncate: true });
    assertIssued((await assume()).accessKeyId);
    assert.deepEqual(statuses(emulator, "sts"), [200, 200]);
    assert.equal(emulator.count("token"), 1);

    emulator.reset();
    emulator.fault("sts", { truncate: true, times: 100 });
    await rejectsWith(assume(profile, { ...RETRY, maxAttempts: 2 }), HttpError, "ERR_NETWORK", (err) => {
      assert.match(err.message, /^Cannot reach STS at http:\/\/127\.0\.0\.1:\d+\/: /);
      assert.match(err.message, /\(after 2 attempts\)$/);
    });
    assert.equal(emulator.count("sts"), 2);
  });

  it("the STS connection dropped once: retried with the same token, success", async () => {
    emulator.reset();
    emulator.fault("sts", { drop: true });
    assertIssued((await assume()).accessKeyId);
    assert.deepEqual(statuses(emulator, "sts"), [0, 200]);
    assert.equal(emulator.count("token"), 1);
  });

  it("STS hangs forever: the overall deadline (token time included) is honoured, ERR_TIMEOUT", async () => {
    emulator.reset();
    emulator.fault("sts", { hang: true, times: 1000 });
    const deadline = 600;
    const started = Date.now();
    await rejectsWith(
      assume(profile, { baseDelayMs: 1, attemptTimeoutMs: 10_000, totalTimeoutMs: deadline }),
      HttpError,
      "ERR_TIMEOUT",
      (err) => assert.match(err.message, /^STS at http:\/\/127\.0\.0\.1:\d+\/ did not answer within \d+ ms/),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 5000, `returned after ${elapsed} ms: the ${deadline} ms deadline did not cut the 10 s attempt`);
    assert.equal(emulator.count("token"), 1);
    assert.ok(statuses(emulator, "sts").every((s) => s === 0));
  });

  it("headers, then a body that stalls: the per-attempt timeout covers the body too, retried", async () => {
    // Status and headers arrive at once, then half the body, then nothing (the connection stays open).
    const stall = await startLoopback((_req, res) => {
      res.writeHead(200, { "content-type": "text/xml", "content-length": "4096" });
      res.write("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>");
    });
    try {
      emulator.reset();
      const started = Date.now();
      await rejectsWith(
        assume(profileFor(`${stall.url}/`), { ...RETRY, attemptTimeoutMs: 150, maxAttempts: 3 }),
        HttpError,
        "ERR_TIMEOUT",
        (err) => {
          assert.equal(err.retryable, true);
          assert.match(err.message, /did not answer within 150 ms \(after 3 attempts\)$/);
        },
      );
      assert.ok(Date.now() - started < 4000, "each stalled attempt was cut at its timeout");
      assert.equal(stall.requests.length, 3);
      assert.equal(emulator.count("token"), 1);
    } finally {
      await stall.stop();
    }
  });

  it("a 10 MB answer: refused at the 1 MiB cap from its Content-Length, ERR_STS_RESPONSE, no retry", async () => {
    emulator.reset();
    emulator.fault("sts", { hugeBody: 10_000_000 });
    await rejectsWith(assume(), StsResponseError, "ERR_STS_RESPONSE", (err) => {
      assert.equal(err.status, 200);
      assert.equal(err.retryable, false);
      assert.match(err.message, /larger than 1048576 bytes/);
      assert.match(err.message, /10000000 bytes announced/);
      assert.match(err.message, /refused without reading it all/);
    });
    assert.equal(emulator.count("sts"), 1);
  });

  it("a 64 MB answer without Content-Length: reading stops past 1 MiB, the sender never finishes", async () => {
    let written = 0;
    let finished = false;
    const stream = await startLoopback(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/xml" }); // chunked: no length announced
      const chunk = new Uint8Array(64 * 1024).fill(0x41);
      let open = true;
      res.once("close", () => (open = false));
      res.write("<AssumeRoleWithWebIdentityResponse><Padding>");
      while (open && written < 64 * 1024 * 1024) {
        written += chunk.length;
        if (!res.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off("drain", done);
              res.off("close", done);
              resolve();
            };
            res.once("drain", done);
            res.once("close", done);
          });
        }
      }
      if (open) {
        finished = true;
        res.end("</Padding></AssumeRoleWithWebIdentityResponse>");
      }
    });
    try {
      emulator.reset();
      await rejectsWith(assume(profileFor(`${stream.url}/`)), StsResponseError, "ERR_STS_RESPONSE", (err) => {
        assert.match(err.message, /larger than 1048576 bytes/);
        assert.match(err.message, /more than that sent/);
      });
      assert.equal(stream.requests.length, 1, "not retried");
      assert.equal(finished, false, `the sender wrote ${written} bytes and was cut off`);
      assert.ok(written < 64 * 1024 * 1024);
    } finally {
      await stream.stop();
    }
  });

  it("a redirect is never followed: ERR_STS_RESPONSE, and the target receives nothing (no token)", async () => {
    const elsewhere = await startLoopback();
    try {
      for (const status of [301, 302, 303, 307, 308] as const) {
        emulator.reset();
        emulator.fault("sts", { redirect: `${elsewhere.url}/`, status });
        await rejectsWith(assume(), StsResponseError, "ERR_STS_RESPONSE", (err) => {
          assert.equal(err.status, status);
          assert.equal(err.retryable, false);
          assert.match(err.message, /never follows redirects/);
          assert.ok(err.message.includes(elsewhere.url), err.message);
        });
        assert.deepEqual(statuses(emulator, "sts"), [status], `HTTP ${status}: one STS request, no retry`);
        assert.equal(emulator.count("token"), 1);
      }
      assert.equal(elsewhere.requests.length, 0, "the redirect target was never contacted");
    } finally {
      await elsewhere.stop();
    }
  });
});

// ---------- many profiles at once ----------

describe("concurrency: 50 profiles refreshing at once against a throttling STS", () => {
  const COUNT = 50;
  const roleOf = (i: number) => `arn:aws:iam::123456789012:role/app-${String(i).padStart(2, "0")}`;
  let emulator: Emulator;
  before(async () => {
    const roles: Record<string, { sub: string }> = {};
    for (let i = 0; i < COUNT; i++) roles[roleOf(i)] = { sub: "repo:octo-org/octo-repo:*" };
    emulator = await startEmulator({ roles });
  });
  after(() => emulator.stop());

  it("all 50 succeed; one successful STS call per role, also when each provider is called twice", async () => {
    let config = "";
    for (let i = 0; i < COUNT; i++) {
      config += `[profile p${i}]\nrole_arn = ${roleOf(i)}\nweb_identity_token_server = GitHub\n` +
        `role_session_name = session-${i}\n\n`;
    }
    const env = { ...emulator.env, AWS_CONFIG_FILE: "/virtual/aws_config", AWS_SHARED_CREDENTIALS_FILE: "" };
    const readFile = (path: string) => Promise.resolve(path === "/virtual/aws_config" ? config : undefined);
    const providers = Array.from(
      { length: COUNT },
      (_, i) =>
        fromWebIdentity({
          profile: `p${i}`,
          env,
          readFile,
          retry: { baseDelayMs: 5, maxAttempts: 8, attemptTimeoutMs: 5000, totalTimeoutMs: 20_000 },
        }),
    );
    emulator.reset();
    emulator.fault("sts", { stsError: "Throttling", times: COUNT / 2 });

    // Every provider is called twice at once: the second call must join the first one's refresh.
    const results = await Promise.all(providers.flatMap((provider) => [provider(), provider()]));
    for (let i = 0; i < COUNT; i++) {
      const [first, second] = [results[2 * i], results[2 * i + 1]];
      assert.equal(first, second, `p${i}: both concurrent calls got the same credentials`);
      assert.equal(first.roleArn, roleOf(i));
      assert.equal(first.roleSessionName, `session-${i}`);
      assert.equal(emulator.issued.get(first.accessKeyId)?.roleArn, roleOf(i));
    }
    const sts = emulator.requests.filter((r) => r.target === "sts");
    assert.equal(sts.filter((r) => r.faulted).length, COUNT / 2, "half the calls were throttled");
    const successes = sts.filter((r) => r.status === 200).map((r) => r.roleArn).sort();
    assert.deepEqual(successes, Array.from({ length: COUNT }, (_, i) => roleOf(i)), "one success per role");
    assert.equal(sts.length, COUNT + COUNT / 2);
    assert.equal(emulator.count("token"), COUNT, "one token per profile: retries reuse it");
    assert.equal(emulator.issued.size, COUNT);

    // And now they are cached: no request at all.
    const again = await Promise.all(providers.map((provider) => provider()));
    again.forEach((credentials, i) => assert.equal(credentials, results[2 * i]));
    assert.equal(emulator.count(), COUNT * 2 + COUNT / 2);
  });
});

// ---------- provider refresh ----------

describe("fromWebIdentity refreshing against the emulator", () => {
  // The emulator's clocks (token server and STS) run `lag` ms behind ours: credentials it issues for
  // 900 s then expire 900 s − lag from our point of view.
  let lag = 0;
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({
      roles: { [ROLE]: { sub: "repo:octo-org/*" } },
      now: () => Date.now() - lag,
      stsNow: () => Date.now() - lag,
    });
  });
  after(() => emulator.stop());

  it("refreshes near expiry, keeps valid credentials when a refresh fails, raises in the mandatory window", async () => {
    const env = { ...emulator.env, AWS_CONFIG_FILE: "/virtual/aws_config", AWS_SHARED_CREDENTIALS_FILE: "" };
    const config = `[profile short]\nrole_arn = ${ROLE}\nweb_identity_token_server = GitHub\nduration_seconds = 900\n`;
    const provider = fromWebIdentity({
      profile: "short",
      env,
      readFile: (path) => Promise.resolve(path === "/virtual/aws_config" ? config : undefined),
      retry: RETRY,
      refreshBeforeMs: 20 * 60_000, // more than the 15-minute sessions: every call refreshes
      mandatoryRefreshMs: 60_000,
    });
    emulator.reset();

    const first = await provider();
    const left = first.expiration.getTime() - Date.now();
    assert.ok(left > 14 * 60_000 && left <= 15 * 60_000, `a 900 s session (${left} ms left)`);
    assert.equal(emulator.count("sts"), 1);

    // Near expiry (inside refreshBeforeMs): refreshed, new credentials.
    const second = await provider();
    assert.notEqual(second.accessKeyId, first.accessKeyId);
    assert.equal(emulator.issued.get(second.accessKeyId)?.roleArn, ROLE);
    assert.deepEqual(statuses(emulator, "sts"), [200, 200]);

    // A refresh that fails while the cached credentials have ~15 minutes left: the cached ones.
    emulator.fault("sts", { stsError: "AccessDenied" });
    const kept = await provider();
    assert.equal(kept, second, "the cached credentials, not an error");
    assert.deepEqual(statuses(emulator, "sts"), [200, 200, 403], "the refresh was tried");

    // Credentials with ~30 s left (the emulator's clock is 870 s behind ours).
    lag = 870_000;
    const short = await provider();
    const shortLeft = short.expiration.getTime() - Date.now();
    assert.ok(shortLeft > 20_000 && shortLeft <= 30_000, `${shortLeft} ms left`);
    assert.equal(emulator.count("sts"), 4);

    // Inside the mandatory window a failed refresh raises.
    emulator.fault("sts", { stsError: "AccessDenied" });
    await rejectsWith(provider(), StsError, "ERR_STS", (err) => assert.equal(err.awsCode, "AccessDenied"));
    assert.deepEqual(statuses(emulator, "sts"), [200, 200, 403, 200, 403]);

    // And the next call, with STS healthy again, refreshes.
    const recovered = await provider();
    assert.notEqual(recovered.accessKeyId, short.accessKeyId);
    assert.equal(emulator.count("sts"), 6);
    lag = 0;
  });
});
