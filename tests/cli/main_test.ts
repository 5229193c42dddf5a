// The command line as a whole (cli/main.ts): flags, --help and --version, usage errors and exit codes,
// and, on Deno, the narrowest permission flags each command needs. Each command's own behaviour is in
// commands/<command>_test.ts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator } from "../../emulator/mod.ts";
import { VERSION } from "../../mod.ts";
import { runCli, RUNTIME } from "../_cli.ts";
import { AUDIT, startCliWorld, stopCliWorld } from "./_setup.ts";

let emulator: Emulator;
let dir: string;
let configFile: string;
let env: Record<string, string>;

before(async () => {
  ({ emulator, dir, configFile, env } = await startCliWorld());
});

after(() => stopCliWorld(emulator, dir));

const lastIssued = () => [...emulator.issued.values()].at(-1)!;

describe(`CLI on ${RUNTIME}: flags, usage and exit codes`, () => {
  it("works from flags alone, with no config file", async () => {
    const run = await runCli([
      "credential-process",
      "--no-cache",
      "--role-arn",
      AUDIT,
      "--token-server",
      "GitHub",
      "--session-name",
      "from-flags",
      "--duration",
      "900",
    ], {
      env: { ...emulator.env, AWS_CONFIG_FILE: join(dir, "missing") },
    });
    assert.equal(run.code, 0, run.stderr);
    const issued = lastIssued();
    assert.equal(issued.assumedRoleArn, "arn:aws:sts::210987654321:assumed-role/audit/from-flags");
  });

  it("--version prints the package version; --help lists every command and flag", async () => {
    assert.equal((await runCli(["--version"])).stdout, `${VERSION}\n`);
    const help = await runCli(["--help"]);
    assert.equal(help.code, 0);
    for (
      const word of [
        "credential-process",
        "env",
        "github-env",
        "exec",
        "whoami",
        "--profile",
        "--role-arn",
        "--token-server",
        "--token-file",
        "--session-name",
        "--region",
        "--duration",
        "--format",
        "--no-cache",
        "--debug",
        "--help",
        "--version",
        "Exit codes",
      ]
    ) {
      assert.ok(help.stdout.includes(word), word);
    }
  });

  it("exits 2 with one clear line for usage and configuration errors", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^oidc2aws .*\n\nUsage: oidc2aws <command>/],
      [["whoamI"], /^oidc2aws: ERR_USAGE: Unknown command "whoamI" \(did you mean whoami\?\)/],
      [["env", "--profle", "x"], /^oidc2aws: ERR_USAGE: Unknown flag "--profle" \(did you mean --profile\?\)/],
      [["env", "--profile"], /^oidc2aws: ERR_USAGE: --profile needs a value/],
      [["env", "--format", "xml"], /^oidc2aws: ERR_USAGE: --format must be one of sh, fish, powershell, dotenv, json/],
      [["exec", "--profile", "deploy"], /^oidc2aws: ERR_USAGE: exec needs a command/],
      [
        ["env", "--profile", "nope"],
        /^oidc2aws: ERR_PROFILE_NOT_FOUND: Profile "nope" is not in .*profiles there: deploy, audit, locked, broken/,
      ],
      [
        ["env", "--profile", "broken"],
        /^oidc2aws: ERR_CONFIG_INVALID: role_arn in profile "broken" \(.*aws_config\) is "not-an-arn", which is not an IAM role ARN/,
      ],
      [
        ["env", "--duration", "5", "--role-arn", AUDIT, "--token-server", "GitHub"],
        /^oidc2aws: ERR_CONFIG_INVALID: --duration is "5": use a whole number of seconds from 900 to 43200/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const run = await runCli(args, { env });
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.equal(run.stdout, "");
    }
  });

  it("exits 1 for other failures, and --debug adds timings and the cause chain but no secret", async () => {
    const run = await runCli(["env", "--profile", "deploy", "--debug"], {
      env: { ...env, AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9/", AWS_MAX_ATTEMPTS: "2" },
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^oidc2aws: debug: read .*aws_config/m);
    assert.match(run.stderr, /^oidc2aws: debug: GET http:\/\/127\.0\.0\.1:\d+\/token → HTTP 200/m);
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_NETWORK: Cannot reach STS at http:\/\/127\.0\.0\.1:9\/: .*\(after 2 attempts\)$/m,
    );
    assert.match(run.stderr, /^oidc2aws: debug: caused by /m);
    assert.ok(!run.stderr.includes(emulator.bearer), "no bearer in debug output");
  });
});

