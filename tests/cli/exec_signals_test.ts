// exec behaves like the shell: a child killed by signal N is 128+N (the platform's numbers), a
// command not found is 127 and one that cannot be executed 126, and every catchable signal sent to
// oidc2aws reaches the child, which never outlives us (it used to keep running with the credentials,
// re-parented to init, when SIGQUIT or SIGUSR2 killed oidc2aws). POSIX only: Windows has no signals.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import type { Emulator } from "../../emulator/mod.ts";
import { cliCommand, RUNTIME } from "../_cli.ts";
import { runBounded } from "../_bounded.ts";
import { startCliWorld, stopCliWorld } from "./_setup.ts";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;
const posix = process.platform !== "win32";
const BOUND = { timeout: 30_000 };
const signals = constants.signals as Record<string, number>;

before(async () => {
  ({ emulator, dir, env } = await startCliWorld());
});
after(() => stopCliWorld(emulator, dir));

function cliEnv(): Record<string, string> {
  const merged: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1" };
  if (process.env.DENO_DIR) merged.DENO_DIR = process.env.DENO_DIR;
  return { ...merged, ...env };
}

function exec(command: string[]) {
  const [bin, ...prefix] = cliCommand();
  return runBounded(bin, [...prefix, "exec", "--profile", "deploy", "--", ...command], {
    env: cliEnv(),
    killAfterMs: 10_000,
  });
}

/** Whether a process is still running (signal 0 probes without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`CLI on ${RUNTIME}: exec exits as the shell would`, () => {
  for (const signal of ["SIGSEGV", "SIGABRT", "SIGPIPE", "SIGUSR1", "SIGUSR2", "SIGQUIT", "SIGKILL", "SIGTERM"]) {
    it(`a child killed by ${signal}: 128 + ${signal}'s number on this platform`, BOUND, async (t) => {
      if (!posix) return t.skip("POSIX only");
      // ulimit -c 0: no core file from SEGV, ABRT or QUIT.
      const run = await exec(["sh", "-c", `ulimit -c 0; kill -${signal.slice(3)} $$`]);
      assert.equal(run.hung, false);
      assert.equal(run.code, 128 + signals[signal], run.stderr);
    });
  }

  it("a command not found: 127, and the error line says so", BOUND, async (t) => {
    if (!posix) return t.skip("POSIX only");
    const run = await exec(["no-such-command-oidc2aws"]);
    assert.equal(run.code, 127, run.stderr);
    assert.match(run.stderr, /^oidc2aws: ERR_EXEC: Cannot run "no-such-command-oidc2aws": command not found/m);
  });

  it("a file that is not executable: 126, and the error line says so", BOUND, async (t) => {
    if (!posix) return t.skip("POSIX only");
    const script = join(dir, "not-executable.sh");
    await writeFile(script, "#!/bin/sh\nexit 0\n");
    await chmod(script, 0o644);
    const run = await exec([script]);
    assert.equal(run.code, 126, run.stderr);
    assert.match(run.stderr, /^oidc2aws: ERR_EXEC: Cannot run ".*not-executable\.sh": .*permission/m);
  });

  it("the child's own exit code, 0 to 255, passes through", BOUND, async (t) => {
    if (!posix) return t.skip("POSIX only");
    for (const code of [0, 3, 255]) {
      const run = await exec(["sh", "-c", `exit ${code}`]);
      assert.equal(run.code, code, run.stderr);
    }
  });
});

/** Signals whose default would kill oidc2aws (or that a child may want, SIGWINCH): each must reach the child. */
const FORWARDED = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGPIPE", "SIGWINCH"];

describe(`CLI on ${RUNTIME}: exec forwards every catchable signal`, () => {
  for (const signal of FORWARDED) {
    it(`${signal} sent to oidc2aws reaches the child; oidc2aws waits for it and returns its code`, BOUND, async (t) => {
      if (!posix) return t.skip("POSIX only");
      const name = signal.slice(3);
      const ready = join(dir, `ready-${name}`);
      const got = join(dir, `got-${name}`);
      // The child says it is ready (with its pid), then waits; its trap records the signal and exits 42.
      // It lets go of the pipes it inherited first, so that only oidc2aws holds stderr.
      const script = `exec >/dev/null 2>&1; trap 'echo ${name} > "${got}"; exit 42' ${name}; ` +
        `echo $$ > "${ready}"; while :; do sleep 0.05; done`;
      const [bin, ...prefix] = cliCommand();
      const cli = spawn(bin, [...prefix, "exec", "--profile", "deploy", "--", "sh", "-c", script], {
        env: cliEnv(),
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      cli.stderr!.on("data", (chunk) => (stderr += chunk));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        cli.on("exit", (code, signal) => resolve({ code, signal }))
      );
      let childPid: number | undefined;
      try {
        for (let i = 0; i < 200 && childPid === undefined; i++) {
          childPid = Number(await readFile(ready, "utf8").catch(() => "")) || undefined;
          if (childPid === undefined) await sleep(50);
        }
        assert.ok(childPid, `the child never started; stderr: ${stderr}`);
        // process.kill, not cli.kill: Deno's ChildProcess reports a child it kill()ed as ended by
        // that signal, whatever the child's real exit.
        process.kill(cli.pid!, signal);
        const timer = setTimeout(() => cli.kill("SIGKILL"), 8000);
        const end = await exited;
        clearTimeout(timer);
        assert.deepEqual(end, { code: 42, signal: null }, `oidc2aws ended with ${JSON.stringify(end)}; ${stderr}`);
        assert.equal((await readFile(got, "utf8")).trim(), name);
        assert.equal(alive(childPid), false, "the child is gone");
      } finally {
        for (const pid of [cli.pid, childPid]) {
          try {
            if (pid) process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
    });
  }
});
