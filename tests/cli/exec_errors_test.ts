// exec's error line when the runtime cannot start the command: it names what to fix and never quotes
// the runtime's own message, which may hold the arguments and the environment (credentials included).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../cli/commands/exec.ts";
import type { CommandContext } from "../../cli/main.ts";
import type { Runtime } from "../../lib/_runtime/mod.ts";
import { makeCredentials } from "../../lib/credentials.ts";

const SECRET = "SECRETxMARKq8w2zR4t7y";

/** Runs exec with a runtime whose spawn throws `error`; returns the exit code and stderr. */
async function execFailing(error: Error): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const runtime = {
    env: { PATH: "/bin", INNOCENT: SECRET },
    write: (stream: string, text: string) => void (stream === "stderr" && (stderr += text)),
    spawn: () => Promise.reject(error),
  } as unknown as Runtime;
  const credentials = makeCredentials({
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: SECRET,
    sessionToken: SECRET,
    expiration: new Date(Date.UTC(2099, 0, 1)),
    assumedRoleArn: "arn:aws:sts::123456789012:assumed-role/r/s",
    accountId: "123456789012",
  }, { roleArn: "arn:aws:iam::123456789012:role/r", roleSessionName: "s" });
  const context = {
    args: { exec: ["tool\u2028::warning::x", "arg"], profiles: [] },
    runtime,
    resolve: () => Promise.resolve({ name: "p", region: "eu-west-1" }),
    assume: () => Promise.resolve(credentials),
    log: () => {},
  } as unknown as CommandContext;
  const code = await run(context);
  return { code, stderr };
}

describe("exec: a command the runtime cannot start", () => {
  it("a NUL in an argument or the environment: named, with neither the value nor the runtime's message", async () => {
    const error = Object.assign(
      new TypeError(
        `The argument 'options.env['INNOCENT']' must be a string without null bytes. Received '${SECRET}\0'`,
      ),
      { code: "ERR_INVALID_ARG_VALUE" },
    );
    const { code, stderr } = await execFailing(error);
    assert.equal(code, 126);
    assert.match(stderr, /^oidc2aws: ERR_EXEC: Cannot run .*: an argument or an environment variable holds a NUL/);
    assert.ok(!stderr.includes(SECRET.slice(0, 12)), stderr);
  });

  it("any other failure: its code only, on lines oidc2aws starts", async () => {
    const error = Object.assign(new Error(`spawn failed with env INNOCENT=${SECRET}`), { code: "E2BIG" });
    const { code, stderr } = await execFailing(error);
    assert.equal(code, 126);
    assert.match(stderr, /: it could not be started \(E2BIG\)\n$/);
    assert.ok(!stderr.includes(SECRET.slice(0, 12)), stderr);
    for (const line of stderr.split(/\r\n|[\r\n\u2028\u2029\u0085]/).slice(0, -1)) assert.match(line, /^oidc2aws: /);
  });
});
