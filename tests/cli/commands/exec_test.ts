// exec: runs a command with the role's credentials and returns its exit code.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator/mod.ts";
import { runCli, RUNTIME } from "../../_cli.ts";
import { startCliWorld, stopCliWorld } from "../_setup.ts";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;

before(async () => {
  ({ emulator, dir, env } = await startCliWorld());
});

after(() => stopCliWorld(emulator, dir));

const lastIssued = () => [...emulator.issued.values()].at(-1)!;

describe(`CLI on ${RUNTIME}: exec`, () => {
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
    assert.equal(run.code, 127, "the shell's code for a command not found");
    assert.match(run.stderr, /^oidc2aws: ERR_EXEC: Cannot run "no-such-command-oidc2aws": command not found/);
  });
});
