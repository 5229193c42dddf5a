/**
 * End to end over real HTTP on 127.0.0.1: config profiles → resolveProfile → token server → STS,
 * against the loopback emulator, with the library's DEFAULT fetch (the runtime adapter: node:http on
 * Node, the native fetch on Deno and Bun). Only env and (for some tests) readFile are injected.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assumeRole,
  type Credentials,
  fromWebIdentity,
  loadConfig,
  type ReadFile,
  resolveProfile,
  StsError,
} from "../../mod.ts";
import { DEFAULT_SUBJECT, type Emulator, startEmulator } from "../../emulator/mod.ts";
import { testdata } from "../_helpers.ts";
import { webIdentity } from "../_profile.ts";

const ACCOUNT = "515709759869";
// The roles of the seed's config file (tests/testdata/seed_aws_config), plus one that trusts another repo.
const ROLE1 = `arn:aws:iam::${ACCOUNT}:role/github-oidc-test-Role1-Z8L6FUWE1CVR`;
const ROLE2 = `arn:aws:iam::${ACCOUNT}:role/github-oidc-test-Role2-CXH6FET0DUJU`;
const UNTRUSTED = `arn:aws:iam::${ACCOUNT}:role/github-oidc-test-Untrusted`;
const ROLES = {
  [ROLE1]: { sub: "repo:octo-org/octo-repo:*" },
  [ROLE2]: { sub: "repo:octo-org/octo-repo:ref:refs/heads/main", aud: "sts.amazonaws.com" },
  [UNTRUSTED]: { sub: "repo:octo-org/other-repo:*" },
};
/** Small retry steps, so backoff costs milliseconds (the tests count requests, never time). */
const RETRY = { baseDelayMs: 1, attemptTimeoutMs: 2000, totalTimeoutMs: 10_000 };
const CONFIG_PATH = "/virtual/e2e/aws_config";

/** Profiles added to the seed's file for the failure cases and the token-file form. */
const EXTRA_PROFILES = `
[profile untrusted]
role_arn = ${UNTRUSTED}
web_identity_token_server = GitHub
role_session_name = Untrusted

[profile wrong-aud]
role_arn = ${ROLE1}
web_identity_token_server = GitHub,wrong-aud
role_session_name = WrongAudience

[profile from-file]
role_arn = ${ROLE2}
web_identity_token_file = $OIDC2AWS_E2E_DIR/token
role_session_name = FromFile
`;

/** A token that looks like a JWT; none may appear in an error message. */
const JWT_LIKE = /ey[\w-]{8,}\.ey[\w-]{8,}\.[\w-]{8,}/;

