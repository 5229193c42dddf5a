import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assumeRole, HttpError, parseTokenServer, StsError, type WebIdentityProfile } from "../../mod.ts";
import {
  connectionRefused,
  fakeJwt,
  instantClock,
  type Reply,
  scriptedFetch,
  stsErrorXml,
  stsSuccessXml,
} from "../_helpers.ts";

const ROLE = "arn:aws:iam::123456789012:role/deploy";
const PROFILE: WebIdentityProfile = {
  name: "ci",
  roleArn: ROLE,
  token: parseTokenServer("GitHub"),
  roleSessionName: "GitHubActions-7-1",
  stsEndpoint: "https://sts.example.test/",
};
const ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example.test/idtoken?api-version=2.0",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b-SECRET",
};
const XML = { "content-type": "text/xml" };

/** A token server that mints a distinct token per call (so fresh tokens can be told apart). */
function tokenServer(clock: ReturnType<typeof instantClock>) {
  let n = 0;
  return () => {
    n++;
    const iat = Math.floor(clock.now() / 1000);
    const token = fakeJwt({
      iss: "https://token.actions.githubusercontent.com",
      aud: "sts.amazonaws.com",
      sub: "repo:octo/app:ref:refs/heads/main",
      iat,
      exp: iat + 300,
    }, `t${n}`);
    return { status: 200, body: JSON.stringify({ value: token }) };
  };
}

function setup(sts: Reply[]) {
  const clock = instantClock();
  const script = scriptedFetch({ "/idtoken": tokenServer(clock), "/": sts });
  const tokensSeen = () =>
    new Set(
      script.requests.filter((r) => r.url.host === "sts.example.test").map((r) =>
        new URLSearchParams(r.body).get("WebIdentityToken")
      ),
    ).size;
  const run = () =>
    assumeRole(PROFILE, { env: ENV, fetch: script.fetch, now: clock.now, sleep: clock.sleep, random: clock.random });
  return {
    clock,
    script,
    run,
    tokensSeen,
    stsCalls: () => script.requests.filter((r) => r.url.host === "sts.example.test").length,
  };
}

const ok: Reply = { status: 200, body: stsSuccessXml(), headers: XML };
const stsError = (code: string, status: number): Reply => ({ status, body: stsErrorXml(code), headers: XML });

describe("assumeRole: success", () => {
  it("gets a token, calls STS with the profile's values, and returns SDK-shaped credentials", async () => {
    const { run, script } = setup([ok]);
    const credentials = await run();
    assert.equal(credentials.accessKeyId, "ASIAEXAMPLEEXAMPLE01");
    assert.equal(credentials.secretAccessKey, "SECRETKEY-do-not-print");
    assert.equal(credentials.sessionToken, "SESSIONTOKEN-do-not-print");
    assert.deepEqual(credentials.expiration, new Date("2026-11-26T13:00:00Z"));
    assert.equal(credentials.accountId, "123456789012");
    assert.equal(credentials.roleArn, ROLE);
    assert.equal(credentials.assumedRoleArn, "arn:aws:sts::123456789012:assumed-role/ci/s1");
    assert.equal(credentials.roleSessionName, "GitHubActions-7-1");
    assert.equal(credentials.profile, "ci");
    const form = new URLSearchParams(script.requests[1].body);
    assert.equal(form.get("RoleArn"), ROLE);
    assert.equal(form.get("RoleSessionName"), "GitHubActions-7-1");
    assert.match(form.get("WebIdentityToken")!, /^ey/);
  });
});

