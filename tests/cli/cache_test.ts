// The CLI's credential cache (cli/cache.ts): hits, misses, file permissions, and entries bound to the job.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, chown, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator } from "../../emulator/mod.ts";
import { runCli, RUNTIME } from "../_cli.ts";
import { AUDIT, startCliWorld, stopCliWorld } from "./_setup.ts";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;

before(async () => {
  ({ emulator, dir, env } = await startCliWorld());
});

after(() => stopCliWorld(emulator, dir));

const lastIssued = () => [...emulator.issued.values()].at(-1)!;

describe(`CLI on ${RUNTIME}: credential-process's cache`, () => {
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

  it("a hit prints only the fields of a credential_process document, and an invalid one is a miss", async () => {
    const cacheEnv = { ...env, OIDC2AWS_CACHE_DIR: join(dir, "cache-fields") };
    const first = await runCli(["credential-process", "--profile", "audit"], { env: cacheEnv });
    assert.equal(first.code, 0, first.stderr);
    const [name] = await readdir(cacheEnv.OIDC2AWS_CACHE_DIR);
    const file = join(cacheEnv.OIDC2AWS_CACHE_DIR, name);
    const entry = JSON.parse(await readFile(file, "utf8"));
    const served = async (value: unknown) => {
      await writeFile(file, JSON.stringify(value));
      await chmod(file, 0o600);
      const before = emulator.count("sts");
      const run = await runCli(["credential-process", "--profile", "audit"], { env: cacheEnv });
      assert.equal(run.code, 0, run.stderr);
      return { hit: emulator.count("sts") === before, printed: JSON.parse(run.stdout) };
    };
    // Extra keys are not printed: the hit prints what a miss prints, byte for byte.
    const extra = await served({ ...entry, Injected: "x", credential_process: "sh -c evil", Version: 1 });
    assert.equal(extra.hit, true);
    assert.deepEqual(Object.keys(extra.printed), Object.keys(JSON.parse(first.stdout)));
    // Invalid values: a miss each, and what is printed is the fresh answer's.
    const invalid: Array<[string, Record<string, unknown>]> = [
      ["a bare year as Expiration", { Expiration: "9999" }],
      ["an Expiration that is not ISO 8601 UTC", { Expiration: "Fri, 31 Dec 2100 00:00:00 GMT" }],
      ["an Expiration past any STS session (12 h)", { Expiration: "9999-12-31T23:59:59Z" }],
      ["an AccountId that is not 12 digits", { AccountId: "12345" }],
      ["a number as AccessKeyId", { AccessKeyId: 12 }],
      ["an AccessKeyId with a line break", { AccessKeyId: "ASIA\nX" }],
      ["an empty SessionToken", { SessionToken: "" }],
    ];
    for (const [what, change] of invalid) {
      const result = await served({ ...entry, ...change });
      assert.equal(result.hit, false, `${what}: a miss`);
      assert.notEqual(result.printed.Expiration, "9999", what);
      assert.ok(Date.parse(result.printed.Expiration) - Date.now() < 13 * 3600_000, what);
    }
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
