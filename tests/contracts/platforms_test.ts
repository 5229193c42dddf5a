// Every token source end to end against the emulator: each platform's protocol or variable, named
// explicitly and detected with `auto`, through the library (default fetch) and the CLI.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EmulatedPlatform,
  type Emulator,
  PLATFORM_AUDIENCES,
  PLATFORM_EMULATORS,
  PLATFORM_SUBJECTS,
  PLATFORMS,
  type RequestRecord,
  startEmulator,
} from "../../emulator/mod.ts";
import { assumeRole, resolveProfile } from "../../mod.ts";
import { runCli, RUNTIME } from "../_cli.ts";

const ROLE = "arn:aws:iam::123456789012:role/ci";
/**
 * The request-log target of each platform's own token endpoint, from the emulator's registry
 * (platforms whose jobs get the token in a variable have none): a new emulated platform needs no
 * edit here. Each platform's test names it by its emulator id, which is the library's name for it.
 */
const TARGET: Partial<Record<EmulatedPlatform, RequestRecord["target"]>> = Object.fromEntries(
  PLATFORM_EMULATORS.flatMap((p) => {
    const targets = [...new Set((p.routes ?? []).map((route) => route.target))];
    if (targets.length > 1) throw new Error(`${p.id}: token endpoints under ${targets.join(", ")}: count them all`);
    return targets.map((target) => [p.id, target]);
  }),
);

let emulator: Emulator;
let dir: string;

before(async () => {
  emulator = await startEmulator({
    audiences: [...new Set(["sts.amazonaws.com", "https://my.example/aud", ...Object.values(PLATFORM_AUDIENCES)])],
  });
  dir = await mkdtemp(join(tmpdir(), "oidc2aws-platforms-"));
});

