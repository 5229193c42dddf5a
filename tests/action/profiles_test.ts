/**
 * The config-file mode: every profile of a file for the later steps at once. The action runs as the
 * runner runs it (Node 20 and 24); then a later step uses the exported AWS_CONFIG_FILE as every SDK
 * would: the AWS SDK for JavaScript's fromProcess (which runs credential_process through `sh -c`)
 * for two profiles and for AWS_PROFILE, and the credential_process line split the way botocore
 * splits it (shell words, no shell).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { parseConfig, shellSplit } from "../../lib/config.ts";
import {
  ACTION_SKIP,
  type Job,
  laterEnv,
  newJob,
  nodeBinaries,
  ROOT,
  runStep,
  spawnNode,
  type StepRun,
} from "./_action.ts";

const HUB = "arn:aws:iam::111111111111:role/ci-hub";
const DEPLOY = "arn:aws:iam::222222222222:role/deploy";
const AUDIT = "arn:aws:iam::333333333333:role/audit";
const LOCKED = "arn:aws:iam::444444444444:role/locked";

const CONFIG = `
[default]
region = us-east-2

[profile hub]
role_arn = ${HUB}
web_identity_token_server = GitHub
region = eu-west-1

[profile deploy]
role_arn = ${DEPLOY}
source_profile = hub
role_session_name = deploy
s3 =
  addressing_style = path

[profile audit]
role_arn = ${AUDIT}
role_session_name = audit
output = json

[services local]
s3 =
  endpoint_url = http://127.0.0.1:9
`;

const binaries = await nodeBinaries();

for (const node of binaries) {
  describe(`GitHub Action on ${node.label}: config-file, every profile refreshing through credential_process`, {
    skip: ACTION_SKIP,
  }, () => {
    let emulator: Emulator;
    let job: Job;
    before(async () => {
      emulator = await startEmulator({
        roles: {
          [HUB]: { sub: "repo:octo-org/*" },
          [DEPLOY]: { sub: [], trustedCallers: ["arn:aws:sts::111111111111:assumed-role/ci-hub/*"] },
          [AUDIT]: { sub: "repo:octo-org/octo-repo:*" },
          [LOCKED]: { sub: "repo:someone-else/*" },
        },
      });
      job = await newJob(emulator.env);
      delete job.env.AWS_REGION;
      await mkdir(join(job.workspace, ".github"));
      await writeFile(join(job.workspace, ".github/aws_config"), CONFIG);
    });
    after(async () => {
      await emulator?.stop();
      if (job) await rm(job.dir, { recursive: true, force: true });
    });

    const secrets = () => [...emulator.issued.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]);
    const roleOf = (accessKeyId: string) => emulator.issued.get(accessKeyId)?.roleArn;

    /** A later step: the AWS SDK's fromProcess for each profile, and for AWS_PROFILE. */
    async function sdkStep(env: Record<string, string>, ...profiles: string[]) {
      const run = await spawnNode("node", [join(ROOT, "tests/action/_later_step.mjs"), ...profiles], env, ROOT);
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as Record<string, { accessKeyId?: string; expiration?: string; error?: string }>;
    }

    let run: StepRun;

    it("checks and assumes every role profile, shows each role and the token's claims, exports AWS_CONFIG_FILE", async () => {
      run = await runStep(node, job, { "config-file": ".github/aws_config", "default-profile": "deploy" });
      assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
      assert.deepEqual(run.errors, []);
      assert.deepEqual(Object.keys(run.exported), ["AWS_CONFIG_FILE", "AWS_SDK_LOAD_CONFIG", "AWS_PROFILE"]);
      assert.ok(run.exported.AWS_CONFIG_FILE.startsWith(job.temp), "the config is under $RUNNER_TEMP");
      assert.equal(run.exported.AWS_PROFILE, "deploy");
      assert.equal(run.outputs.profiles, "hub,deploy,audit");
      assert.equal(run.outputs["aws-config-file"], run.exported.AWS_CONFIG_FILE);
      assert.match(
        run.log,
        /^profile hub: arn:aws:sts::111111111111:assumed-role\/ci-hub\/GitHubActions-\d+-\d+ \(account/m,
      );
      assert.match(run.log, /^profile deploy: arn:aws:sts::222222222222:assumed-role\/deploy\/deploy /m);
      assert.match(run.log, /^ {2}via profile hub: arn:aws:sts::111111111111:assumed-role\/ci-hub\//m);
      assert.match(run.log, /^profile audit: arn:aws:sts::333333333333:assumed-role\/audit\/audit /m);
      assert.match(
        run.log,
        /token iss=http:\/\/127\.0\.0\.1:\d+, aud=sts\.amazonaws\.com, sub=repo:octo-org\/octo-repo:/,
      );
      for (const secret of secrets()) assert.ok(!`${run.stdout}${run.stderr}`.includes(secret), "no secret in the log");
    });

    it("writes each role profile as a credential_process profile without role_arn; other keys and sections stay", async () => {
      const text = await readFile(run.exported.AWS_CONFIG_FILE, "utf8");
      // Parsed maps have no prototype: compare them as JSON.
      const { profiles, services } = JSON.parse(JSON.stringify(parseConfig(text)));
      assert.deepEqual(Object.keys(profiles), ["default", "hub", "deploy", "audit"]);
      assert.deepEqual(profiles.default, { region: "us-east-2" });
      assert.deepEqual(Object.keys(profiles.hub), ["region", "credential_process"]);
      assert.equal(profiles.hub.region, "eu-west-1");
      assert.deepEqual(profiles.deploy.s3, { addressing_style: "path" });
      assert.equal(profiles.audit.output, "json");
      for (const name of ["hub", "deploy", "audit"]) {
        const argv = shellSplit(profiles[name].credential_process as string)!;
        assert.deepEqual(argv.slice(-3), ["credential-process", "--profile", name]);
        assert.equal(argv[1], join(ROOT, "action/index.js"), "the action's own file, as its CLI");
      }
      assert.deepEqual(services.local, { s3: { endpoint_url: "http://127.0.0.1:9" } });
    });

    it("a later step gets every role from the AWS SDK, from the cache this step filled (no STS call)", async () => {
      const env = laterEnv(job, run);
      const before = emulator.count("sts");
      const got = await sdkStep(env, "hub", "audit");
      assert.equal(roleOf(got.hub.accessKeyId!), HUB, JSON.stringify(got.hub));
      assert.equal(roleOf(got.audit.accessKeyId!), AUDIT);
      assert.equal(roleOf(got["(AWS_PROFILE)"].accessKeyId!), DEPLOY, "no profile named: AWS_PROFILE=deploy");
      assert.ok(Date.parse(got.hub.expiration!) > Date.now());
      assert.equal(emulator.count("sts"), before, "served from the per-job cache");
    });

    it("a later step runs the credential_process line as botocore does (shell words, no shell)", async () => {
      const { profiles } = parseConfig(await readFile(run.exported.AWS_CONFIG_FILE, "utf8"));
      const [command, ...args] = shellSplit(profiles.audit.credential_process as string)!;
      const out = await spawnNode(command, args, laterEnv(job, run), ROOT);
      assert.equal(out.code, 0, out.stderr);
      const json = JSON.parse(out.stdout);
      assert.equal(json.Version, 1);
      assert.equal(roleOf(json.AccessKeyId), AUDIT);
    });

    it("without cached credentials, credential_process assumes the role again (what refreshes them)", async () => {
      const env = { ...laterEnv(job, run), OIDC2AWS_CACHE_DIR: join(job.dir, "fresh-cache") };
      const before = emulator.count("sts");
      const got = await sdkStep(env, "deploy", "audit");
      assert.equal(roleOf(got.deploy.accessKeyId!), DEPLOY);
      assert.equal(roleOf(got.audit.accessKeyId!), AUDIT);
      assert.ok(emulator.count("sts") > before, "STS was called");
      const again = await sdkStep(env, "deploy");
      assert.equal(again.deploy.accessKeyId, got.deploy.accessKeyId, "then cached");
    });

    it("a role whose trust policy refuses the token fails this step, naming the profile, and exports nothing", async () => {
      const failing = await runStep(node, job, {
        config: `${CONFIG}\n[profile locked]\nrole_arn = ${LOCKED}\n`,
      });
      assert.equal(failing.code, 1);
      assert.deepEqual(failing.exported, {});
      assert.match(failing.errors[0], /AccessDenied/);
      assert.match(failing.errors[0], /locked/);
      assert.match(failing.errors[0], /sub=repo:octo-org\/octo-repo:ref:refs\/heads\/main/);
    });

    it("verify: false checks the profiles without assuming them; the later step assumes them", async () => {
      const before = emulator.count();
      const unchecked = await runStep(node, job, { config: CONFIG, verify: "false" });
      assert.equal(unchecked.code, 0, unchecked.stdout);
      assert.equal(emulator.count(), before, "no request");
      assert.match(
        unchecked.log,
        /^profile audit: arn:aws:iam::333333333333:role\/audit \(not assumed: verify is false\)/m,
      );
      const got = await sdkStep({ ...laterEnv(job, unchecked), OIDC2AWS_CACHE_DIR: join(job.dir, "c2") }, "audit");
      assert.equal(roleOf(got.audit.accessKeyId!), AUDIT);
    });

    it("refuses, with what to do: a setting of the single-role mode, both modes at once, an unknown default-profile", async () => {
      const session = await runStep(node, job, { "config-file": ".github/aws_config", "role-session-name": "x1" });
      assert.equal(session.code, 1);
      assert.match(
        session.errors[0],
        /role-session-name applies to role-to-assume only: with config-file, set role_session_name/,
      );
      const both = await runStep(node, job, { "config-file": ".github/aws_config", "role-to-assume": HUB });
      assert.match(both.errors[0], /role-to-assume and config-file \(or config\) are two ways/);
      const unknown = await runStep(node, job, { "config-file": ".github/aws_config", "default-profile": "prod" });
      assert.match(
        unknown.errors[0],
        /default-profile is "prod", which is not a profile of \.github\/aws_config \(its profiles: default, hub, deploy, audit\)/,
      );
      for (const r of [session, both, unknown]) assert.deepEqual(r.exported, {});
    });

    it("an invalid profile fails the step, naming the file and key", async () => {
      await writeFile(join(job.workspace, "bad_config"), "[profile x]\nrole_arn = not-an-arn\n");
      const bad = await runStep(node, job, { "config-file": "bad_config" });
      assert.equal(bad.code, 1);
      assert.match(bad.errors[0], /^ERR_CONFIG_INVALID: role_arn in profile "x" \(.*bad_config\) is "not-an-arn"/);
      const missing = await runStep(node, job, { "config-file": "no/such/file" });
      assert.match(missing.errors[0], /^ERR_CONFIG_READ: config-file no\/such\/file does not exist/);
    });
  });
}