describe("end to end: profiles → token server → STS over HTTP, default fetch", () => {
  let emulator: Emulator;
  let configText: string;
  let env: Record<string, string>;
  let readFile: ReadFile;
  const reads: string[] = [];

  before(async () => {
    emulator = await startEmulator({ roles: ROLES, audiences: ["sts.amazonaws.com", "sigstore"] });
    configText = (await testdata("seed_aws_config")) + EXTRA_PROFILES;
    // The job's environment, pointed at the emulator (AWS_ENDPOINT_URL_STS included), and a config
    // file that exists only in memory. No credentials file.
    env = { ...emulator.env, AWS_CONFIG_FILE: CONFIG_PATH, AWS_SHARED_CREDENTIALS_FILE: "" };
    readFile = (path) => {
      reads.push(path);
      return Promise.resolve(path === CONFIG_PATH ? configText : undefined);
    };
  });
  after(() => emulator.stop());

  /** The STS requests logged since the last reset, as [role, session, status]. */
  const stsLog = () =>
    emulator.requests.filter((r) => r.target === "sts").map((r) => [r.roleArn, r.roleSessionName, r.status]);

  /** The credentials are exactly what the emulator issued for this role and session. */
  function assertIssued(credentials: Credentials, roleArn: string, session: string): void {
    const issued = emulator.issued.get(credentials.accessKeyId);
    assert.ok(issued, `the emulator never issued ${credentials.accessKeyId}`);
    assert.equal(credentials.secretAccessKey, issued.secretAccessKey);
    assert.equal(credentials.sessionToken, issued.sessionToken);
    assert.equal(credentials.expiration.getTime(), issued.expiration.getTime());
    assert.equal(issued.roleArn, roleArn);
    assert.equal(issued.roleSessionName, session);
    assert.equal(credentials.roleArn, roleArn);
    assert.equal(credentials.roleSessionName, session);
    assert.equal(
      credentials.assumedRoleArn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split("/").pop()}/${session}`,
    );
    assert.equal(credentials.assumedRoleId, issued.assumedRoleId);
    assert.equal(credentials.accountId, ACCOUNT);
    assert.equal(credentials.subject, DEFAULT_SUBJECT);
    assert.ok(credentials.expiration.getTime() > Date.now() + 50 * 60_000, "an hour-long session");
  }

  it("resolves two profiles and assumes their roles concurrently: one token and one STS call each", async () => {
    emulator.reset();
    reads.length = 0;
    const [deploy, role2] = await Promise.all(["default", "role-2"].map(async (name) => {
      const profile = await resolveProfile({ profile: name, env, readFile });
      assert.equal(profile.stsEndpoint, `${emulator.url}/`, "AWS_ENDPOINT_URL_STS wins over the profile's region");
      return assumeRole(profile, { env, retry: RETRY });
    }));
    assert.ok(reads.includes(CONFIG_PATH), "the config came through the injected readFile");
    assertIssued(deploy, ROLE1, "DefaultProfile");
    assertIssued(role2, ROLE2, "Role2Profile");
    assert.equal(deploy.profile, "default");
    assert.equal(role2.profile, "role-2");
    assert.notEqual(deploy.accessKeyId, role2.accessKeyId);

    assert.equal(emulator.count("token"), 2);
    assert.equal(emulator.count("sts"), 2);
    assert.equal(emulator.count(), 4, "nothing but token and STS requests");
    for (const token of emulator.requests.filter((r) => r.target === "token")) {
      assert.equal(token.method, "GET");
      assert.equal(token.bearerOk, true);
      assert.equal(token.audience, "sts.amazonaws.com");
      assert.equal(token.status, 200);
    }
    assert.deepEqual(stsLog().sort(), [[ROLE1, "DefaultProfile", 200], [ROLE2, "Role2Profile", 200]]);
    for (const sts of emulator.requests.filter((r) => r.target === "sts")) {
      assert.equal(sts.method, "POST");
      assert.equal(sts.action, "AssumeRoleWithWebIdentity");
      assert.equal(sts.hasAuthorization, false, "AssumeRoleWithWebIdentity is unsigned");
      assert.equal(sts.audience, "sts.amazonaws.com");
    }
  });

  it("assumes every profile of the seed's config at once, each token with its profile's audience", async () => {
    emulator.reset();
    const config = await loadConfig({ env, readFile });
    const names = ["default", "role-2", "manual-config-1", "manual-config-2", "manual-config-3"];
    const results = await Promise.all(
      names.map(async (name) =>
        assumeRole(await resolveProfile({ profile: name, env, config }), { env, retry: RETRY })
      ),
    );
    const sessions = ["DefaultProfile", "Role2Profile", "ManualConfig1", "ManualConfig2", "ManualConfig3"];
    const roles = [ROLE1, ROLE2, ROLE1, ROLE1, ROLE1];
    results.forEach((credentials, i) => assertIssued(credentials, roles[i], sessions[i]));
    assert.equal(new Set(results.map((c) => c.accessKeyId)).size, 5);
    assert.deepEqual(results.map((c) => c.audience), [
      "sts.amazonaws.com",
      "sts.amazonaws.com",
      "sigstore",
      "sts.amazonaws.com",
      "sigstore",
    ]);
    const tokenAudiences = emulator.requests.filter((r) => r.target === "token").map((r) => r.audience).sort();
    assert.deepEqual(tokenAudiences, [
      "sigstore",
      "sigstore",
      "sts.amazonaws.com",
      "sts.amazonaws.com",
      "sts.amazonaws.com",
    ]);
    assert.deepEqual(
      stsLog().sort(),
      roles.map((role, i) => [role, sessions[i], 200]).sort(),
    );
  });

  it("fromWebIdentity: two profiles at once, then both served from the cache", async () => {
    emulator.reset();
    const deploy = fromWebIdentity({ profile: "default", env, readFile, retry: RETRY });
    const role2 = fromWebIdentity({ profile: "role-2", env, readFile, retry: RETRY });
    const [a, b] = await Promise.all([deploy(), role2()]);
    assertIssued(a, ROLE1, "DefaultProfile");
    assertIssued(b, ROLE2, "Role2Profile");
    assert.equal(emulator.count("token"), 2);
    assert.equal(emulator.count("sts"), 2);

    const [again, again2] = await Promise.all([deploy(), role2()]);
    assert.equal(again, a, "the same credentials object, from the cache");
    assert.equal(again2, b);
    assert.equal(emulator.count(), 4, "no new request for cached credentials");
  });

  it("a trust policy that does not match: AccessDenied with iss, aud, sub and the role, one STS request", async () => {
    emulator.reset();
    const profile = await resolveProfile({ profile: "untrusted", env, readFile });
    await assert.rejects(assumeRole(profile, { env, retry: RETRY }), (err: unknown) => {
      assert.ok(err instanceof StsError, String(err));
      assert.equal(err.code, "ERR_STS");
      assert.equal(err.awsCode, "AccessDenied");
      assert.equal(err.status, 403);
      assert.equal(err.retryable, false);
      assert.equal(err.roleArn, UNTRUSTED);
      assert.ok(err.message.startsWith(`Cannot assume role ${UNTRUSTED}: AccessDenied`), err.message);
      assert.ok(err.message.includes(`iss=${emulator.issuer}`), err.message);
      assert.ok(err.message.includes("aud=sts.amazonaws.com"), err.message);
      assert.ok(err.message.includes(`sub=${DEFAULT_SUBJECT}`), err.message);
      assert.match(err.message, /trust policy/);
      assert.match(err.requestId ?? "", /^[0-9a-f-]{36}$/);
      assert.equal(err.claims?.sub, DEFAULT_SUBJECT);
      assert.equal(err.claims?.iss, emulator.issuer);
      for (const text of [err.message, String(err), JSON.stringify(err)]) {
        assert.doesNotMatch(text, JWT_LIKE);
        assert.ok(!text.includes(emulator.bearer));
      }
      return true;
    });
    assert.deepEqual(stsLog(), [[UNTRUSTED, "Untrusted", 403]]);
    assert.equal(emulator.requests.find((r) => r.target === "sts")?.error, "AccessDenied");
    assert.equal(emulator.count("token"), 1);
  });

  it("a wrong audience: InvalidIdentityToken, retried twice with a fresh token, aud shown", async () => {
    emulator.reset();
    const profile = webIdentity(await resolveProfile({ profile: "wrong-aud", env, readFile }));
    assert.equal(profile.token.type === "server" && profile.token.audience, "wrong-aud");
    await assert.rejects(assumeRole(profile, { env, retry: RETRY }), (err: unknown) => {
      assert.ok(err instanceof StsError, String(err));
      assert.equal(err.awsCode, "InvalidIdentityToken");
      assert.equal(err.awsMessage, "Incorrect token audience");
      assert.ok(err.message.startsWith(`Cannot assume role ${ROLE1}: InvalidIdentityToken`), err.message);
      assert.match(err.message, /after 3 attempts/);
      assert.ok(err.message.includes("aud=wrong-aud"), err.message);
      assert.ok(err.message.includes(`iss=${emulator.issuer}`), err.message);
      assert.doesNotMatch(err.message, JWT_LIKE);
      return true;
    });
    const tokens = emulator.requests.filter((r) => r.target === "token");
    assert.equal(tokens.length, 3, "a fresh token for each attempt");
    assert.ok(tokens.every((r) => r.audience === "wrong-aud" && r.status === 200));
    const sts = emulator.requests.filter((r) => r.target === "sts");
    assert.equal(sts.length, 3);
    assert.ok(sts.every((r) => r.error === "InvalidIdentityToken" && r.audience === "wrong-aud"));
  });

  it("the token-file form: a real token in a real file, a real config file, default readFile", async () => {
    emulator.reset();
    const dir = await mkdtemp(join(tmpdir(), "oidc2aws-e2e-"));
    try {
      const configFile = join(dir, "aws_config");
      await writeFile(configFile, configText);
      await writeFile(join(dir, "token"), `${await emulator.mintToken()}\n`);
      const fileEnv = {
        ...emulator.env,
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: "",
        OIDC2AWS_E2E_DIR: dir,
      };
      const profile = webIdentity(await resolveProfile({ profile: "from-file", env: fileEnv }));
      assert.deepEqual(profile.token, { type: "file", path: join(dir, "token") });
      const first = await assumeRole(profile, { env: fileEnv, retry: RETRY });
      assertIssued(first, ROLE2, "FromFile");

      // The file is read again on every call: a rotated token is picked up.
      await writeFile(join(dir, "token"), await emulator.mintToken());
      const second = await assumeRole(profile, { env: fileEnv, retry: RETRY });
      assertIssued(second, ROLE2, "FromFile");
      assert.notEqual(first.accessKeyId, second.accessKeyId);
      assert.equal(emulator.count("token"), 0, "no token server involved");
      assert.deepEqual(stsLog(), [[ROLE2, "FromFile", 200], [ROLE2, "FromFile", 200]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
