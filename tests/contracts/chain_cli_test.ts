/**
 * Role chaining through every CLI command, on the runtime running the tests (the built dist/cli.js):
 * whoami shows each hop, credential-process caches by the whole chain, env / exec / github-env hand
 * out the last role's credentials, and a refused hop is one clear line without a secret.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { runCli, RUNTIME } from "../_cli.ts";
import { parseGithubEnv } from "../_helpers.ts";

const HUB = "arn:aws:iam::111111111111:role/ci-hub";
const DEPLOY = "arn:aws:iam::222222222222:role/deploy";
const AUDIT = "arn:aws:iam::333333333333:role/audit";

const CONFIG = `
[profile hub]
role_arn = ${HUB}
web_identity_token_server = GitHub

[profile hub-b]
role_arn = ${HUB}
web_identity_token_server = GitHub
role_session_name = hub-b

[profile prod]
role_arn = ${DEPLOY}
source_profile = hub
role_session_name = deploy

[profile prod-b]
role_arn = ${DEPLOY}
source_profile = hub-b
role_session_name = deploy

[profile audit]
role_arn = ${AUDIT}
source_profile = prod
role_session_name = audit

[profile audit-from-hub]
role_arn = ${AUDIT}
source_profile = hub

[profile loop-a]
role_arn = ${DEPLOY}
source_profile = loop-b

[profile loop-b]
role_arn = ${HUB}
source_profile = loop-a
`;

describe(`CLI on ${RUNTIME}: chained profiles (source_profile)`, () => {
  let emulator: Emulator;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    emulator = await startEmulator({
      roles: {
        [HUB]: { sub: "repo:octo-org/*" },
        [DEPLOY]: { sub: [], trustedCallers: ["arn:aws:sts::111111111111:assumed-role/ci-hub/*"] },
        [AUDIT]: { sub: [], trustedCallers: ["arn:aws:sts::222222222222:assumed-role/deploy/*"] },
      },
    });
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-chain-"));
    await writeFile(join(dir, "aws_config"), CONFIG);
    env = { ...emulator.env, AWS_CONFIG_FILE: join(dir, "aws_config"), OIDC2AWS_CACHE_DIR: join(dir, "cache") };
  });
  after(async () => {
    await emulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Every secret the emulator has handed out so far. */
  const secrets = () => [...emulator.issued.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]);
  const issuedFor = (accessKeyId: string) => emulator.issued.get(accessKeyId);

  it("whoami shows each hop: profile, role, assumed ARN, expiry", async () => {
    const run = await runCli(["whoami", "--profile", "audit"], { env });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    const row = (label: string) => lines.find((line) => line.startsWith(label.padEnd(10)));
    assert.equal(row("profile"), "profile   audit");
    assert.equal(row("role"), `role      ${AUDIT}`);
    assert.equal(row("assumed"), "assumed   arn:aws:sts::333333333333:assumed-role/audit/audit");
    const expiry = String.raw`expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z \(in \d+ min\)`;
    assert.match(
      row("hop 1")!,
      new RegExp(`^hop 1     profile hub: ${HUB} as arn:aws:sts::111111111111:assumed-role/ci-hub/\\S+, ${expiry}$`),
    );
    assert.match(
      row("hop 2")!,
      new RegExp(
        `^hop 2     profile prod: ${DEPLOY} as arn:aws:sts::222222222222:assumed-role/deploy/deploy, ${expiry}$`,
      ),
    );
    assert.match(
      row("hop 3")!,
      /^hop 3 {5}profile audit: .* as arn:aws:sts::333333333333:assumed-role\/audit\/audit, /,
    );
    assert.equal(row("token iss"), `token iss ${emulator.issuer}`);
  });

  it("whoami --format json lists the chain", async () => {
    const run = await runCli(["whoami", "--profile", "prod", "--format", "json"], { env });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.assumedRoleArn, "arn:aws:sts::222222222222:assumed-role/deploy/deploy");
    assert.deepEqual(report.chain.map((hop: { profile: string; roleArn: string }) => [hop.profile, hop.roleArn]), [
      ["hub", HUB],
      ["prod", DEPLOY],
    ]);
    assert.ok(report.chain.every((hop: { expiration: string }) => !Number.isNaN(Date.parse(hop.expiration))));
  });

  it("credential-process caches by the whole chain: a second call makes no STS request, another source is another entry", async () => {
    const cache = { ...env, OIDC2AWS_CACHE_DIR: join(dir, "cache-chain") };
    const before = emulator.count("sts");
    const first = await runCli(["credential-process", "--profile", "prod"], { env: cache });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(emulator.count("sts") - before, 2, "the hub's call and the signed AssumeRole");
    const json = JSON.parse(first.stdout);
    assert.equal(json.Version, 1);
    assert.equal(issuedFor(json.AccessKeyId)?.roleArn, DEPLOY);
    const second = await runCli(["credential-process", "--profile", "prod"], { env: cache });
    assert.equal(second.stdout, first.stdout);
    assert.equal(emulator.count("sts") - before, 2, "served from the cache");
    // Same last role, same session name, another first hop: not the same entry.
    const other = await runCli(["credential-process", "--profile", "prod-b"], { env: cache });
    assert.equal(other.code, 0, other.stderr);
    assert.notEqual(JSON.parse(other.stdout).AccessKeyId, json.AccessKeyId);
    assert.equal((await readdir(cache.OIDC2AWS_CACHE_DIR)).length, 2);
  });

  it("env, exec and github-env hand out the last role's credentials", async () => {
    const shell = await runCli(["env", "--profile", "prod", "--format", "json"], { env });
    assert.equal(shell.code, 0, shell.stderr);
    const vars = JSON.parse(shell.stdout);
    assert.equal(issuedFor(vars.AWS_ACCESS_KEY_ID)?.roleArn, DEPLOY);
    assert.equal(vars.AWS_ACCOUNT_ID, "222222222222");

    const exec = await runCli(["exec", "--profile", "prod", "--", "sh", "-c", 'printf %s "$AWS_ACCESS_KEY_ID"'], {
      env,
    });
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(issuedFor(exec.stdout)?.roleArn, DEPLOY);

    const file = join(dir, "github_env");
    await writeFile(file, "");
    const gh = await runCli(["github-env", "--profile", "prod"], { env: { ...env, GITHUB_ENV: file } });
    assert.equal(gh.code, 0, gh.stderr);
    const exported = parseGithubEnv(await readFile(file, "utf8"));
    assert.equal(issuedFor(exported.AWS_ACCESS_KEY_ID)?.roleArn, DEPLOY);
    assert.match(gh.stderr, /exported credentials for arn:aws:sts::222222222222:assumed-role\/deploy\/deploy/);
  });

  it("a refused hop is one line naming the role, the caller and the fix, with no secret (--debug too)", async () => {
    const run = await runCli(["whoami", "--profile", "audit-from-hub", "--debug"], { env });
    assert.equal(run.code, 1);
    const error = run.stderr.split("\n").find((line) => line.startsWith("oidc2aws: ERR_STS: "));
    assert.match(
      error!,
      new RegExp(
        `^oidc2aws: ERR_STS: Cannot assume role ${AUDIT} as arn:aws:sts::111111111111:assumed-role/ci-hub/\\S+: ` +
          `AccessDenied \\(User: .* is not authorized to perform: sts:AssumeRole on resource: ${AUDIT}\\); ` +
          `the trust policy of ${AUDIT} must allow ${HUB} \\(the role of source profile "hub"\\) to call sts:AssumeRole`,
      ),
    );
    assert.match(
      run.stderr,
      /debug: profile "hub": .*; profile "audit-from-hub": .*assumed with the credentials of source profile "hub"/,
    );
    for (const secret of secrets()) assert.ok(!run.stderr.includes(secret), "a secret reached stderr");
  });

  it("a cycle is a configuration error (exit 2) naming the profiles in it", async () => {
    const run = await runCli(["credential-process", "--profile", "loop-a"], { env });
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_CONFIG_INVALID: source_profile in profile "loop-b" .* makes a cycle of profiles \(loop-a -> loop-b -> loop-a\)/,
    );
    assert.equal(run.stdout, "");
  });
});
