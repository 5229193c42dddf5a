import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Credentials, fromWebIdentity, parseTokenServer, type WebIdentityProfile } from "../../mod.ts";
import { fakeJwt, instantClock, type Reply, scriptedFetch, stsErrorXml, stsSuccessXml } from "../_helpers.ts";

const ENV = { ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example.test/idtoken", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b" };
const profile = (name: string): WebIdentityProfile => ({
  name,
  roleArn: `arn:aws:iam::123456789012:role/${name}`,
  token: parseTokenServer("GitHub"),
  roleSessionName: "s1",
  stsEndpoint: `https://sts.example.test/${name}`,
});

/** STS that issues credentials valid for `lifetime` ms from the clock, numbered per call. */
function setup(options: { lifetimeMs?: number; sts?: (n: number) => Reply | undefined; delayMs?: number } = {}) {
  const clock = instantClock();
  let n = 0;
  const script = scriptedFetch({
    "/idtoken": () => ({ body: JSON.stringify({ value: fakeJwt({ sub: "x" }) }) }),
    "/": async () => {
      n++;
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const override = options.sts?.(n);
      if (override) return override;
      const expiration = new Date(clock.now() + (options.lifetimeMs ?? 3_600_000)).toISOString();
      return { body: stsSuccessXml({ expiration, session: `call${n}` }), headers: { "content-type": "text/xml" } };
    },
  });
  const provider = (name = "ci", extra = {}) =>
    fromWebIdentity({
      resolved: profile(name),
      env: ENV,
      fetch: script.fetch,
      now: clock.now,
      sleep: clock.sleep,
      random: clock.random,
      ...extra,
    });
  const stsCalls = () => script.requests.filter((r) => r.url.host === "sts.example.test").length;
  return { clock, script, provider, stsCalls };
}

const session = (credentials: Credentials) => credentials.assumedRoleArn.split("/").pop();

describe("fromWebIdentity", () => {
  it("caches credentials until fewer than 5 minutes remain, then refreshes", async () => {
    const { provider, clock, stsCalls } = setup();
    const get = provider();
    assert.equal(session(await get()), "call1");
    clock.advance(54 * 60_000);
    assert.equal(session(await get()), "call1", "6 minutes left: cached");
    clock.advance(2 * 60_000);
    assert.equal(session(await get()), "call2", "4 minutes left: refreshed");
    assert.equal(stsCalls(), 2);
  });

  it("honours forceRefresh and a custom refresh window", async () => {
    const { provider, clock } = setup();
    const get = provider("ci", { refreshBeforeMs: 30 * 60_000 });
    await get();
    assert.equal(session(await get({ forceRefresh: true })), "call2");
    clock.advance(31 * 60_000);
    assert.equal(session(await get()), "call3");
  });

  it("shares one in-flight call among concurrent callers", async () => {
    const { provider, stsCalls } = setup({ delayMs: 20 });
    const get = provider();
    const results = await Promise.all(Array.from({ length: 10 }, () => get()));
    assert.equal(new Set(results).size, 1);
    assert.equal(stsCalls(), 1);
  });

  it("keeps providers for different profiles independent and concurrent", async () => {
    const { provider, script } = setup({ delayMs: 20 });
    const [a, b] = await Promise.all([provider("alpha")(), provider("beta")()]);
    assert.equal(a.roleArn, "arn:aws:iam::123456789012:role/alpha");
    assert.equal(b.roleArn, "arn:aws:iam::123456789012:role/beta");
    const paths = script.requests.filter((r) => r.url.host === "sts.example.test").map((r) => r.url.pathname).sort();
    assert.deepEqual(paths, ["/alpha", "/beta"]);
  });

  it("returns the old credentials when a refresh fails while they are still valid, and raises after", async () => {
    const { provider, clock } = setup({
      sts: (n) => (n > 1 ? { status: 403, body: stsErrorXml("AccessDenied") } : undefined),
    });
    const get = provider();
    const first = await get();
    clock.advance(57 * 60_000); // 3 minutes left: a refresh is due, and fails
    assert.equal(await get(), first);
    clock.advance(2 * 60_000 + 30_000); // 30 s left: inside the mandatory window
    await assert.rejects(get(), { code: "ERR_STS", awsCode: "AccessDenied" });
    await assert.rejects(get({ forceRefresh: true }), { awsCode: "AccessDenied" });
  });

  it("resolves the profile once, and again only after a failed resolution", async () => {
    let reads = 0;
    const files: Record<string, string | undefined> = {};
    const { script, clock } = setup();
    const get = fromWebIdentity({
      profile: "ci",
      env: { ...ENV, HOME: "/h" },
      readFile: (path) => {
        reads++;
        return Promise.resolve(files[path]);
      },
      fetch: script.fetch,
      now: clock.now,
      sleep: clock.sleep,
    });
    await assert.rejects(get(), { code: "ERR_PROFILE_NOT_FOUND" });
    files["/h/.aws/config"] =
      "[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_server = GitHub\nendpoint_url = https://sts.example.test/\n";
    await get();
    await get({ forceRefresh: true });
    assert.equal(reads, 4, "two files read twice: the failed resolution and the good one");
  });
});
