// No path we are given can make the CLI hang: every file we read is a regular file of at most 1 MiB
// (a device, a FIFO or a directory is a typed error naming what it is), and every file we write
// either works or fails with a typed error and a fix; a cache directory we cannot create is only a
// miss. Each run is bounded: a hang fails the test (see runBounded).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator } from "../../emulator/mod.ts";
import { cliCommand, RUNTIME } from "../_cli.ts";
import { runBounded } from "../_bounded.ts";
import { startCliWorld, stopCliWorld } from "../cli/_setup.ts";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;
let token: string;
const posix = process.platform !== "win32";

before(async () => {
  ({ emulator, dir, env } = await startCliWorld());
  token = await emulator.mintToken();
  await writeFile(join(dir, "token"), token);
  await mkdir(join(dir, "a-directory"));
  // Over the 1 MiB cap: valid ini / a token-shaped line, so only the size can be the reason.
  await writeFile(join(dir, "big-config"), `[profile deploy]\n${"# padding\n".repeat(120_000)}`);
  await writeFile(join(dir, "big-token"), `${token}${" ".repeat(1_100_000)}\n`);
  if (posix) execFileSync("mkfifo", [join(dir, "fifo")]);
});
after(() => stopCliWorld(emulator, dir));

function cli(args: string[], overrides: Record<string, string | undefined>) {
  const [command, ...prefix] = cliCommand();
  const merged: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  if (process.env.DENO_DIR) merged.DENO_DIR = process.env.DENO_DIR;
  for (const [name, value] of Object.entries({ ...env, ...overrides })) if (value !== undefined) merged[name] = value;
  return runBounded(command, [...prefix, ...args], { env: merged, killAfterMs: 10_000 });
}

/** The files that must be refused, and the words that must say why. */
const UNREADABLE: Array<[string, () => string, RegExp, boolean]> = [
  ["/dev/zero (a character device that never ends)", () => "/dev/zero", /not a regular file/, posix],
  ["/dev/urandom", () => "/dev/urandom", /not a regular file/, posix],
  ["a FIFO with no writer", () => join(dir, "fifo"), /not a regular file/, posix],
  ["a directory", () => join(dir, "a-directory"), /it is a directory, not a regular file/, true],
  ["a regular file over 1 MiB", () => join(dir, "big-config"), /larger than 1 MiB/, true],
];

/** Bun's default test timeout (5 s) is shorter than the kill-timer of a bounded run. */
const BOUND = { timeout: 30_000 };

