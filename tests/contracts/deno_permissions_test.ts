// docs/cli.md's "Deno permissions" section, as written: each flag of its table, and every `deno run`
// line of README.md and docs/*.md, run against the loopback emulator as a GitHub Actions job would run
// them. The flags are read out of the docs, so the test follows what users are told. Deno only: the
// other runtimes have no permissions to grant.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { runCli, RUNTIME } from "../_cli.ts";

const DEPLOY = "arn:aws:iam::123456789012:role/deploy";
const root = new URL("../../", import.meta.url);
const CLI_DOC = await readFile(new URL("docs/cli.md", root), "utf8");
/** README.md and every docs/*.md, the pages users read. */
const PAGES = [
  await readFile(new URL("README.md", root), "utf8"),
  ...await Promise.all(
    (await readdir(new URL("docs/", root))).filter((f) => f.endsWith(".md")).sort().map((f) =>
      readFile(new URL(`docs/${f}`, root), "utf8")
    ),
  ),
].join("\n");

/** The "## Deno permissions" section of docs/cli.md. */
function permissionsSection(): string {
  const start = CLI_DOC.indexOf("## Deno permissions");
  assert.ok(start >= 0, "docs/cli.md has a Deno permissions section");
  const end = CLI_DOC.indexOf("\n## ", start + 1);
  return CLI_DOC.slice(start, end < 0 ? undefined : end);
}

/** The flags of the table row whose first cell starts with `need`, as written (backquoted `--allow-…` runs). */
function row(need: string): string[][] {
  const line = permissionsSection().split("\n").find((l) => l.startsWith(`| ${need}`));
  assert.ok(line, `docs/cli.md's Deno permissions table has a row for ${need}`);
  const cell = line.split(" | ")[1];
  return [...cell.matchAll(/`(--allow-[^`]*)`/g)].map((m) => m[1].split(" "));
}

/** Every `deno run …` line of the docs that grants permissions: its flags (up to the script) and its arguments. */
function denoRunLines(): Array<{ line: string; flags: string[]; args: string[] }> {
  return [...PAGES.matchAll(/deno run ((?:--allow-\S+ )+)(\S+) ([^\n`]*)/g)].map((m) => ({
    line: m[0],
    flags: m[1].trim().split(" "),
    args: m[3].trim().split(/\s+/),
  }));
}

/** Each test is skipped, with this reason, on Bun and Node (a skipped suite would be silent on Bun). */
const DENO_ONLY = { skip: RUNTIME !== "deno" && "Deno only: permissions are Deno's" };

