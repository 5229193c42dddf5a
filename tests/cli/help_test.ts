// Help and version (cli/help.ts, cli/args.ts, cli/main.ts): `oidc2aws help [COMMAND]`, `COMMAND --help`,
// each command's help naming the flags it takes, and --version/--help answered before anything reads
// the environment (on Deno: with no permission at all).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { checkArgs, type Command, COMMANDS, parseCliArgs } from "../../cli/args.ts";
import { HELP, helpText } from "../../cli/help.ts";
import { runCli as runCliInProcess } from "../../cli/main.ts";
import type { Runtime } from "../../lib/_runtime/mod.ts";
import { VERSION } from "../../mod.ts";
import { runCli, RUNTIME } from "../_cli.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

/** The part of Deno.Command used here (the tests are type-checked with Node's types). */
type DenoCommand = new (command: string, options: {
  args: string[];
  cwd: string;
  env: Record<string, string>;
  clearEnv: boolean;
  stdin: "null";
}) => { output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }> };

/** The long flags named in a help text (the first word of each flag line, and the usage line's). */
function flagsIn(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
}

/** Whether `command` takes `flag`: as a switch, or with a value (one --format takes). */
function takes(command: Command, flag: string): boolean {
  return [[flag], [`${flag}=${flag === "--format" ? "json" : "x"}`]].some((argv) => {
    try {
      const args = parseCliArgs([command, ...argv]);
      checkArgs({ ...args, command, exec: command === "exec" ? ["true"] : [] });
      return true;
    } catch {
      return false;
    }
  });
}

/** Every flag of `oidc2aws --help`. */
const ALL_FLAGS = [...flagsIn(HELP)].filter((f) => f !== "--help" && f !== "--version");

