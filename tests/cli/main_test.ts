import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromProcess } from "@aws-sdk/credential-provider-process";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { xmlEscape } from "../../emulator/_util.ts";
import { runCli, RUNTIME } from "../_cli.ts";
import { parseGithubEnv, stsSuccessXml } from "../_helpers.ts";
import { VERSION } from "../../mod.ts";

const DEPLOY = "arn:aws:iam::123456789012:role/deploy";
const AUDIT = "arn:aws:iam::210987654321:role/audit";
const LOCKED = "arn:aws:iam::123456789012:role/prod-only";

let emulator: Emulator;
let dir: string;
let configFile: string;
let env: Record<string, string>;

before(async () => {
  emulator = await startEmulator({
    roles: {
      [DEPLOY]: { sub: "repo:octo-org/octo-repo:*" },
      [AUDIT]: { sub: "repo:octo-org/*" },
      [LOCKED]: { sub: "repo:octo-org/octo-repo:environment:prod" },
    },
  });
  dir = await mkdtemp(join(tmpdir(), "oidc2aws-cli-"));
  configFile = join(dir, "aws_config");
  await writeFile(
    configFile,
    [
      "[profile deploy]",
      `role_arn = ${DEPLOY}`,
      "web_identity_token_server = GitHub",
      "region = eu-west-1",
      "[profile audit]",
      `role_arn = ${AUDIT}`,
      "web_identity_token_server = GitHub",
      "[profile locked]",
      `role_arn = ${LOCKED}`,
      "web_identity_token_server = GitHub",
      "[profile broken]",
      "role_arn = not-an-arn",
      "web_identity_token_server = GitHub",
      "",
    ].join("\n"),
  );
  env = { ...emulator.env, AWS_CONFIG_FILE: configFile, OIDC2AWS_CACHE_DIR: join(dir, "cache") };
  delete env.AWS_REGION;
});