describe("CLI on deno: the narrowest permission flags", { skip: RUNTIME !== "deno" && "Deno only" }, () => {
  const home = () => join(dir, "home");
  const narrowEnv = () => ({ ...env, HOME: home(), AWS_PROFILE: "deploy" });
  const net = () => `--allow-net=${new URL(emulator.url).host}`;
  const read = () => `--allow-read=${configFile},${home()}/.aws`;
  const allButRun = () => ["--allow-env", net(), read()];

  it("credential-process --no-cache needs only --allow-env, --allow-net=<hosts> and --allow-read=<config files>", async () => {
    const run = await runCli(["credential-process", "--no-cache"], {
      env: narrowEnv(),
      denoFlags: ["--allow-env", net(), read()],
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).AccessKeyId, lastIssued().accessKeyId);
  });

  it("the cache adds --allow-write=<cache dir> and --allow-sys=uid", async () => {
    const cache = join(dir, "cache-deno");
    const flags = ["--allow-env", net(), `${read()},${cache}`, `--allow-write=${cache}`, "--allow-sys=uid"];
    const before = emulator.count("sts");
    for (let i = 0; i < 2; i++) {
      const run = await runCli(["credential-process"], {
        env: { ...narrowEnv(), OIDC2AWS_CACHE_DIR: cache },
        denoFlags: flags,
      });
      assert.equal(run.code, 0, run.stderr);
    }
    assert.equal(emulator.count("sts") - before, 1);
  });

  it("github-env adds --allow-write=$GITHUB_ENV", async () => {
    const githubEnv = join(dir, "github_env_deno");
    await writeFile(githubEnv, "");
    const run = await runCli(["github-env"], {
      env: { ...narrowEnv(), GITHUB_ENV: githubEnv },
      denoFlags: ["--allow-env", net(), read(), `--allow-write=${githubEnv}`],
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(await readFile(githubEnv, "utf8"), /^AWS_ACCESS_KEY_ID<</m);
  });

  it("a missing permission is a clear ERR_PERMISSION naming the flag", async () => {
    const noNet = await runCli(["credential-process", "--no-cache"], {
      env: narrowEnv(),
      denoFlags: ["--allow-env", read()],
    });
    assert.equal(noNet.code, 2);
    assert.match(
      noNet.stderr,
      /^oidc2aws: ERR_PERMISSION: Deno denied network access to the token server at http:\/\/127\.0\.0\.1:\d+\/token: run with --allow-net=127\.0\.0\.1:\d+/,
    );
    const noRead = await runCli(["credential-process", "--no-cache"], {
      env: narrowEnv(),
      denoFlags: ["--allow-env", net()],
    });
    assert.equal(noRead.code, 2);
    assert.match(noRead.stderr, /^oidc2aws: ERR_PERMISSION: Deno denied reading .*aws_config: run with --allow-read=/);
    const noEnv = await runCli(["credential-process", "--no-cache"], { env: narrowEnv(), denoFlags: [net(), read()] });
    assert.equal(noEnv.code, 2);
    assert.match(
      noEnv.stderr,
      /^oidc2aws: ERR_PERMISSION: Deno denied access to the environment variable \w+: run with --allow-env/,
    );
    // Running a command needs --allow-run: exec's command, and a token command.
    const noRun = await runCli(["exec", "--", "true"], { env: narrowEnv(), denoFlags: allButRun() });
    assert.equal(noRun.code, 2, noRun.stderr);
    assert.match(noRun.stderr, /^oidc2aws: ERR_PERMISSION: Deno denied running "true": run with --allow-run/);
    const noRunToken = await runCli(["whoami", "--token-process", "echo"], {
      env: narrowEnv(),
      denoFlags: allButRun(),
    });
    assert.equal(noRunToken.code, 2, noRunToken.stderr);
    assert.match(
      noRunToken.stderr,
      /^oidc2aws: ERR_PERMISSION: Deno denied running the token command: run with --allow-run/,
    );
  });
});
