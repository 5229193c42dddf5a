// The CLI never prints a secret outside its one intended credential output: planted secrets are
// driven through every error path, with --debug, and stdout and stderr are scanned.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { type CliRun, runCli, RUNTIME } from "../_cli.ts";

const BEARER = "PLANTED-bearer-7f3a9c2e1b";
const ROLE = "arn:aws:iam::123456789012:role/deploy";
const LOCKED = "arn:aws:iam::123456789012:role/locked";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;
let token: string;
const runs: Array<[string, CliRun]> = [];

before(async () => {
  emulator = await startEmulator({
    bearer: BEARER,
    roles: { [ROLE]: { sub: "repo:octo-org/*" }, [LOCKED]: { sub: "nobody" } },
  });
  dir = await mkdtemp(join(tmpdir(), "oidc2aws-secrets-"));
  token = await emulator.mintToken();
  await writeFile(join(dir, "token"), token);
  env = {
    ...emulator.env,
    AWS_CONFIG_FILE: join(dir, "none"),
    AWS_ROLE_ARN: ROLE,
    AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
    AWS_MAX_ATTEMPTS: "2",
    RUNNER_DEBUG: "1",
    OIDC2AWS_CACHE_DIR: join(dir, "cache"),
  };
});

after(async () => {
  await emulator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every secret this run has seen: the bearer, the planted token, and every credential the emulator issued. */
function secrets(): string[] {
  const issued = [...emulator.issued.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]);
  return [BEARER, token, ...issued];
}

function scan(label: string, text: string) {
  for (const secret of secrets()) {
    for (const piece of [secret, secret.slice(0, 24), secret.slice(-24)]) {
      assert.ok(!text.includes(piece), `${label} shows a secret (${piece.slice(0, 6)}…)`);
    }
  }
}

async function failing(label: string, args: string[], extra: Record<string, string> = {}, expectCode = 1) {
  const run = await runCli(args, { env: { ...env, ...extra } });
  runs.push([label, run]);
  assert.equal(run.code, expectCode, `${label}: ${run.stderr}`);
  assert.match(run.stderr, /^oidc2aws: ERR_\w+: /m, label);
  scan(`${label} stderr`, run.stderr);
  scan(`${label} stdout`, run.stdout);
}

describe(`CLI on ${RUNTIME}: no secret in any error or --debug output`, () => {
  it("token server refusals and broken answers that echo the bearer", async () => {
    emulator.fault("token", {
      status: 401,
      body: `{"message":"bad bearer ${BEARER}"}`,
      contentType: "application/json",
    });
    await failing("401 echoing the bearer", ["credential-process", "--no-cache"]);
    emulator.fault("token", { status: 500, body: `<html>oops ${BEARER}</html>`, times: 2 });
    await failing("500 echoing the bearer", ["env"]);
    emulator.fault("token", { status: 200, body: JSON.stringify({ token: token }), contentType: "application/json" });
    await failing("answer with the token under another key", ["whoami"]);
    emulator.fault("token", { redirect: "http://127.0.0.1:9/steal" });
    await failing("redirect", ["whoami"]);
    await failing("wrong bearer", ["whoami"], { ACTIONS_ID_TOKEN_REQUEST_TOKEN: `${BEARER}-other` });
  });

  it("STS refusals, including messages that echo the token", async () => {
    await failing("AccessDenied with claims", ["whoami", "--role-arn", LOCKED]);
    emulator.fault("sts", { stsError: "ValidationError", message: `bad token ${token}` });
    await failing("STS message echoing the token", ["credential-process", "--no-cache"]);
    emulator.fault("sts", { status: 503, body: `<html>${token}</html>`, contentType: "text/html", times: 2 });
    await failing("HTML page echoing the token", ["env", "--format", "json"]);
    emulator.fault("sts", { truncate: true, times: 2 });
    await failing("truncated answer", ["whoami"]);
  });

  it("configuration errors with secrets pasted where they do not belong", async () => {
    await failing("token pasted as the role ARN", ["whoami", "--role-arn", token], {}, 2);
    await failing("bearer pasted as the session name", ["whoami", "--session-name", `${BEARER} x`], {}, 2);
    await failing("token pasted as the token file", ["whoami", "--token-file", token]);
    await failing("token pasted into the token server value", ["whoami", "--token-server", `${token},X`], {}, 2);
    await failing("token pasted as the region", ["env"], { AWS_REGION: token }, 2);
  });

  it("success paths print credentials only where intended, and nothing on stderr but debug lines", async () => {
    const whoami = await runCli(["whoami", "--role-arn", ROLE, "--token-file", join(dir, "token")], { env });
    assert.equal(whoami.code, 0, whoami.stderr);
    scan("whoami stdout", whoami.stdout);
    scan("whoami stderr", whoami.stderr);
    for (const command of [["credential-process"], ["credential-process"], ["env"]]) {
      const run = await runCli(command, { env });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /^oidc2aws: debug: /);
      scan(`${command[0]} stderr (--debug)`, run.stderr);
    }
    const exec = await runCli(["exec", "--", "sh", "-c", "echo child ran"], { env });
    assert.equal(exec.stdout, "child ran\n");
    scan("exec stderr (--debug)", exec.stderr);
  });

  it("ran every path", () => {
    assert.ok(runs.length >= 14, `${runs.length} error paths`);
  });
});