after(async () => {
  await emulator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A platform's job environment, with no config file, plus extra variables. */
async function jobEnv(platform: EmulatedPlatform, extra: Record<string, string> = {}) {
  const env = await emulator.envFor(platform);
  return { ...env, AWS_CONFIG_FILE: "", AWS_SHARED_CREDENTIALS_FILE: "", ...extra } as Record<string, string>;
}

async function assume(platform: EmulatedPlatform, tokenServer: string, extra: Record<string, string> = {}) {
  const env = await jobEnv(platform, extra);
  const profile = await resolveProfile({ env, overrides: { roleArn: ROLE, tokenServer } });
  return assumeRole(profile, { env, retry: { baseDelayMs: 1, maxAttempts: 2 } });
}

/** The subject STS saw for the credentials: the assumed session was issued for this platform's token. */
function subjectOf(accessKeyId: string): string | undefined {
  const issued = emulator.issued.get(accessKeyId);
  assert.ok(issued, `the emulator issued ${accessKeyId}`);
  return issued.subject;
}

describe(`token sources end to end on ${RUNTIME}`, () => {
  for (const platform of PLATFORMS) {
    it(`${platform}: named explicitly`, async () => {
      const before = TARGET[platform] ? emulator.count(TARGET[platform]) : 0;
      const credentials = await assume(platform, platform);
      assert.equal(credentials.subject, PLATFORM_SUBJECTS[platform]);
      assert.match(credentials.assumedRoleArn, /^arn:aws:sts::123456789012:assumed-role\/ci\//);
      assert.equal(subjectOf(credentials.accessKeyId), PLATFORM_SUBJECTS[platform]);
      if (TARGET[platform]) assert.equal(emulator.count(TARGET[platform]) - before, 1, "one token request");
    });

    it(`${platform}: detected with auto`, async () => {
      const credentials = await assume(
        platform,
        "auto",
        platform === "GoogleCloud" ? { OIDC2AWS_DETECT_GOOGLE: "true" } : {},
      );
      assert.equal(credentials.subject, PLATFORM_SUBJECTS[platform]);
      const expected = {
        GoogleCloud: /^Google Cloud metadata server/,
        Buildkite: /^Buildkite agent API/,
        AzureDevOps: /^Azure DevOps/,
        GitHub: /^GitHub/,
      }[
        platform as string
      ] ?? new RegExp(`^${platform}: env `);
      assert.match(credentials.tokenSource ?? "", expected);
    });
  }

  it("Buildkite and Google ask for the profile's audience; Azure names the service connection", async () => {
    await assume("Buildkite", "Buildkite,https://my.example/aud", {});
    const buildkite = emulator.requests.filter((r) => r.target === "buildkite").at(-1)!;
    assert.equal(buildkite.audience, "https://my.example/aud");
    await assume("GoogleCloud", "GoogleCloud");
    const gcp = emulator.requests.filter((r) => r.target === "gcp").at(-1)!;
    assert.equal(gcp.audience, "sts.amazonaws.com");
    const [[connectionId]] = Object.entries(emulator.azureServiceConnections);
    const credentials = await assume("AzureDevOps", `AzureDevOps,${connectionId}`);
    assert.match(credentials.subject ?? "", /^sc:\/\//);
  });

  it("transient failures of the Buildkite, Azure and Google endpoints are retried", async () => {
    for (
      const [platform, name] of [["buildkite", "Buildkite"], ["azure", "AzureDevOps"], ["gcp", "GoogleCloud"]] as const
    ) {
      emulator.fault(platform, { status: 503 });
      const before = emulator.count(platform);
      await assume(name, name);
      assert.equal(emulator.count(platform) - before, 2, platform);
    }
  });

  it("CircleCI with a custom audience runs circleci run oidc get (a command, no shell)", {
    skip: process.platform === "win32" && "POSIX shell script",
  }, async () => {
    const bin = join(dir, "bin");
    await import("node:fs/promises").then((fs) => fs.mkdir(bin, { recursive: true }));
    const script = join(bin, "circleci");
    await writeFile(
      script,
      '#!/bin/sh\n[ "$1 $2 $3 $4" = "run oidc get --claims" ] && [ "$5" = \'{"aud":"sts.amazonaws.com"}\' ] || { echo "bad args: $*" >&2; exit 3; }\nprintf "%s\\n" "$FAKE_CIRCLECI_TOKEN"\n',
    );
    await chmod(script, 0o755);
    const token = await emulator.mintToken({ platform: "CircleCI", audience: "sts.amazonaws.com" });
    const credentials = await assume("CircleCI", "CircleCI,sts.amazonaws.com", {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_CIRCLECI_TOKEN: token,
    });
    assert.equal(credentials.subject, PLATFORM_SUBJECTS.CircleCI);
    assert.equal(credentials.tokenSource, "CircleCI: command circleci");
  });

  it("the generic forms: a variable of any name, and any command", async () => {
    const token = await emulator.mintToken({ platform: "GitLab" });
    const env = { ...(await jobEnv("GitHub")), MY_OIDC: token, PATH: process.env.PATH ?? "" };
    const byEnv = await assumeRole(await resolveProfile({ env, overrides: { roleArn: ROLE, tokenEnv: "MY_OIDC" } }), {
      env,
    });
    assert.equal(byEnv.subject, PLATFORM_SUBJECTS.GitLab);
    const command = `node -e "process.stdout.write(process.env.MY_OIDC)"`;
    const byCommand = await assumeRole(
      await resolveProfile({ env, overrides: { roleArn: ROLE, tokenProcess: command } }),
      { env },
    );
    assert.equal(byCommand.subject, PLATFORM_SUBJECTS.GitLab);
  });
});

describe(`the CLI detects the platform when nothing names a token source, on ${RUNTIME}`, () => {
  for (const platform of ["GitLab", "Buildkite", "AzureDevOps", "TerraformCloud"] as const) {
    it(`whoami in a ${platform} job`, async () => {
      const run = await runCli(["whoami", "--role-arn", ROLE], { env: await jobEnv(platform) });
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(
          `^token {5}${
            platform === "Buildkite"
              ? "Buildkite agent API"
              : platform === "AzureDevOps"
              ? "Azure DevOps"
              : `${platform}: env`
          }`,
          "m",
        ),
      );
      assert.match(
        run.stdout,
        new RegExp(`^token sub ${PLATFORM_SUBJECTS[platform].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
      );
    });
  }

  it("a platform that is present but not set up stops with its own fix", async () => {
    const env = await jobEnv("GitLab");
    delete env.STS_AMAZONAWS_COM_ID_TOKEN;
    const run = await runCli(["whoami", "--role-arn", ROLE], { env });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_TOKEN_UNAVAILABLE: GitLab did not give this job an OIDC token: STS_AMAZONAWS_COM_ID_TOKEN is not set/,
    );
    // The fix to paste, its lines prefixed like every line oidc2aws writes to stderr.
    assert.match(
      run.stderr,
      /job:\noidc2aws: {3}id_tokens:\noidc2aws: {5}STS_AMAZONAWS_COM_ID_TOKEN:\noidc2aws: {7}aud: sts\.amazonaws\.com\n$/,
    );
  });
});
