/**
 * Role chaining (source_profile, credential_source = Environment): resolveProfile's chained profiles
 * and their refusals, and assumeRole / fromWebIdentity through whole chains, against the emulator
 * (real signatures, real trust policies) and a scripted STS (retries, what is sent, what is shown).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assumeRole,
  type ChainedProfile,
  ConfigError,
  fromWebIdentity,
  parseTokenServer,
  type Profile,
  resolveProfile,
  StsError,
} from "../../mod.ts";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { fakeJwt, instantClock, scriptedFetch, stsErrorXml, stsSuccessXml } from "../_helpers.ts";

const HUB = "arn:aws:iam::111111111111:role/ci-hub";
const DEPLOY = "arn:aws:iam::222222222222:role/deploy";
const AUDIT = "arn:aws:iam::333333333333:role/audit";
const ROLES = {
  [HUB]: { sub: "repo:octo-org/*" },
  [DEPLOY]: { sub: [], trustedCallers: ["arn:aws:sts::111111111111:assumed-role/ci-hub/*"] },
  [AUDIT]: { sub: [], trustedCallers: ["arn:aws:sts::222222222222:assumed-role/deploy/*"] },
};

/** The issue's config, plus a third hop and a role that trusts only deploy. */
const CONFIG = `
[profile hub]
role_arn = ${HUB}
web_identity_token_server = GitHub

[profile prod]
role_arn = ${DEPLOY}
source_profile = hub
role_session_name = deploy

[profile audit]
role_arn = ${AUDIT}
source_profile = prod
role_session_name = audit
duration_seconds = 900

[profile audit-from-hub]
role_arn = ${AUDIT}
source_profile = hub

[profile from-env]
role_arn = ${DEPLOY}
credential_source = Environment
role_session_name = from-env
`;

function resolve(name: string, config: string, env: Record<string, string> = {}): Promise<Profile> {
  return resolveProfile({
    profile: name,
    env: {
      AWS_CONFIG_FILE: "/cfg",
      AWS_SHARED_CREDENTIALS_FILE: "",
      GITHUB_RUN_ID: "7",
      GITHUB_RUN_ATTEMPT: "1",
      ...env,
    },
    readFile: (path) => Promise.resolve(path === "/cfg" ? config : undefined),
  });
}

async function refused(name: string, config: string, message: RegExp, env: Record<string, string> = {}) {
  await assert.rejects(resolve(name, config, env), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, "ERR_CONFIG_INVALID");
    assert.match(err.message, message);
    return true;
  });
}

