/**
 * The emulator's lifecycle: URLs and env, stop(), and emulator/main.ts as a process.
 * Runs under Node (tsx), Deno and Bun.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { PLATFORM_AUDIENCES, startEmulator } from "../../emulator/mod.ts";
import { decodeJwt, raw, tokenHeaders } from "./_setup.ts";

describe("lifecycle", () => {
  it("exposes the URLs and a GitHub Actions job's env", async () => {
    await using em = await startEmulator();
    assert.match(em.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(em.tokenUrl, `${em.url}/token?api-version=2.0`);
    assert.equal(em.stsUrl, em.url);
    assert.deepEqual(em.env, {
      GITHUB_ACTIONS: "true",
      ACTIONS_ID_TOKEN_REQUEST_URL: em.tokenUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: em.bearer,
      GITHUB_RUN_ID: em.env.GITHUB_RUN_ID,
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_REPOSITORY: "octo-org/octo-repo",
      AWS_ENDPOINT_URL_STS: em.url,
      AWS_REGION: "us-east-1",
    });
    assert.match(em.env.GITHUB_RUN_ID, /^\d{10}$/);
  });

  it("stop() closes hung and idle connections promptly", async () => {
    const em = await startEmulator();
    await (await fetch(`${em.url}/.well-known/jwks`)).body?.cancel(); // leaves a keep-alive connection
    em.fault("token", { hang: true });
    em.fault("sts", { delayMs: 10_000 });
    const hung = raw(em.tokenUrl, { headers: tokenHeaders(em), timeoutMs: 5000 });
    const delayed = fetch(em.stsUrl, { method: "POST" }).then((r) => r.status, () => "failed");
    for (let waited = 0; em.count() < 3 && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(em.count(), 3);
    await em.stop();
    // Promptly: the hung request ends with a closed connection, long before its own 5 s timeout.
    const answer = await hung;
    assert.ok(answer.error && answer.error !== "timeout", answer.error);
    assert.equal(await delayed, "failed");
    await em.stop(); // idempotent
    await assert.rejects(fetch(em.tokenUrl));
  });

  it("main.ts runs as a process, prints a job's env (--platform picks whose) and stops on SIGTERM", async () => {
    const roles = JSON.stringify({ "arn:aws:iam::111122223333:role/bench": { sub: "repo:octo-org/*" } });
    const github = runMain(["--roles", roles, "--bearer", "b3"], async (env, stderr) => {
      assert.equal(env.AWS_ROLE_ARN, "arn:aws:iam::111122223333:role/bench");
      assert.equal(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, "b3");
      assert.match(env.AWS_ENDPOINT_URL_STS, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(stderr(), /listening on http:\/\/127\.0\.0\.1:\d+/);
      const res = await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`, {
        headers: { authorization: "Bearer b3" },
      });
      const { value } = await res.json();
      await assumeAt(env, value);
    });
    // Another platform: its env, STS accepting its default audience, the demo role trusting its subject.
    const circleci = runMain(["--platform", "circleci"], async (env, stderr) => {
      assert.equal(env.CIRCLECI, "true");
      assert.equal(env.AWS_ROLE_ARN, "arn:aws:iam::123456789012:role/oidc2aws-demo");
      assert.ok(!("GITHUB_ACTIONS" in env));
      assert.equal(decodeJwt(env.CIRCLE_OIDC_TOKEN_V2).claims.aud, PLATFORM_AUDIENCES.CircleCI);
      await assumeAt(env, env.CIRCLE_OIDC_TOKEN_V2);
      assert.match(stderr(), /circleci job env/);
    });
    const refused = runMain(["--platform", "jenkins"], () => Promise.resolve()).then(() => undefined, (e: Error) => e);
    await Promise.all([github, circleci]);
    assert.match((await refused)?.message ?? "started", /exited 2: --platform must be one of github, gitlab/);
  });
});

/**
 * Runs emulator/main.ts on this runtime with `args`, hands `use` the env it printed, then stops it
 * with SIGTERM and expects exit code 0; rejects with the exit code and stderr when it fails to start.
 */
async function runMain(
  args: string[],
  use: (env: Record<string, string>, stderr: () => string) => Promise<void>,
): Promise<void> {
  const main = new URL("../../emulator/main.ts", import.meta.url).pathname;
  const runtime = "Deno" in globalThis ? ["run", "-A", main] : "Bun" in globalThis ? [main] : ["--import", "tsx", main];
  const child = spawn(process.execPath, [...runtime, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let stdout = "";
  let stderr = "";
  try {
    // Started = the whole env on stdout and the "listening" line on stderr (two pipes: either may
    // arrive first). A cold Deno or tsx start compiles the emulator first: allow it 15 s.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`main.ts did not start: ${stderr}`)), 15_000);
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`main.ts exited ${code}: ${stderr}`));
      });
      const check = (): void => {
        if (/^export AWS_ROLE_ARN=.*\n/m.test(stdout) && stderr.includes("listening")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", (chunk) => (stdout += chunk, check()));
      child.stderr!.on("data", (chunk) => (stderr += chunk, check()));
    });
    const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    await use(env, () => stderr);
  } finally {
    // Not child.kill(): Deno then reports (null, "SIGTERM") even when the child handled it and exited 0.
    if (child.exitCode === null) process.kill(child.pid!, "SIGTERM");
  }
  assert.equal(await exited, 0);
}

/** AssumeRoleWithWebIdentity for env.AWS_ROLE_ARN at env.AWS_ENDPOINT_URL_STS; expects 200. */
async function assumeAt(env: Record<string, string>, token: string): Promise<void> {
  const sts = await fetch(env.AWS_ENDPOINT_URL_STS, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: env.AWS_ROLE_ARN,
      RoleSessionName: "bench",
      WebIdentityToken: token,
    }),
  });
  assert.equal(sts.status, 200, await sts.clone().text());
  await sts.body?.cancel();
}