after(async () => {
  await emulator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const secretsOf = () => [...emulator.issued.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]);
const lastIssued = () => [...emulator.issued.values()].at(-1)!;

describe(`CLI on ${RUNTIME}: credential-process`, () => {
  it("prints credential_process JSON with Version 1, keys, token, ISO expiration and account", async () => {
    const run = await runCli(["credential-process", "--profile", "deploy", "--no-cache"], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    const out = JSON.parse(run.stdout);
    const issued = lastIssued();
    assert.deepEqual(Object.keys(out), [
      "Version",
      "AccessKeyId",
      "SecretAccessKey",
      "SessionToken",
      "Expiration",
      "AccountId",
    ]);
    assert.equal(out.Version, 1);
    assert.equal(out.AccessKeyId, issued.accessKeyId);
    assert.equal(out.SecretAccessKey, issued.secretAccessKey);
    assert.equal(out.SessionToken, issued.sessionToken);
    assert.match(out.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(out.AccountId, "123456789012");
  });

  it("is read by the AWS SDK's own credential_process provider", async () => {
    const bridge = join(dir, "bridge_config");
    const command = [...(await import("../_cli.ts")).cliCommand()].map((part) => `'${part}'`).join(" ");
    await writeFile(
      bridge,
      `[profile ci]\ncredential_process = ${command} credential-process --profile deploy --no-cache\n`,
    );
    const saved = { ...process.env };
    Object.assign(process.env, env, { AWS_CONFIG_FILE: configFile });
    try {
      const credentials = await fromProcess({ profile: "ci", filepath: join(dir, "none"), configFilepath: bridge })();
      const issued = lastIssued();
      assert.equal(credentials.accessKeyId, issued.accessKeyId);
      assert.equal(credentials.secretAccessKey, issued.secretAccessKey);
      assert.equal(credentials.sessionToken, issued.sessionToken);
      assert.ok(credentials.expiration instanceof Date && credentials.expiration.getTime() > Date.now());
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it("caches: the second call makes no STS request; files are 0600 in a 0700 directory", async () => {
    const cacheEnv = { ...env, OIDC2AWS_CACHE_DIR: join(dir, "cache-a") };
    const before = emulator.count("sts");
    const first = await runCli(["credential-process", "--profile", "audit"], { env: cacheEnv });
    const second = await runCli(["credential-process", "--profile", "audit"], { env: cacheEnv });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(emulator.count("sts") - before, 1);
    const files = await readdir(cacheEnv.OIDC2AWS_CACHE_DIR);
    assert.equal(files.length, 1);
    assert.match(files[0], /^[0-9a-f]{64}\.json$/, "the file name reveals nothing but a hash");
    if (process.platform !== "win32") {
      assert.equal((await stat(cacheEnv.OIDC2AWS_CACHE_DIR)).mode & 0o777, 0o700);
      assert.equal((await stat(join(cacheEnv.OIDC2AWS_CACHE_DIR, files[0]))).mode & 0o777, 0o600);
    }
  });

  it("treats expiring, corrupt, truncated or loosely permitted entries as misses", async () => {
    const cacheEnv = { ...env, OIDC2AWS_CACHE_DIR: join(dir, "cache-b") };
    const first = await runCli(["credential-process", "--profile", "audit"], { env: cacheEnv });
    assert.equal(first.code, 0, first.stderr);
    const [name] = await readdir(cacheEnv.OIDC2AWS_CACHE_DIR);
    const file = join(cacheEnv.OIDC2AWS_CACHE_DIR, name);
    const entry = JSON.parse(await readFile(file, "utf8"));
    const tamper = async (text: string, mode = 0o600) => {
      await writeFile(file, text);
      await chmod(file, mode);
      const before = emulator.count("sts");
      const run = await runCli(["credential-process", "--profile", "audit", "--debug"], { env: cacheEnv });
      assert.equal(run.code, 0, run.stderr);
      return { stsCalls: emulator.count("sts") - before, run };
    };
    const soon = new Date(Date.now() + 2 * 60_000).toISOString();
    assert.equal(
      (await tamper(JSON.stringify({ ...entry, Expiration: soon }))).stsCalls,
      1,
      "expires in 2 minutes: refreshed",
    );
    assert.equal((await tamper("{not json")).stsCalls, 1, "corrupt");
    assert.equal((await tamper(JSON.stringify(entry).slice(0, 40))).stsCalls, 1, "truncated");
    assert.equal((await tamper(JSON.stringify({ ...entry, Version: 2 }))).stsCalls, 1, "wrong version");
    if (process.platform !== "win32") {
      const loose = await tamper(JSON.stringify(entry), 0o644);
      assert.equal(loose.stsCalls, 1, "group/world-readable file");
      assert.match(loose.run.stderr, /not a private file of this user/);
    }
    const fresh = await tamper(JSON.stringify(entry));
    assert.equal(fresh.stsCalls, 0, "a good entry is used again");
  });

  it("treats an entry written by another user as a miss", {
    skip: process.getuid?.() !== 0 && "needs root to give a file away",
  }, async () => {
    const cacheEnv = { ...env, OIDC2AWS_CACHE_DIR: join(dir, "cache-owner") };
    assert.equal((await runCli(["credential-process", "--profile", "audit"], { env: cacheEnv })).code, 0);
    const [name] = await readdir(cacheEnv.OIDC2AWS_CACHE_DIR);
    await chown(join(cacheEnv.OIDC2AWS_CACHE_DIR, name), 65534, 65534); // nobody: same bytes, another owner
    const before = emulator.count("sts");
    const run = await runCli(["credential-process", "--profile", "audit", "--debug"], { env: cacheEnv });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(emulator.count("sts") - before, 1, "not served");
    assert.match(run.stderr, /not a private file of this user/);
  });

  it("hits outside GitHub Actions too, where the default session name changes every second", async () => {
    // A token file and no GitHub variables (an EKS pod, a GitLab job): the default session name is
    // oidc2aws-<unix seconds>, which must not make every call a miss.
    const tokenFile = join(dir, "token-elsewhere");
    await writeFile(tokenFile, await emulator.mintToken());
    const jobEnv = {
      AWS_ENDPOINT_URL_STS: emulator.env.AWS_ENDPOINT_URL_STS,
      OIDC2AWS_CACHE_DIR: join(dir, "cache-elsewhere"),
      AWS_CONFIG_FILE: join(dir, "none"),
    };
    const args = ["credential-process", "--role-arn", AUDIT, "--token-file", tokenFile];
    const before = emulator.count("sts");
    const first = await runCli(args, { env: jobEnv });
    assert.equal(first.code, 0, first.stderr);
    assert.match(lastIssued().assumedRoleArn, /\/oidc2aws-\d+$/, "the default session name");
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the next second: another default name
    const second = await runCli(args, { env: jobEnv });
    assert.equal(second.stdout, first.stdout);
    assert.equal(emulator.count("sts") - before, 1, "the second call was served from the cache");
    const named = await runCli([...args, "--session-name", "release-42"], { env: jobEnv });
    assert.equal(named.code, 0, named.stderr);
    assert.equal(emulator.count("sts") - before, 2, "a configured session name shapes the call: a miss");
  });

  it("never serves an entry to a job with another bearer or token file", async () => {
    const cacheEnv = { ...env, OIDC2AWS_CACHE_DIR: join(dir, "cache-c") };
    assert.equal((await runCli(["credential-process", "--profile", "audit"], { env: cacheEnv })).code, 0);
    const otherJob = await runCli(["credential-process", "--profile", "audit"], {
      env: { ...cacheEnv, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "another-jobs-bearer" },
    });
    assert.equal(otherJob.code, 1, "no cache hit: it had to ask the token server, which refused the other bearer");
    assert.match(otherJob.stderr, /^oidc2aws: ERR_TOKEN_HTTP: The token server at .* answered HTTP 401/);
    // Token files: the entry is bound to the file's content.
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, await emulator.mintToken());
    const fileArgs = ["credential-process", "--role-arn", AUDIT, "--token-file", tokenFile];
    const before = emulator.count("sts");
    assert.equal((await runCli(fileArgs, { env: cacheEnv })).code, 0);
    assert.equal((await runCli(fileArgs, { env: cacheEnv })).code, 0);
    assert.equal(emulator.count("sts") - before, 1, "same token file content: cached");
    await writeFile(tokenFile, await emulator.mintToken());
    assert.equal((await runCli(fileArgs, { env: cacheEnv })).code, 0);
    assert.equal(emulator.count("sts") - before, 2, "new token file content: not served the old entry");
  });
});

describe(`CLI on ${RUNTIME}: env, github-env, exec, whoami`, () => {
  it("env prints sh that sets the credentials and the region", async () => {
    const run = await runCli(["env", "--profile", "deploy"], { env });
    assert.equal(run.code, 0, run.stderr);
    const issued = lastIssued();
    assert.match(run.stdout, new RegExp(`^export AWS_ACCESS_KEY_ID='${issued.accessKeyId}'$`, "m"));
    assert.match(run.stdout, /^export AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'$/m);
    const { spawnSync } = await import("node:child_process");
    const check = spawnSync("sh", ["-c", `${run.stdout}\nprintf '%s' "$AWS_SESSION_TOKEN"`], { encoding: "utf8" });
    assert.equal(check.stdout, issued.sessionToken);
  });

  for (const format of ["fish", "powershell", "dotenv", "json"]) {
    it(`env --format ${format}`, async () => {
      const run = await runCli(["env", "--profile", "audit", "--format", format], { env });
      assert.equal(run.code, 0, run.stderr);
      const issued = lastIssued();
      const expected = {
        fish: `set -gx AWS_SECRET_ACCESS_KEY '${issued.secretAccessKey}'`,
        powershell: `$env:AWS_SECRET_ACCESS_KEY = '${issued.secretAccessKey}'`,
        dotenv: `AWS_SECRET_ACCESS_KEY=${issued.secretAccessKey}`,
        json: `"AWS_SECRET_ACCESS_KEY": "${issued.secretAccessKey}"`,
      }[format]!;
      assert.ok(run.stdout.includes(expected), run.stdout);
    });
  }

  it("github-env masks the secrets and appends the variables to $GITHUB_ENV", async () => {
    const githubEnv = join(dir, "github_env");
    await writeFile(githubEnv, "EXISTING=1\n");
    const run = await runCli(["github-env", "--profile", "deploy"], { env: { ...env, GITHUB_ENV: githubEnv } });
    assert.equal(run.code, 0, run.stderr);
    const issued = lastIssued();
    assert.equal(
      run.stdout,
      `::add-mask::${issued.accessKeyId}\n::add-mask::${issued.secretAccessKey}\n::add-mask::${issued.sessionToken}\n`,
    );
    assert.match(run.stderr, /exported credentials for arn:aws:sts::123456789012:assumed-role\/deploy\//);
    const variables = parseGithubEnv(await readFile(githubEnv, "utf8"));
    assert.deepEqual(Object.keys(variables), [
      "EXISTING",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_CREDENTIAL_EXPIRATION",
      "AWS_ACCOUNT_ID",
      "AWS_REGION",
      "AWS_DEFAULT_REGION",
    ]);
    assert.equal(variables.AWS_SESSION_TOKEN, issued.sessionToken);
    const outside = await runCli(["github-env", "--profile", "deploy"], { env });
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /^oidc2aws: ERR_USAGE: github-env works inside GitHub Actions only/);
  });

  it("github-env: a hostile STS answer cannot add or change a variable in $GITHUB_ENV", async () => {
    // Values with line breaks, `=`, `<<` and delimiter-like lines, as a compromised endpoint could send.
    const token = "tok\nGITHUB_PATH=/evil\nghadelimiter_0\nNODE_OPTIONS<<EOF\n--require /evil.js\nEOF";
    const secret = "key=with<<angles&\nAWS_REGION=evil";
    const body = stsSuccessXml({ account: "123456789012", session: "s1" })
      .replace("SESSIONTOKEN-do-not-print", xmlEscape(token))
      .replace("SECRETKEY-do-not-print", xmlEscape(secret));
    emulator.fault("sts", { status: 200, body, contentType: "text/xml" });
    const githubEnv = join(dir, "github_env_hostile");
    await writeFile(githubEnv, "");
    const run = await runCli(["github-env", "--profile", "deploy"], { env: { ...env, GITHUB_ENV: githubEnv } });
    assert.equal(run.code, 0, run.stderr);
    const variables = parseGithubEnv(await readFile(githubEnv, "utf8"));
    assert.deepEqual(Object.keys(variables).sort(), [
      "AWS_ACCESS_KEY_ID",
      "AWS_ACCOUNT_ID",
      "AWS_CREDENTIAL_EXPIRATION",
      "AWS_DEFAULT_REGION",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
    ]);
    assert.equal(variables.AWS_SESSION_TOKEN, token);
    assert.equal(variables.AWS_SECRET_ACCESS_KEY, secret);
    assert.equal(variables.AWS_REGION, "eu-west-1");
    for (const line of run.stdout.split("\n").slice(0, -1)) assert.match(line, /^::add-mask::/);
    for (const line of token.split("\n")) assert.ok(run.stdout.includes(`::add-mask::${line}\n`), line);
  });

  it("exec runs the command with the role's credentials, without shadowing variables, and returns its exit code", async () => {
    const script =
      'printf "%s|%s|%s|%s|" "$AWS_ACCESS_KEY_ID" "${AWS_PROFILE-unset}" "${AWS_ROLE_ARN-unset}" "$AWS_REGION"; cat; exit 7';
    const run = await runCli(["exec", "--profile", "deploy", "--", "sh", "-c", script], {
      env: { ...env, AWS_PROFILE: "stray", AWS_ROLE_ARN: "arn:aws:iam::1:role/x" },
      input: "stdin passes through",
    });
    assert.equal(run.code, 7, run.stderr);
    assert.equal(run.stdout, `${lastIssued().accessKeyId}|unset|unset|eu-west-1|stdin passes through`);
  });

  it("exec reports a child killed by a signal as 128 + the signal number", async () => {
    const run = await runCli(["exec", "--profile", "deploy", "--", "sh", "-c", "kill -TERM $$"], { env });
    assert.equal(run.code, 143, run.stderr);
  });

  it("exec reports a missing command clearly", async () => {
    const run = await runCli(["exec", "--profile", "deploy", "--", "no-such-command-oidc2aws"], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^oidc2aws: ERR_EXEC: Cannot run "no-such-command-oidc2aws": command not found/);
  });

  it("two profiles at once: whoami shows each role and token, and no secret", async () => {
    const run = await runCli(["whoami", "--profile", "deploy", "--profile", "audit"], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^profile {3}deploy\nrole {6}arn:aws:iam::123456789012:role\/deploy\nassumed {3}arn:aws:sts::123456789012:assumed-role\/deploy\/GitHubActions-/m,
    );
    assert.match(run.stdout, /^account {3}210987654321$/m);
    assert.match(run.stdout, /^token sub repo:octo-org\/octo-repo:ref:refs\/heads\/main$/m);
    assert.match(run.stdout, /^token aud sts\.amazonaws\.com$/m);
    for (const secret of secretsOf()) assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
    const json = await runCli(["whoami", "--profile", "audit", "--format", "json"], { env });
    assert.equal(JSON.parse(json.stdout).assumedRoleArn.split("/")[1], "audit");
  });

  it("whoami explains a trust policy mismatch with the token's claims", async () => {
    const run = await runCli(["whoami", "--profile", "locked"], { env });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `^oidc2aws: ERR_STS: Cannot assume role ${LOCKED}: AccessDenied .*sub=repo:octo-org/octo-repo:ref:refs/heads/main`,
      ),
    );
    assert.equal(run.stderr.trim().split("\n").length, 1, "one line");
  });

  it("whoami with several profiles: a row for each, and each failure's error line on stderr", async () => {
    const run = await runCli(["whoami", "--profile", "audit", "--profile", "locked"], { env });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^profile {3}audit$/m);
    assert.match(run.stdout, /^profile {3}locked\nerror {5}Cannot assume role/m);
    assert.match(
      run.stderr,
      new RegExp(`^oidc2aws: ERR_STS: profile locked: Cannot assume role ${LOCKED}: AccessDenied`),
    );
    assert.equal(run.stderr.trim().split("\n").length, 1, "one line: only locked failed");
  });
});

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