describe(`CLI on ${RUNTIME}: oidc2aws help, COMMAND --help`, () => {
  it("oidc2aws help prints the general help to stdout and exits 0, as --help and -h do", async () => {
    const help = await runCli(["help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.equal(help.stderr, "");
    assert.equal(help.stdout, HELP);
    for (const flag of ["--help", "-h"]) {
      const run = await runCli([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, HELP, flag);
    }
    for (const command of COMMANDS) assert.ok(help.stdout.includes(`  ${command} `), command);
  });

  it("oidc2aws help COMMAND and oidc2aws COMMAND --help print that command's help: usage, flags, an example", async () => {
    for (const command of COMMANDS) {
      const run = await runCli(["help", command]);
      assert.equal(run.code, 0, `${command}: ${run.stderr}`);
      assert.equal(run.stderr, "");
      assert.match(run.stdout, new RegExp(`^oidc2aws ${command}: `), command);
      assert.match(run.stdout, new RegExp(`^Usage: oidc2aws ${command}`, "m"), command);
      assert.match(run.stdout, /^Flags:$/m, command);
      assert.match(
        run.stdout,
        new RegExp(`^Example[^\\n]*:\\n(?:  .*\\n)*?  .*oidc2aws(?:@\\d+\\.\\d+)? ${command}`, "m"),
        command,
      );
      assert.notEqual(run.stdout, HELP);
      for (const argv of [[command, "--help"], [command, "-h"], ["--help", command]]) {
        const same = await runCli(argv);
        assert.equal(same.code, 0, argv.join(" "));
        assert.equal(same.stdout, run.stdout, argv.join(" "));
      }
    }
  });

  it("oidc2aws help with an unknown command is a usage error naming the commands", async () => {
    for (const argv of [["help", "whoamI"], ["help", "nope"], ["nope", "--help"]]) {
      const run = await runCli(argv);
      assert.equal(run.code, 2, argv.join(" "));
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        new RegExp(`^oidc2aws: ERR_USAGE: Unknown command "${argv.find((a) => a !== "help" && a !== "--help")}"`),
      );
      assert.ok(run.stderr.includes(`the commands are ${COMMANDS.join(", ")}`), run.stderr);
    }
    const extra = await runCli(["help", "env", "whoami"]);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /^oidc2aws: ERR_USAGE: Unexpected argument "whoami" after env/);
  });
});

describe("each command's help names exactly the flags it takes", () => {
  for (const command of COMMANDS) {
    it(command, () => {
      const listed = flagsIn(helpText(command));
      listed.delete("--help"); // "Run oidc2aws --help for every command and flag."
      for (const flag of ALL_FLAGS) {
        const taken = takes(command, flag);
        if (listed.has(flag)) assert.ok(taken, `${command}'s help lists ${flag}, which ${command} refuses`);
      }
      for (const flag of listed) assert.ok(ALL_FLAGS.includes(flag), `${command}'s help lists ${flag}, not a flag`);
      // The flags only some commands take, when this one does: its help must say so.
      for (const flag of ALL_FLAGS) {
        const onlySome = COMMANDS.some((other) => !takes(other, flag));
        if (onlySome && takes(command, flag)) assert.ok(listed.has(flag), `${command}'s help omits ${flag}`);
      }
      // The commands that assume a role list where the role and the token come from.
      if (!["doctor", "trust-policy"].includes(command)) {
        for (const flag of ["--profile", "--role-arn", "--token-server", "--token-file", "--region", "--duration"]) {
          assert.ok(listed.has(flag), `${command}'s help omits ${flag}`);
        }
      }
    });
  }

  it("the checker itself notices a flag a command refuses", () => {
    assert.equal(takes("env", "--no-cache"), false);
    assert.equal(takes("credential-process", "--no-cache"), true);
    assert.equal(takes("trust-policy", "--platform"), true);
    assert.equal(takes("whoami", "--platform"), false);
    assert.equal(takes("exec", "--format"), false);
  });
});

describe("--version and --help read nothing of the environment", () => {
  /** A runtime whose environment throws on any read, as Deno's does with no --allow-env. */
  function lockedRuntime() {
    const out = { stdout: "", stderr: "" };
    const env = new Proxy({}, {
      get: (_, name) => {
        throw new Error(`read the environment: ${String(name)}`);
      },
      has: (_, name) => {
        throw new Error(`read the environment: ${String(name)}`);
      },
      ownKeys: () => {
        throw new Error("listed the environment");
      },
    });
    const runtime = {
      name: RUNTIME,
      env,
      args: [],
      platform: "linux",
      write: (stream: "stdout" | "stderr", text: string) => void (out[stream] += text),
    } as unknown as Runtime;
    return { runtime, out };
  }

  for (
    const [argv, expected] of [
      [["--version"], `${VERSION}\n`],
      [["-V", "--debug"], `${VERSION}\n`],
      [["--help"], HELP],
      [["help"], HELP],
      [["help", "exec"], helpText("exec")],
      [["whoami", "--help", "--debug"], helpText("whoami")],
    ] as const
  ) {
    it(`oidc2aws ${argv.join(" ")}`, async () => {
      const { runtime, out } = lockedRuntime();
      const code = await runCliInProcess(argv, runtime);
      assert.equal(out.stderr, "");
      assert.equal(code, 0);
      assert.equal(out.stdout, expected);
    });
  }

  it("while a command does read it (the locked environment is noticed)", async () => {
    const { runtime, out } = lockedRuntime();
    const code = await runCliInProcess(["env", "--role-arn", "arn:aws:iam::123456789012:role/x"], runtime);
    assert.notEqual(code, 0);
    assert.match(out.stderr, /read the environment/);
  });
});

describe("Deno with no permissions at all: --version and --help", () => {
  const DENO_ONLY = { skip: RUNTIME !== "deno" && "Deno only: the other runtimes have no permissions to refuse" };

  /**
   * `deno run` with no permission flag (and --no-prompt: a prompt would be a refusal), through
   * Deno.Command: node:child_process in Deno grants a `deno run` child with no permission flag all
   * of the parent's permissions.
   */
  async function denoRun(script: string, args: string[], env: Record<string, string> = {}) {
    const { Command } = deno as unknown as { Command: DenoCommand };
    const output = await new Command(deno!.execPath(), {
      args: ["run", "--quiet", "--no-prompt", script, ...args],
      cwd: root,
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
      clearEnv: true,
      stdin: "null",
    }).output();
    const text = new TextDecoder();
    return { code: output.code, stdout: text.decode(output.stdout), stderr: text.decode(output.stderr) };
  }

  for (const script of ["cli.ts", "dist/cli.js"]) {
    it(`deno run ${script} --version / -V / --help / help env, with RUNNER_DEBUG=1 set`, DENO_ONLY, async () => {
      const env = { RUNNER_DEBUG: "1" };
      for (const flag of ["--version", "-V"]) {
        const run = await denoRun(script, [flag], env);
        assert.equal(run.stderr, "", flag);
        assert.equal(run.code, 0, flag);
        assert.equal(run.stdout, `${VERSION}\n`);
      }
      const help = await denoRun(script, ["--help"], env);
      assert.equal(help.stderr, "");
      assert.equal(help.code, 0);
      assert.equal(help.stdout, HELP);
      const envHelp = await denoRun(script, ["help", "env"], env);
      assert.equal(envHelp.code, 0, envHelp.stderr);
      assert.equal(envHelp.stdout, helpText("env"));
      // A command still needs its permissions, and says which.
      const refused = await denoRun(script, ["env"], env);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^oidc2aws: ERR_PERMISSION: .*--allow-env/m);
    });
  }
});
