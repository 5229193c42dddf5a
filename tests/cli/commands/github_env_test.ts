// github-env: masks the secrets and appends the credentials to $GITHUB_ENV (GitHub Actions only).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator } from "../../../emulator/mod.ts";
import { xmlEscape } from "../../../emulator/_util.ts";
import { runCli, RUNTIME } from "../../_cli.ts";
import { parseGithubEnv, stsSuccessXml } from "../../_helpers.ts";
import { startCliWorld, stopCliWorld } from "../_setup.ts";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;

before(async () => {
  ({ emulator, dir, env } = await startCliWorld());
});

after(() => stopCliWorld(emulator, dir));

const lastIssued = () => [...emulator.issued.values()].at(-1)!;

describe(`CLI on ${RUNTIME}: github-env`, () => {
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

  it("github-env: a hostile STS answer cannot add or change a variable in $GITHUB_ENV, nor print a command", async () => {
    // Values with line breaks, `=`, `<<` and delimiter-like lines, as a compromised endpoint could send:
    // refused as a bad STS answer before anything is written (githubEnvOutput's delimiters are the
    // second wall; tests/cli/output_test.ts checks them with such values).
    const token = "tok\nGITHUB_PATH=/evil\nghadelimiter_0\nNODE_OPTIONS<<EOF\n--require /evil.js\nEOF";
    const secret = "key=with<<angles&\nAWS_REGION=evil";
    const body = stsSuccessXml({ account: "123456789012", session: "s1" })
      .replace("SESSIONTOKEN-do-not-print", xmlEscape(token))
      .replace("SECRETKEY-do-not-print", xmlEscape(secret));
    emulator.fault("sts", { status: 200, body, contentType: "text/xml" });
    const githubEnv = join(dir, "github_env_hostile");
    await writeFile(githubEnv, "");
    const run = await runCli(["github-env", "--profile", "deploy"], { env: { ...env, GITHUB_ENV: githubEnv } });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^oidc2aws: ERR_STS_RESPONSE: .*Credentials\/\w+ that holds spaces or control characters/);
    assert.equal(await readFile(githubEnv, "utf8"), "", "nothing written to $GITHUB_ENV");
    assert.equal(run.stdout, "", "no ::add-mask:: or any other line on stdout");
    for (const line of run.stderr.split("\n").slice(0, -1)) assert.match(line, /^oidc2aws: /);
  });
});