describe("assumeRole: the retry policy for every row of the STS error table", () => {
  // [code, HTTP status, STS calls when it always fails, distinct tokens used]
  const rows: Array<[string, number, number, number]> = [
    ["IDPCommunicationError", 400, 5, 1],
    ["InvalidIdentityToken", 400, 3, 3],
    ["ExpiredTokenException", 400, 3, 3],
    ["IDPRejectedClaim", 403, 1, 1],
    ["AccessDenied", 403, 1, 1],
    ["MalformedPolicyDocument", 400, 1, 1],
    ["PackedPolicyTooLarge", 400, 1, 1],
    ["RegionDisabledException", 403, 1, 1],
    ["ValidationError", 400, 1, 1],
    ["InvalidParameterValue", 400, 1, 1],
    ["MissingParameter", 400, 1, 1],
    ["Throttling", 400, 5, 1],
    ["ThrottlingException", 400, 5, 1],
    ["RequestLimitExceeded", 400, 5, 1],
    ["TooManyRequestsException", 429, 5, 1],
    ["InternalFailure", 500, 5, 1],
    ["ServiceUnavailable", 503, 5, 1],
  ];
  for (const [code, status, calls, tokens] of rows) {
    it(`${code}: ${calls} attempt${calls > 1 ? "s" : ""}, ${tokens} token${tokens > 1 ? "s" : ""}`, async () => {
      const { run, stsCalls, tokensSeen } = setup([stsError(code, status)]);
      await assert.rejects(run(), (err: unknown) => {
        assert.ok(err instanceof StsError, String(err));
        assert.equal(err.awsCode, code);
        assert.match(err.message, new RegExp(`^Cannot assume role ${ROLE}: ${code}`));
        return true;
      });
      assert.equal(stsCalls(), calls);
      assert.equal(tokensSeen(), tokens);
    });
  }

  for (const status of [408, 429, 500, 502, 503, 504]) {
    it(`HTTP ${status} without an error document: retried`, async () => {
      const { run, stsCalls } = setup([{
        status,
        body: "<html><body>Bad gateway</body></html>",
        headers: { "content-type": "text/html" },
      }, ok]);
      assert.equal((await run()).accessKeyId, "ASIAEXAMPLEEXAMPLE01");
      assert.equal(stsCalls(), 2);
    });
  }

  it("network errors and timeouts: retried, then reported with the attempt count", async () => {
    const { run, stsCalls } = setup([connectionRefused()]);
    await assert.rejects(
      run(),
      (err: unknown) =>
        err instanceof HttpError && err.code === "ERR_NETWORK" && /\(after 5 attempts\)$/.test(err.message),
    );
    assert.equal(stsCalls(), 5);
  });

  it("succeeds after transient failures, reusing the still-valid token", async () => {
    const { run, stsCalls, tokensSeen, script } = setup([
      stsError("IDPCommunicationError", 400),
      stsError("Throttling", 400),
      ok,
    ]);
    await run();
    assert.equal(stsCalls(), 3);
    assert.equal(tokensSeen(), 1);
    assert.equal(script.count("/idtoken"), 1);
  });

  it("retries InvalidIdentityToken with a fresh token and succeeds", async () => {
    const { run, stsCalls, tokensSeen } = setup([stsError("InvalidIdentityToken", 400), ok]);
    await run();
    assert.equal(stsCalls(), 2);
    assert.equal(tokensSeen(), 2);
  });

  it("fetches a new token when the one in hand is about to expire", async () => {
    const clock = instantClock();
    const script = scriptedFetch({
      "/idtoken": tokenServer(clock),
      "/": () => {
        clock.advance(290_000); // each STS failure takes long enough for the token to near its end
        return stsError("ServiceUnavailable", 503);
      },
    });
    await assert.rejects(
      assumeRole(PROFILE, {
        env: ENV,
        fetch: script.fetch,
        now: clock.now,
        sleep: clock.sleep,
        random: clock.random,
        retry: { maxAttempts: 2, totalTimeoutMs: 3_600_000 },
      }),
    );
    assert.equal(script.count("/idtoken"), 2);
  });

  it("honours Retry-After on throttling", async () => {
    const { run, clock } = setup([
      { ...stsError("Throttling", 400) as object, headers: { ...XML, "retry-after": "7" } } as Reply,
      ok,
    ]);
    await run();
    assert.deepEqual(clock.sleeps, [7000]);
  });

  it("stops at the overall deadline", async () => {
    const clock = instantClock();
    const script = scriptedFetch({ "/idtoken": tokenServer(clock), "/": [stsError("Throttling", 400)] });
    await assert.rejects(
      assumeRole(PROFILE, {
        env: ENV,
        fetch: script.fetch,
        now: clock.now,
        sleep: clock.sleep,
        random: () => 1,
        retry: { totalTimeoutMs: 2500, maxAttempts: 10 },
      }),
      { awsCode: "Throttling" },
    );
    // delays 1000 then 2000 would pass 2.5 s: only the first is taken
    assert.deepEqual(clock.sleeps, [1000]);
  });
});

describe("assumeRole: errors explain themselves", () => {
  it("shows the token's iss, aud and sub next to the role on AccessDenied, never the token", async () => {
    const { run, script } = setup([stsError("AccessDenied", 403)]);
    await assert.rejects(run(), (err: unknown) => {
      assert.ok(err instanceof StsError);
      assert.equal(
        err.message,
        `Cannot assume role ${ROLE}: AccessDenied (AccessDenied happened); the role's trust policy did not match this token: compare its conditions on aud and sub with ` +
          "iss=https://token.actions.githubusercontent.com, aud=sts.amazonaws.com, sub=repo:octo/app:ref:refs/heads/main, exp=2026-11-26T12:05:00.000Z [request id req-1]",
      );
      assert.deepEqual(err.claims, {
        iss: "https://token.actions.githubusercontent.com",
        aud: "sts.amazonaws.com",
        sub: "repo:octo/app:ref:refs/heads/main",
        iat: 1795694400,
        exp: 1795694700,
      });
      const token = new URLSearchParams(script.requests[1].body).get("WebIdentityToken")!;
      for (const text of [err.message, String(err), JSON.stringify(err), JSON.stringify(err.claims)]) {
        assert.ok(!text.includes(token));
      }
      return true;
    });
  });

  it("attaches claims for IDPRejectedClaim and InvalidIdentityToken too, and gives a hint otherwise", async () => {
    for (const code of ["IDPRejectedClaim", "InvalidIdentityToken"]) {
      const { run } = setup([stsError(code, 400)]);
      await assert.rejects(
        run(),
        (err: StsError) =>
          err.claims?.sub === "repo:octo/app:ref:refs/heads/main" && /sub=repo:octo\/app/.test(err.message),
      );
    }
    const { run } = setup([stsError("RegionDisabledException", 403)]);
    await assert.rejects(run(), (err: StsError) => err.claims === undefined && /use another region/.test(err.message));
  });
});
