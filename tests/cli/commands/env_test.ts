// env: the credentials as shell (sh, fish, PowerShell), dotenv or JSON variable assignments.
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

describe(`CLI on ${RUNTIME}: env`, () => {
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
});
