// whoami: the assumed role and the token's claims for each profile, and why a role was refused.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator/mod.ts";
import { runCli, RUNTIME } from "../../_cli.ts";
import { LOCKED, startCliWorld, stopCliWorld } from "../_setup.ts";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;

before(async () => {
  ({ emulator, dir, env } = await startCliWorld());
});

after(() => stopCliWorld(emulator, dir));

const secretsOf = () => [...emulator.issued.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]);

describe(`CLI on ${RUNTIME}: whoami`, () => {
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
