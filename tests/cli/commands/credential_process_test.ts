// credential-process: the JSON the AWS SDKs and CLI read from a credential_process command.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fromProcess } from "@aws-sdk/credential-provider-process";
import type { Emulator } from "../../../emulator/mod.ts";
import { runCli, RUNTIME } from "../../_cli.ts";
import { startCliWorld, stopCliWorld } from "../_setup.ts";

let emulator: Emulator;
let dir: string;
let configFile: string;
let env: Record<string, string>;

before(async () => {
  ({ emulator, dir, configFile, env } = await startCliWorld());
});

after(() => stopCliWorld(emulator, dir));

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
    const command = [...(await import("../../_cli.ts")).cliCommand()].map((part) => `'${part}'`).join(" ");
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
});