describe("resolveProfile: chained profiles", () => {
  it("resolves the issue's config: prod is assumed with hub's credentials", async () => {
    const prod = await resolve("prod", CONFIG, { AWS_REGION: "eu-west-1" });
    assert.ok("source" in prod);
    assert.equal(prod.roleArn, DEPLOY);
    assert.equal(prod.roleSessionName, "deploy");
    assert.equal(prod.stsEndpoint, "https://sts.eu-west-1.amazonaws.com");
    assert.equal(prod.signingRegion, "eu-west-1");
    const hub = prod.source;
    assert.ok("token" in hub);
    assert.deepEqual([hub.name, hub.roleArn, hub.roleSessionName], ["hub", HUB, "GitHubActions-7-1"]);
  });

  it("chains to any depth, and signs for us-east-1 at the global endpoint", async () => {
    const audit = await resolve("audit", CONFIG) as ChainedProfile;
    const names: string[] = [];
    for (let p: Profile = audit; "source" in p; p = p.source as Profile) {
      names.push(p.name);
    }
    assert.deepEqual(names, ["audit", "prod"]);
    assert.equal(audit.durationSeconds, 900);
    assert.equal(audit.stsEndpoint, "https://sts.amazonaws.com");
    assert.equal(audit.signingRegion, "us-east-1");
  });

  it("reads credential_source = Environment without reading any key", async () => {
    const profile = await resolve("from-env", CONFIG, { AWS_SECRET_ACCESS_KEY: "never-in-a-profile" });
    assert.ok("source" in profile);
    assert.deepEqual(profile.source, { credentialSource: "Environment" });
    assert.doesNotMatch(JSON.stringify(profile), /never-in-a-profile/);
  });

  it("uses the profile's own role_arn, not AWS_ROLE_ARN", async () => {
    const prod = await resolveProfile({
      env: { AWS_CONFIG_FILE: "/cfg", AWS_PROFILE: "prod", AWS_ROLE_ARN: "arn:aws:iam::999999999999:role/env" },
      readFile: (path) => Promise.resolve(path === "/cfg" ? CONFIG : undefined),
    });
    assert.equal(prod.roleArn, DEPLOY);
  });

  it("refuses a cycle, naming the profiles in it", async () => {
    const config =
      `[profile a]\nrole_arn = ${DEPLOY}\nsource_profile = b\n[profile b]\nrole_arn = ${HUB}\nsource_profile = c\n` +
      `[profile c]\nrole_arn = ${AUDIT}\nsource_profile = a\n[profile self]\nrole_arn = ${HUB}\nsource_profile = self\n`;
    await refused(
      "a",
      config,
      /^source_profile in profile "c" \(\/cfg\) makes a cycle of profiles \(a -> b -> c -> a\)/,
    );
    await refused("self", config, /makes a cycle of profiles \(self -> self\)/);
  });

  it("refuses mfa_serial: no one can type a code in CI", async () => {
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\nsource_profile = hub\nmfa_serial = arn:aws:iam::1:mfa/x\n${CONFIG}`,
      /^mfa_serial in profile "p" .*asks for an MFA code/,
    );
  });

  it("refuses a chained session longer than AWS's one hour, saying why", async () => {
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\nsource_profile = hub\nduration_seconds = 7200\n${CONFIG}`,
      /^duration_seconds in profile "p" .* is 7200, but AWS limits a session assumed with another role's credentials \(role chaining\) to one hour: use at most 3600/,
    );
  });

  it("refuses instance and container metadata, and unknown credential sources", async () => {
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\ncredential_source = Ec2InstanceMetadata\n`,
      /is Ec2InstanceMetadata: oidc2aws gets credentials from a CI job's OIDC token/,
    );
    await refused("p", `[profile p]\nrole_arn = ${DEPLOY}\ncredential_source = EcsContainer\n`, /is EcsContainer/);
    await refused("p", `[profile p]\nrole_arn = ${DEPLOY}\ncredential_source = Magic\n`, /use Environment/);
  });

  it("refuses ambiguous or incomplete chains", async () => {
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\nsource_profile = hub\ncredential_source = Environment\n${CONFIG}`,
      /are both set/,
    );
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\nsource_profile = hub\nweb_identity_token_server = GitHub\n${CONFIG}`,
      /ambiguous/,
    );
    await refused("p", `[profile p]\nsource_profile = hub\n${CONFIG}`, /has no role_arn/);
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\nsource_profile = nowhere\n${CONFIG}`,
      /names profile "nowhere", which is not in \/cfg/,
    );
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\nsource_profile = bare\n[profile bare]\nregion = eu-west-1\n`,
      /names profile "bare", which has no credentials to sign with/,
    );
    await refused(
      "p",
      `[profile p]\nrole_arn = ${DEPLOY}\nsource_profile = hub\nexternal_id = a b\n${CONFIG}`,
      /an external id is 2 to 1224 characters/,
    );
  });
});

describe("assumeRole and fromWebIdentity with chained profiles, against the emulator", () => {
  let em: Emulator;
  let env: Record<string, string>;
  before(async () => {
    em = await startEmulator({ roles: ROLES });
    env = { ...em.env, AWS_CONFIG_FILE: "/cfg", AWS_SHARED_CREDENTIALS_FILE: "" };
  });
  after(() => em.stop());
  const readFile = (path: string) => Promise.resolve(path === "/cfg" ? CONFIG : undefined);

  it("assumes prod through hub: one token, two STS calls, and the chain in the credentials", async () => {
    em.reset();
    const credentials = await assumeRole(await resolveProfile({ profile: "prod", env, readFile }), { env });
    assert.equal(credentials.assumedRoleArn, "arn:aws:sts::222222222222:assumed-role/deploy/deploy");
    assert.equal(credentials.accountId, "222222222222");
    assert.equal(credentials.profile, "prod");
    assert.equal(em.issued.get(credentials.accessKeyId)?.roleArn, DEPLOY);
    assert.deepEqual(credentials.chain?.map((hop) => [hop.profile, hop.roleArn, hop.assumedRoleArn.split("/")[1]]), [[
      "hub",
      HUB,
      "ci-hub",
    ]]);
    assert.equal(credentials.claims?.sub, "repo:octo-org/octo-repo:ref:refs/heads/main");
    assert.deepEqual(em.requests.filter((r) => r.target === "sts").map((r) => [r.action, r.roleArn, r.status]), [
      ["AssumeRoleWithWebIdentity", HUB, 200],
      ["AssumeRole", DEPLOY, 200],
    ]);
    assert.equal(em.count("token"), 1);
    assert.ok(!JSON.stringify(credentials).includes(credentials.sessionToken.slice(0, 40)), "no session token in JSON");
  });

  it("assumes a three-role chain, each role once", async () => {
    em.reset();
    const credentials = await assumeRole(await resolveProfile({ profile: "audit", env, readFile }), { env });
    assert.equal(credentials.assumedRoleArn, "arn:aws:sts::333333333333:assumed-role/audit/audit");
    assert.deepEqual(credentials.chain?.map((hop) => hop.profile), ["hub", "prod"]);
    assert.deepEqual(em.requests.filter((r) => r.target === "sts").map((r) => r.roleArn), [HUB, DEPLOY, AUDIT]);
  });

  it("credential_source = Environment: the env's keys sign the call", async () => {
    const hub = await assumeRole(await resolveProfile({ profile: "hub", env, readFile }), { env });
    const keys = {
      AWS_ACCESS_KEY_ID: hub.accessKeyId,
      AWS_SECRET_ACCESS_KEY: hub.secretAccessKey,
      AWS_SESSION_TOKEN: hub.sessionToken,
    };
    const credentials = await assumeRole(await resolveProfile({ profile: "from-env", env, readFile }), {
      env: { ...env, ...keys },
    });
    assert.equal(credentials.assumedRoleArn, "arn:aws:sts::222222222222:assumed-role/deploy/from-env");
    assert.equal(credentials.credentialSource, "Environment");
    assert.deepEqual(credentials.chain, []);
    await assert.rejects(
      assumeRole(await resolveProfile({ profile: "from-env", env, readFile }), { env }),
      (err: unknown) =>
        err instanceof ConfigError && err.code === "ERR_CONFIG_INVALID" &&
        /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/.test(err.message),
    );
  });

  it("says which hop failed: the role, who asked, and what the trust policy must allow", async () => {
    const profile = await resolveProfile({ profile: "audit-from-hub", env, readFile });
    let hubSecrets: string[] = [];
    const err = await assumeRole(profile, { env }).then(
      () => assert.fail("audit does not trust the hub"),
      (e: unknown) => e,
    );
    for (const issued of em.issued.values()) {
      if (issued.roleArn === HUB) hubSecrets = [...hubSecrets, issued.secretAccessKey, issued.sessionToken];
    }
    assert.ok(err instanceof StsError);
    assert.equal(err.code, "ERR_STS");
    assert.equal(err.awsCode, "AccessDenied");
    assert.equal(err.attempts, undefined);
    assert.match(err.callerArn!, /^arn:aws:sts::111111111111:assumed-role\/ci-hub\//);
    assert.match(
      err.message,
      new RegExp(
        `^Cannot assume role ${AUDIT} as arn:aws:sts::111111111111:assumed-role/ci-hub/[\\w-]+: AccessDenied \\(User: .*\\); ` +
          `the trust policy of ${AUDIT} must allow ${HUB} \\(the role of source profile "hub"\\) to call sts:AssumeRole`,
      ),
    );
    for (const secret of hubSecrets) assert.ok(!err.message.includes(secret));
  });

  it("fromWebIdentity refreshes the whole chain", async () => {
    em.reset();
    const provider = fromWebIdentity({ profile: "prod", env, readFile });
    const first = await provider();
    assert.equal(await provider(), first);
    const second = await provider({ forceRefresh: true });
    assert.notEqual(second.accessKeyId, first.accessKeyId);
    assert.deepEqual(em.requests.filter((r) => r.target === "sts").map((r) => r.action), [
      "AssumeRoleWithWebIdentity",
      "AssumeRole",
      "AssumeRoleWithWebIdentity",
      "AssumeRole",
    ]);
    assert.equal(em.count("token"), 2);
  });
});

describe("assumeRole with a chained profile: retries and what is sent (scripted STS)", () => {
  const ENV = {
    ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example.test/idtoken?api-version=2.0",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b-SECRET",
  };
  const hub: Profile = {
    name: "hub",
    roleArn: HUB,
    token: parseTokenServer("GitHub"),
    roleSessionName: "hub",
    stsEndpoint: "https://sts.example.test/",
  };
  const prod: ChainedProfile = {
    name: "prod",
    roleArn: DEPLOY,
    source: hub,
    roleSessionName: "deploy",
    region: "eu-west-1",
    externalId: "ext-1",
    durationSeconds: 1800,
    stsEndpoint: "https://sts.example.test/",
    signingRegion: "eu-west-1",
  };
  const assumeRoleXml = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
    `<Credentials><AccessKeyId>ASIADEPLOYDEPLOY0001</AccessKeyId><SecretAccessKey>DEPLOY-SECRET</SecretAccessKey>` +
    `<SessionToken>DEPLOY-TOKEN</SessionToken><Expiration>2026-11-26T13:00:00Z</Expiration></Credentials>` +
    `<AssumedRoleUser><Arn>arn:aws:sts::222222222222:assumed-role/deploy/deploy</Arn>` +
    `<AssumedRoleId>AROADEPLOY:deploy</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>` +
    `<ResponseMetadata><RequestId>ar-1</RequestId></ResponseMetadata></AssumeRoleResponse>`;

  function setup(assumeRoleReplies: Array<{ status: number; body: string }>) {
    const clock = instantClock();
    const token = fakeJwt({
      iss: "https://token.actions.githubusercontent.com",
      aud: "sts.amazonaws.com",
      sub: "repo:o/r",
      exp: clock.now() / 1000 + 300,
    });
    let n = 0;
    const script = scriptedFetch({
      "/idtoken": [{ body: JSON.stringify({ value: token }) }],
      "/": (request) => {
        const action = new URLSearchParams(request.body).get("Action");
        if (action === "AssumeRoleWithWebIdentity") {
          return {
            body: stsSuccessXml({ account: "111111111111", session: "hub" }),
            headers: { "content-type": "text/xml" },
          };
        }
        const reply = assumeRoleReplies[Math.min(n++, assumeRoleReplies.length - 1)];
        return { ...reply, headers: { "content-type": "text/xml" } };
      },
    });
    const run = () =>
      assumeRole(prod, { env: ENV, fetch: script.fetch, now: clock.now, sleep: clock.sleep, random: clock.random });
    const calls = (action: string) =>
      script.requests.filter((r) => new URLSearchParams(r.body).get("Action") === action);
    return { clock, script, run, calls };
  }

  it("signs AssumeRole with the hub's keys for the profile's region, with every parameter", async () => {
    const { run, calls } = setup([{ status: 200, body: assumeRoleXml }]);
    const credentials = await run();
    assert.equal(credentials.accessKeyId, "ASIADEPLOYDEPLOY0001");
    const [request] = calls("AssumeRole");
    const date = new Date(instantClock().now()).toISOString().slice(0, 10).replace(/-/g, "");
    assert.match(
      request.headers.authorization,
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE01/${date}/eu-west-1/sts/aws4_request, ` +
          "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$",
      ),
    );
    assert.equal(request.headers["x-amz-security-token"], "SESSIONTOKEN-do-not-print");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request.body)), {
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: DEPLOY,
      RoleSessionName: "deploy",
      DurationSeconds: "1800",
      ExternalId: "ext-1",
    });
    assert.ok(!JSON.stringify(request.headers).includes("SECRETKEY-do-not-print"));
  });

  it("retries a throttled hop with the hub's credentials it has: no new token, no second hub call", async () => {
    const { run, calls, script, clock } = setup([
      { status: 400, body: stsErrorXml("Throttling", "Rate exceeded") },
      { status: 503, body: stsErrorXml("ServiceUnavailable") },
      { status: 200, body: assumeRoleXml },
    ]);
    const credentials = await run();
    assert.equal(credentials.assumedRoleArn, "arn:aws:sts::222222222222:assumed-role/deploy/deploy");
    assert.equal(calls("AssumeRole").length, 3);
    assert.equal(calls("AssumeRoleWithWebIdentity").length, 1);
    assert.equal(script.count("/idtoken"), 1);
    assert.equal(clock.sleeps.length, 2);
    // Each attempt is signed anew, at its own time (the backoffs moved the clock 0.5 s, then 1 s).
    const dates = calls("AssumeRole").map((r) => r.headers["x-amz-date"]);
    assert.ok(dates[2] > dates[0], dates.join(" "));
  });

  it("gives up on a refusal at once, and never shows the hub's secrets, even when STS echoes them", async () => {
    const { run, calls } = setup([{
      status: 403,
      body: stsErrorXml("AccessDenied", "token SESSIONTOKEN-do-not-print key SECRETKEY-do-not-print"),
    }]);
    const err = await run().then(() => assert.fail("refused"), (e: unknown) => e);
    assert.ok(err instanceof StsError);
    assert.equal(calls("AssumeRole").length, 1);
    assert.match(
      err.message,
      /^Cannot assume role arn:aws:iam::222222222222:role\/deploy as arn:aws:sts::111111111111:assumed-role\/ci\/hub: AccessDenied/,
    );
    assert.match(err.message, /with this external_id/);
    assert.doesNotMatch(err.message, /SESSIONTOKEN-do-not-print|SECRETKEY-do-not-print/);
  });

  it("explains the one-hour limit when STS refuses a duration", async () => {
    const { run } = setup([{
      status: 400,
      body: stsErrorXml(
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      ),
    }]);
    await assert.rejects(
      run(),
      /AWS limits a role assumed with another role's credentials \(role chaining\) to one hour/,
    );
  });
});
