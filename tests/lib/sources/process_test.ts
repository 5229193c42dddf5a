// web_identity_token_process = COMMAND: a command (run without a shell) that prints the token.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { inspect } from "node:util";
import { getToken } from "../../../mod.ts";
import { sourceHost, TOKEN } from "./_sources.ts";

describe("process: getToken", () => {
  const host = sourceHost();

  it("process: runs the command without a shell and takes what it prints", async () => {
    const calls: Array<{ command: string; args: string[] }> = [];
    const runCommand = (command: string, args: string[]) => {
      calls.push({ command, args });
      return Promise.resolve({ code: 0, stdout: `${TOKEN}\n`, stderr: "", timedOut: false });
    };
    assert.equal(
      await getToken({ type: "process", command: ["buildkite-agent", "oidc", "request-token", "--audience", "a b"] }, {
        ...host({}),
        runCommand,
      }),
      TOKEN,
    );
    assert.deepEqual(calls, [{ command: "buildkite-agent", args: ["oidc", "request-token", "--audience", "a b"] }]);
    const failing = () =>
      Promise.resolve({ code: 3, stdout: "", stderr: `error: not in a job (token ${TOKEN})\n`, timedOut: false });
    await assert.rejects(
      getToken({ type: "process", command: ["tok"] }, { ...host({}), runCommand: failing }),
      (err: Error & { code: string }) =>
        err.code === "ERR_TOKEN_UNAVAILABLE" &&
        /"tok" exited with code 3: error: not in a job \(token <redacted>\)/.test(err.message) &&
        !err.message.includes(TOKEN),
    );
    const slow = () => Promise.resolve({ code: null, stdout: "", stderr: "", timedOut: true });
    await assert.rejects(getToken({ type: "process", command: ["tok"] }, { ...host({}), runCommand: slow }), {
      code: "ERR_TOKEN_UNAVAILABLE",
      message: /^The token command "tok" did not finish within \d+ ms: it must print the OIDC token and exit$/,
    });
  });

  it("process: a real command on this machine (the runtime's child_process, no shell)", async () => {
    const token = await getToken(
      { type: "process", command: ["node", "-e", `console.log(${JSON.stringify(TOKEN)})`] },
      host({ PATH: process.env.PATH ?? "" }),
    );
    assert.equal(token, TOKEN);
    await assert.rejects(
      getToken({ type: "process", command: ["no-such-oidc2aws-command"] }, host({ PATH: process.env.PATH ?? "" })),
      {
        code: "ERR_TOKEN_UNAVAILABLE",
        message: /command not found/,
      },
    );
  });
});

describe("getToken: token commands that misbehave (real processes)", () => {
  const PATH = process.env.PATH ?? "";
  const gone = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };

  it("a command that ignores SIGTERM is stopped at the deadline, its whole process group too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "oidc2aws-proc-"));
    try {
      const pidFile = join(dir, "pid");
      const script = `echo $$ > '${pidFile}'; trap '' TERM; sleep 30 & while :; do sleep 1; done`;
      const started = Date.now();
      await assert.rejects(
        getToken({ type: "process", command: ["sh", "-c", script] }, {
          env: { PATH },
          retry: { totalTimeoutMs: 600, attemptTimeoutMs: 600, baseDelayMs: 1 },
        }),
        (err: Error & { code?: string }) =>
          err.code === "ERR_TOKEN_UNAVAILABLE" && /did not finish within \d+ ms/.test(err.message),
      );
      // Without the group kill this would wait for the 30 s sleep, or forever.
      assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
      const pid = Number((await readFile(pidFile, "utf8")).trim());
      for (let waited = 0; !gone(pid) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.ok(gone(pid), "the command was killed (SIGKILL after SIGTERM was ignored)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a command that exits but leaves a child holding stdout: its token is read, the child stopped", async () => {
    const started = Date.now();
    const token = await getToken({ type: "process", command: ["sh", "-c", `sleep 30 & echo ${TOKEN}`] }, {
      env: { PATH },
    });
    assert.equal(token, TOKEN);
    assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms, not after the child's 30 s`);
  });

  it("neither the job's secrets a command echoes, nor a token pasted as the command, reach the error", async () => {
    const bearer = "plain-bearer-value-0123456789";
    const echoing = getToken(
      { type: "process", command: ["sh", "-c", `echo "debug: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" >&2; exit 1`] },
      { env: { PATH, ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer } },
    );
    await assert.rejects(echoing, (err: Error & { code?: string }) => {
      assert.equal(err.code, "ERR_TOKEN_UNAVAILABLE");
      assert.match(err.message, /exited with code 1: debug: bearer <redacted>/);
      assert.ok(!inspect(err).includes(bearer));
      return true;
    });
    const pasted = getToken({ type: "process", command: [TOKEN] }, { env: { PATH } });
    await assert.rejects(pasted, (err: Error & { code?: string }) => {
      assert.equal(err.code, "ERR_TOKEN_UNAVAILABLE");
      assert.match(err.message, /Cannot run the token command "<a token, not shown>": command not found/);
      assert.ok(!inspect(err).includes(TOKEN), "nor in the error's cause");
      return true;
    });
  });
});
