// Token file paths are judged by what they are: a path is read, whatever it looks like. The guess of
// lib/_redact.ts about secrets (a long run of mixed-case letters and digits) only ever decides how a
// value is shown in a message; runner paths with mixed-case repository names and digits are paths.
// Only behaviour is asserted (the file is read, the token comes back, the error code), not how a
// message displays a path, which is lib/_redact.ts's to decide.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { detectTokenSource, getToken, Oidc2AwsError, PermissionError, resolveProfile } from "../../../mod.ts";
import { type Emulator, startEmulator } from "../../../emulator/mod.ts";
import { fakeJwt } from "../../_helpers.ts";
import { webIdentity } from "../../_profile.ts";
import { runCli, RUNTIME } from "../../_cli.ts";

const TOKEN = fakeJwt({ sub: "repo:octo-org/octo-repo:ref:refs/heads/main", aud: "sts.amazonaws.com" });
const ROLE = "arn:aws:iam::123456789012:role/deploy";

/** Where CI runners keep a checkout, a temp file, a secret mount: mixed case, digits, long names. */
const RUNNER_PATHS = [
  "/home/runner/work/MyService2/MyService2/token",
  "/home/runner/work/AcmeCorpPaymentsGateway2024/AcmeCorpPaymentsGateway2024/.github/oidc/token",
  "/home/runner/work/_temp/5f3A9c2B7d1E4f6A8b0C/oidc-token",
  "/Users/runner/work/iOSApp2Backend/iOSApp2Backend/build/token",
  "D:\\a\\MyService2\\MyService2\\token",
  "/builds/Platform2Team/InfraModules2025/token.jwt",
  "/var/lib/buildkite-agent/builds/ip-10-0-1-23/AcmeOrg2/DeployPipeline3/token",
  "./MyService2Deploy/Config2024/token",
  "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
];

/** A file system holding the token at `path`, recording what is read. */
function fileSystem(path: string) {
  const reads: string[] = [];
  return {
    reads,
    readFile: (p: string) => (reads.push(p), Promise.resolve(p === path ? `${TOKEN}\n` : undefined)),
  };
}

describe("token file paths: a path is read, whatever it looks like", () => {
  for (const path of RUNNER_PATHS) {
    it(`reads ${path}`, async () => {
      const fs = fileSystem(path);
      assert.equal(await getToken({ type: "file", path }, { readFile: fs.readFile }), TOKEN);
      assert.deepEqual(fs.reads, [path]);
    });

    it(`AWS_WEB_IDENTITY_TOKEN_FILE=${path}: resolved, detected by auto, read`, async () => {
      const fs = fileSystem(path);
      const env = { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: path, AWS_CONFIG_FILE: "" };
      const profile = webIdentity(await resolveProfile({ env, readFile: fs.readFile }));
      assert.deepEqual(profile.token, { type: "file", path });
      assert.deepEqual(await detectTokenSource(env), { type: "file", path });
      assert.equal(await getToken(profile.token, { env, readFile: fs.readFile }), TOKEN);
    });

    it(`a missing ${path} is looked for, then ERR_TOKEN_UNAVAILABLE`, async () => {
      const fs = fileSystem("/elsewhere");
      await assert.rejects(getToken({ type: "file", path }, { readFile: fs.readFile }), (err: unknown) => {
        assert.ok(err instanceof Oidc2AwsError, String(err));
        assert.equal(err.code, "ERR_TOKEN_UNAVAILABLE");
        assert.match(err.message, /does not exist/);
        return true;
      });
      assert.deepEqual(fs.reads, [path]);
    });
  }

  it("a token pasted where the path belongs is looked for as a path, and never shown", async () => {
    const fs = fileSystem("/elsewhere");
    await assert.rejects(getToken({ type: "file", path: TOKEN }, { readFile: fs.readFile }), (err: unknown) => {
      assert.ok(err instanceof Oidc2AwsError, String(err));
      assert.equal(err.code, "ERR_TOKEN_UNAVAILABLE");
      assert.ok(!err.message.includes(TOKEN), err.message);
      return true;
    });
    assert.deepEqual(fs.reads, [TOKEN]);
  });

  it("a reader's error that quotes a pasted token (name too long, Deno's permission) does not show it", async () => {
    const failures = [
      Object.assign(new Error(`ENAMETOOLONG: name too long, open '${TOKEN}'`), { code: "ENAMETOOLONG" }),
      new PermissionError(`Deno denied reading ${TOKEN}: run with --allow-read=${TOKEN}`),
    ];
    for (const failure of failures) {
      await assert.rejects(
        getToken({ type: "file", path: TOKEN }, { readFile: () => Promise.reject(failure) }),
        (err: unknown) => {
          assert.ok(err instanceof Oidc2AwsError, String(err));
          assert.equal(err.code, failure instanceof PermissionError ? "ERR_PERMISSION" : "ERR_TOKEN_UNAVAILABLE");
          assert.ok(!err.message.includes(TOKEN), err.message);
          return true;
        },
      );
    }
  });

  it("a reader's permission error about a runner path stays ERR_PERMISSION", async () => {
    const path = RUNNER_PATHS[0];
    const denied = new PermissionError(`Deno denied reading ${path}: run with --allow-read=${path}`);
    await assert.rejects(
      getToken({ type: "file", path }, { readFile: () => Promise.reject(denied) }),
      (err: unknown) => err instanceof PermissionError && err.code === "ERR_PERMISSION",
    );
  });
});

describe(`CLI on ${RUNTIME}: --token-file and AWS_WEB_IDENTITY_TOKEN_FILE with runner paths`, () => {
  let emulator: Emulator;
  let root: string;

  before(async () => {
    emulator = await startEmulator({ roles: { [ROLE]: { sub: "repo:octo-org/*" } } });
    root = await mkdtemp(join(tmpdir(), "oidc2aws-paths-"));
  });
  after(async () => {
    await emulator?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const posixPaths = RUNNER_PATHS.filter((path) => path.startsWith("/"));
  for (const path of posixPaths) {
    it(`assumes the role with the token in <tmp>${path}`, async () => {
      const file = join(root, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, `${await emulator.mintToken()}\n`);
      const env = { AWS_ENDPOINT_URL_STS: emulator.stsUrl, AWS_REGION: "eu-west-1", AWS_CONFIG_FILE: "" };
      const byFlag = await runCli(["credential-process", "--no-cache", "--role-arn", ROLE, "--token-file", file], {
        env,
      });
      assert.equal(byFlag.code, 0, byFlag.stderr);
      // auto (the default) finds the file through AWS_WEB_IDENTITY_TOKEN_FILE.
      const byEnv = await runCli(["credential-process", "--no-cache"], {
        env: { ...env, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: file },
      });
      assert.equal(byEnv.code, 0, byEnv.stderr);
      for (const run of [byFlag, byEnv]) {
        assert.equal(emulator.issued.get(JSON.parse(run.stdout).AccessKeyId)?.roleArn, ROLE);
      }
    });
  }
});