describe("the docs' Deno permissions, as written", () => {
  let emulator: Emulator;
  let work: string;
  let job: Record<string, string>;
  /** `$VAR` in a documented flag, as the job's shell would expand it. */
  const expand = (flag: string) => flag.replace(/\$(\w+)/g, (whole, name: string) => job[name] ?? whole);

  before(async () => {
    if (DENO_ONLY.skip) return;
    emulator = await startEmulator({ roles: { [DEPLOY]: { sub: "repo:octo-org/*" } } });
    // A checkout with .github/aws_config (read relative to it, as the docs' flags name it), a home, the
    // runner's temp directory and $GITHUB_ENV.
    work = await mkdtemp(join(tmpdir(), "oidc2aws-deno-perms-"));
    await mkdir(join(work, ".github"));
    await mkdir(join(work, "home"));
    await mkdir(join(work, "runner_temp"));
    await writeFile(
      join(work, ".github", "aws_config"),
      `[profile deploy]\nrole_arn = ${DEPLOY}\nweb_identity_token_server = GitHub\n\n` +
        `[profile auto]\nrole_arn = ${DEPLOY}\n`,
    );
    await writeFile(join(work, "github_env"), "");
    job = {
      ...emulator.env,
      AWS_CONFIG_FILE: ".github/aws_config",
      HOME: join(work, "home"),
      RUNNER_TEMP: join(work, "runner_temp"),
      GITHUB_ENV: join(work, "github_env"),
    };
  });
  after(async () => {
    await emulator?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** The narrow flags of the table's first three rows: the env list, the token server and STS, the config files. */
  function narrow(): string[] {
    const [, list] = row("env vars");
    assert.match(list[0], /^--allow-env=/, "the env row offers a list");
    const [net] = row("the token server and STS");
    assert.deepEqual(net, ["--allow-net=HOST,HOST"]);
    const host = new URL(emulator.url).host; // the token server and STS, both on the emulator
    const [read] = row("the config files");
    return [...list, net[0].replace("HOST,HOST", `${host},${host}`), ...read.map(expand)];
  }

  function run(args: string[], denoFlags: string[], env: Record<string, string | undefined> = {}) {
    return runCli(args, { env: { ...job, ...env }, denoFlags, cwd: work });
  }

  const issued = (stdout: string) => emulator.issued.get(JSON.parse(stdout).AccessKeyId);

  it("the env list works with auto, the CLI's default, and with a named GitHub profile", DENO_ONLY, async () => {
    for (const profile of ["auto", "deploy"]) {
      const result = await run(["credential-process", "--no-cache", "--profile", profile], narrow());
      assert.equal(result.code, 0, `${profile}: ${result.stderr}`);
      assert.equal(issued(result.stdout)?.roleArn, DEPLOY);
    }
    const fromEnv = await run(["credential-process", "--no-cache"], narrow(), {
      AWS_ROLE_ARN: DEPLOY,
      AWS_CONFIG_FILE: undefined,
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
  });

  it(
    "without the bearer (no id-token: write), the fix is GitHub's, not a permission of another platform",
    DENO_ONLY,
    async () => {
      for (const profile of ["auto", "deploy"]) {
        const result = await run(["credential-process", "--no-cache", "--profile", profile], narrow(), {
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
        });
        assert.equal(result.code, 1, `${profile}: ${result.stderr}`);
        assert.match(
          result.stderr,
          /^oidc2aws: ERR_TOKEN_UNAVAILABLE: GitHub Actions did not give this job an OIDC token: ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set\..*id-token: write/s,
          profile,
        );
      }
    },
  );

  it("env, whoami and github-env (with its row's flag) work with the list", DENO_ONLY, async () => {
    const env = await run(["env", "--profile", "auto"], narrow());
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stdout, /^export AWS_ACCESS_KEY_ID=/m);
    const whoami = await run(["whoami", "--profile", "auto"], narrow());
    assert.equal(whoami.code, 0, whoami.stderr);
    const [write] = row("`github-env`");
    const githubEnv = await run(["github-env", "--profile", "auto"], [...narrow(), ...write.map(expand)]);
    assert.equal(githubEnv.code, 0, githubEnv.stderr);
    assert.match(await readFile(job.GITHUB_ENV, "utf8"), /^AWS_ACCESS_KEY_ID<</m);
  });

  it("the cache row's flags: the second run is served from $RUNNER_TEMP/oidc2aws", DENO_ONLY, async () => {
    const [cache] = row("the `credential-process` cache");
    const flags = [...narrow(), ...cache.map(expand)];
    const before = emulator.count("sts");
    for (let i = 0; i < 2; i++) {
      const result = await run(["credential-process", "--profile", "auto"], flags);
      assert.equal(result.code, 0, result.stderr);
    }
    assert.equal(emulator.count("sts") - before, 1, "one STS call for two runs");
  });

  it("exec and web_identity_token_process: their row's flags, with the whole --allow-env", DENO_ONLY, async () => {
    const [runFlags, envFlags] = row("`exec`, and `web_identity_token_process` sources");
    assert.deepEqual([...runFlags, ...envFlags], ["--allow-run", "--allow-env"]);
    const flags = [...narrow().filter((flag) => !flag.startsWith("--allow-env")), ...runFlags, ...envFlags];
    const exec = await run(["exec", "--profile", "auto", "--", "sh", "-c", 'echo "$AWS_ACCESS_KEY_ID"'], flags);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(emulator.issued.get(exec.stdout.trim())?.roleArn, DEPLOY);
    await writeFile(join(work, "token"), await emulator.mintToken());
    const process = await run(
      ["credential-process", "--no-cache", "--role-arn", DEPLOY, "--token-process", "cat token"],
      flags,
    );
    assert.equal(process.code, 0, process.stderr);
    // With the list alone, what they pass on cannot be read: a clear ERR_PERMISSION, not a crash.
    const narrowExec = await run(["exec", "--profile", "auto", "--", "true"], [...narrow(), ...runFlags]);
    assert.equal(narrowExec.code, 2, narrowExec.stderr);
    assert.match(narrowExec.stderr, /^oidc2aws: ERR_PERMISSION: .*--allow-env/);
  });

  it("every `deno run` line runs as written", DENO_ONLY, async () => {
    const lines = denoRunLines();
    assert.ok(lines.length > 0, "the docs have deno run lines");
    const script = join(work, "deploy.sh");
    await writeFile(script, '#!/bin/sh\necho "deployed as $AWS_ACCESS_KEY_ID"\n');
    await chmod(script, 0o755);
    for (const { line, flags, args } of lines) {
      const result = await run(args, flags);
      assert.equal(result.code, 0, `${line}: ${result.stderr}`);
      const key = /^deployed as (\S+)$/m.exec(result.stdout)?.[1];
      assert.equal(key && emulator.issued.get(key)?.roleArn, DEPLOY, line);
    }
  });

  it(
    "a platform named explicitly whose variables the list leaves out: ERR_PERMISSION naming the flag",
    DENO_ONLY,
    async () => {
      const result = await run(
        ["credential-process", "--no-cache", "--role-arn", DEPLOY, "--token-server", "GitLab"],
        narrow(),
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /^oidc2aws: ERR_PERMISSION: Deno denied access to the environment variable STS_AMAZONAWS_COM_ID_TOKEN: run with --allow-env \(or --allow-env=STS_AMAZONAWS_COM_ID_TOKEN\)/,
      );
      // Forgejo named, without its bearer: Forgejo's fix, which needs no variable the list leaves out.
      const forgejo = await run(
        ["credential-process", "--no-cache", "--role-arn", DEPLOY, "--token-server", "Forgejo"],
        narrow(),
        {
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
        },
      );
      assert.equal(forgejo.code, 1, forgejo.stderr);
      assert.match(
        forgejo.stderr,
        /^oidc2aws: ERR_TOKEN_UNAVAILABLE: Forgejo Actions did not give this job an OIDC token.*enable-openid-connect: true/s,
      );
    },
  );

  it(
    "auto outside any CI, with the list: no platform detected, not a permission of one it cannot see",
    DENO_ONLY,
    async () => {
      const result = await run(["credential-process", "--no-cache", "--profile", "auto"], narrow(), {
        GITHUB_ACTIONS: undefined,
        ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /^oidc2aws: ERR_TOKEN_UNAVAILABLE: No CI platform that issues OIDC tokens was detected/,
      );
    },
  );
});
