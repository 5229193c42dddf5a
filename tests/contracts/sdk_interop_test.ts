/**
 * The AWS SDK for JavaScript v3 with our provider: `credentials: fromWebIdentity(...)` on an
 * STSClient pointed at the emulator. The SDK signs GetCallerIdentity with SigV4 using our access key
 * id, secret key and session token; the emulator verifies the signature against what it issued.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type CredentialProvider, type Credentials, fromWebIdentity } from "../../mod.ts";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";

const DEPLOY = "arn:aws:iam::123456789012:role/deploy";
const AUDIT = "arn:aws:iam::210987654321:role/path/audit";
const CONFIG_PATH = "/virtual/sdk/aws_config";
const CONFIG = `[profile deploy]
role_arn = ${DEPLOY}
web_identity_token_server = GitHub
role_session_name = sdk-deploy

[profile audit]
role_arn = ${AUDIT}
web_identity_token_server = GitHub
role_session_name = sdk-audit
duration_seconds = 900
`;
const RETRY = { baseDelayMs: 1, attemptTimeoutMs: 2000, totalTimeoutMs: 5000 };

describe("AWS SDK v3 STSClient with fromWebIdentity as its credentials", () => {
  let emulator: Emulator;
  let env: Record<string, string>;
  const readFile = (path: string) => Promise.resolve(path === CONFIG_PATH ? CONFIG : undefined);

  before(async () => {
    emulator = await startEmulator({
      roles: {
        [DEPLOY]: { sub: "repo:octo-org/octo-repo:ref:refs/heads/*" },
        [AUDIT]: { sub: "repo:octo-org/*", aud: "sts.amazonaws.com" },
      },
    });
    env = { ...emulator.env, AWS_CONFIG_FILE: CONFIG_PATH, AWS_SHARED_CREDENTIALS_FILE: "" };
  });
  after(() => emulator.stop());

  /** Our provider for a profile, counting the SDK's calls and remembering what it handed out. */
  function countedProvider(profile: string) {
    const inner = fromWebIdentity({ profile, env, readFile, retry: RETRY });
    const handed: Credentials[] = [];
    let calls = 0;
    const provider: CredentialProvider = async (props) => {
      calls++;
      const credentials = await inner(props);
      handed.push(credentials);
      return credentials;
    };
    return { provider, handed, calls: () => calls };
  }

  const client = (credentials: CredentialProvider) =>
    new STSClient({ region: "us-east-1", endpoint: emulator.url, credentials, maxAttempts: 1 });

  const log = (action: string) => emulator.requests.filter((r) => r.target === "sts" && r.action === action);

  it("signs GetCallerIdentity with our credentials; two commands, one AssumeRoleWithWebIdentity", async () => {
    emulator.reset();
    const deploy = countedProvider("deploy");
    const sts = client(deploy.provider);
    try {
      const first = await sts.send(new GetCallerIdentityCommand({}));
      const second = await sts.send(new GetCallerIdentityCommand({}));
      for (const identity of [first, second]) {
        assert.equal(identity.Arn, "arn:aws:sts::123456789012:assumed-role/deploy/sdk-deploy");
        assert.equal(identity.Account, "123456789012");
        assert.match(identity.UserId ?? "", /^AROA[A-Z0-9]{17}:sdk-deploy$/);
      }
      assert.ok(deploy.calls() >= 1, "the SDK asked our provider for credentials");
      assert.ok(deploy.handed.every((c) => c === deploy.handed[0]), "always the same, cached credentials");
      const issued = emulator.issued.get(deploy.handed[0].accessKeyId);
      assert.equal(issued?.roleArn, DEPLOY);
      assert.equal(issued?.sessionToken, deploy.handed[0].sessionToken);
      assert.equal(first.UserId, issued?.assumedRoleId);

      assert.equal(log("AssumeRoleWithWebIdentity").length, 1, "one role assumption for two commands");
      assert.equal(emulator.count("token"), 1);
      const calls = log("GetCallerIdentity");
      assert.equal(calls.length, 2);
      assert.ok(calls.every((r) => r.status === 200 && r.hasAuthorization), "signed, and the signature verified");
    } finally {
      sts.destroy();
    }
  });

  it("two clients with two providers for two roles, used concurrently", async () => {
    emulator.reset();
    const deploy = countedProvider("deploy");
    const audit = countedProvider("audit");
    const deployClient = client(deploy.provider);
    const auditClient = client(audit.provider);
    try {
      const results = await Promise.all([
        deployClient.send(new GetCallerIdentityCommand({})),
        auditClient.send(new GetCallerIdentityCommand({})),
        deployClient.send(new GetCallerIdentityCommand({})),
        auditClient.send(new GetCallerIdentityCommand({})),
      ]);
      assert.deepEqual(results.map((r) => r.Arn), [
        "arn:aws:sts::123456789012:assumed-role/deploy/sdk-deploy",
        "arn:aws:sts::210987654321:assumed-role/audit/sdk-audit",
        "arn:aws:sts::123456789012:assumed-role/deploy/sdk-deploy",
        "arn:aws:sts::210987654321:assumed-role/audit/sdk-audit",
      ]);
      assert.deepEqual(results.map((r) => r.Account), ["123456789012", "210987654321", "123456789012", "210987654321"]);
      assert.ok(deploy.calls() >= 1 && audit.calls() >= 1);
      assert.notEqual(deploy.handed[0].accessKeyId, audit.handed[0].accessKeyId);
      const assumed = log("AssumeRoleWithWebIdentity").map((r) => [r.roleArn, r.roleSessionName, r.status]).sort();
      assert.deepEqual(assumed, [[DEPLOY, "sdk-deploy", 200], [AUDIT, "sdk-audit", 200]], "one call per role");
      assert.equal(log("GetCallerIdentity").filter((r) => r.status === 200).length, 4);
      const expiresIn = audit.handed[0].expiration.getTime() - Date.now();
      assert.ok(expiresIn > 14 * 60_000 && expiresIn <= 15 * 60_000, "the audit profile's 900 s session");
    } finally {
      deployClient.destroy();
      auditClient.destroy();
    }
  });

  it("a provider that cannot assume its role fails the SDK call with our error, not a signed request", async () => {
    emulator.reset();
    emulator.fault("sts", { stsError: "AccessDenied" });
    const deploy = countedProvider("deploy");
    const sts = client(deploy.provider);
    try {
      await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (err: Error & { code?: string }) => {
        assert.equal(err.code, "ERR_STS", String(err));
        assert.match(err.message, /^Cannot assume role arn:aws:iam::123456789012:role\/deploy: AccessDenied/);
        assert.match(err.message, /sub=repo:octo-org\/octo-repo:ref:refs\/heads\/main/);
        return true;
      });
      assert.equal(log("GetCallerIdentity").length, 0, "nothing was sent without credentials");
      assert.equal(log("AssumeRoleWithWebIdentity").length, 1);
    } finally {
      sts.destroy();
    }
  });
});