describe(`CLI on ${RUNTIME}: files we read are regular files within a size cap`, () => {
  for (const [name, path, why, applies] of UNREADABLE) {
    it(`AWS_CONFIG_FILE = ${name}: ERR_CONFIG_READ, at once`, BOUND, async (t) => {
      if (!applies) return t.skip("POSIX only");
      const run = await cli(["credential-process", "--no-cache", "--profile", "deploy"], {
        AWS_CONFIG_FILE: path(),
      });
      assert.equal(run.hung, false, `the process did not exit; stderr: ${run.stderr}`);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^oidc2aws: ERR_CONFIG_READ: Cannot read /);
      assert.match(run.stderr, why);
      assert.equal(run.stdout, "");
    });

    it(`the token file = ${name}: ERR_TOKEN_UNAVAILABLE, at once`, BOUND, async (t) => {
      if (!applies) return t.skip("POSIX only");
      const file = path() === join(dir, "big-config") ? join(dir, "big-token") : path();
      const run = await cli(
        ["credential-process", "--no-cache", "--role-arn", "arn:aws:iam::123456789012:role/deploy"],
        {
          AWS_CONFIG_FILE: join(dir, "aws_config"),
          AWS_WEB_IDENTITY_TOKEN_FILE: file,
          GITHUB_ACTIONS: undefined,
          ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
          AWS_REGION: "eu-west-1",
        },
      );
      assert.equal(run.hung, false, `the process did not exit; stderr: ${run.stderr}`);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^oidc2aws: ERR_TOKEN_UNAVAILABLE: Cannot read the web identity token file /);
      assert.match(run.stderr, why);
      assert.equal(run.stdout, "");
    });
  }

  it("AWS_SHARED_CREDENTIALS_FILE = /dev/zero: ERR_CONFIG_READ, at once", BOUND, async (t) => {
    if (!posix) return t.skip("POSIX only");
    const run = await cli(["credential-process", "--no-cache", "--profile", "deploy"], {
      AWS_SHARED_CREDENTIALS_FILE: "/dev/zero",
    });
    assert.equal(run.hung, false, `the process did not exit; stderr: ${run.stderr}`);
    assert.equal(run.code, 2, run.stderr);
    // (the path itself is redacted: the scrubber treats the credentials file variable as a secret)
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_CONFIG_READ: Cannot read .*: it is a character device, not a regular file/,
    );
  });

  it("a token file at the cap's edge still works (the cap refuses only what is over it)", BOUND, async () => {
    const file = join(dir, "padded-token");
    await writeFile(file, `${token}${" ".repeat(1024 * 1024 - token.length - 1)}\n`);
    const run = await cli(["credential-process", "--no-cache", "--role-arn", "arn:aws:iam::123456789012:role/deploy"], {
      AWS_WEB_IDENTITY_TOKEN_FILE: file,
      GITHUB_ACTIONS: undefined,
      AWS_REGION: "eu-west-1",
    });
    assert.equal(run.hung, false);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).Version, 1);
  });
});

describe(`CLI on ${RUNTIME}: files we write`, () => {
  it(
    "RUNNER_TEMP=/proc/1: the cache cannot be created there; the credentials are printed and the process exits",
    BOUND,
    async (t) => {
      if (!existsSync("/proc/1")) return t.skip("no /proc");
      const run = await cli(["credential-process", "--profile", "deploy"], {
        OIDC2AWS_CACHE_DIR: undefined,
        RUNNER_TEMP: "/proc/1",
      });
      assert.equal(run.hung, false, `the process did not exit; stderr: ${run.stderr}`);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).Version, 1);
    },
  );

  it("a cache directory under a regular file: a miss, the credentials printed", BOUND, async () => {
    await writeFile(join(dir, "plain"), "x");
    const run = await cli(["credential-process", "--profile", "deploy"], {
      OIDC2AWS_CACHE_DIR: join(dir, "plain", "cache"),
    });
    assert.equal(run.hung, false);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).Version, 1);
  });

  const unwritable: Array<[string, () => string, boolean]> = [
    ["a directory", () => join(dir, "a-directory"), true],
    ["a file in a missing directory", () => join(dir, "missing", "github_env"), true],
    ["a FIFO no one reads", () => join(dir, "fifo"), posix],
  ];
  for (const [name, path, applies] of unwritable) {
    it(`GITHUB_ENV = ${name}: ERR_WRITE naming $GITHUB_ENV, at once`, BOUND, async (t) => {
      if (!applies) return t.skip("POSIX only");
      const run = await cli(["github-env", "--profile", "deploy"], { GITHUB_ENV: path() });
      assert.equal(run.hung, false, `the process did not exit; stderr: ${run.stderr}`);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^oidc2aws: ERR_WRITE: Cannot append the credentials to \$GITHUB_ENV \(/m);
      for (const issued of emulator.issued.values()) {
        assert.ok(!run.stderr.includes(issued.secretAccessKey) && !run.stderr.includes(issued.sessionToken));
      }
    });
  }

  it("GITHUB_ENV = a regular file still works after the hardening", BOUND, async () => {
    const file = join(dir, "github_env_ok");
    await writeFile(file, "");
    const run = await cli(["github-env", "--profile", "deploy"], { GITHUB_ENV: file });
    assert.equal(run.code, 0, run.stderr);
    assert.match(await readFile(file, "utf8"), /^AWS_ACCESS_KEY_ID(=|<<)/m);
  });
});
