/**
 * The entry of the oidc2aws GitHub Action (`uses: oidc2aws/oidc2aws@v0`), built into action/index.js
 * (scripts/build_action.mjs), the file action.yml's `runs.main` names. One file is two programs:
 *
 * - the action, when started without arguments, as the runner starts `main`: it reads the `INPUT_*`
 *   variables and runs the single-role mode (role-to-assume, ./single_role.ts) or the config-file
 *   mode (./profiles.ts);
 * - the oidc2aws CLI, when started with arguments, as the `credential_process` lines of the config
 *   it writes run it: `node index.js --config-file FILE credential-process --profile NAME`, where a
 *   leading `--config-file FILE` sets `AWS_CONFIG_FILE` for that run.
 *
 * The action runs on Node only (`runs.using: node24`), so this file may use `process` directly.
 *
 * @module
 */
import { createRuntime, type Runtime } from "../lib/_runtime/mod.ts";
import { CliError, Oidc2AwsError } from "../lib/errors.ts";
import { runCli, scrub } from "../cli/main.ts";
import { escapeData, input, type MutableEnv, StepOutput } from "./runner.ts";
import { INPUTS, modeOf, translateEnvInputs } from "./inputs.ts";
import { actionTimeout, applyProxyInputs } from "./shared.ts";
import { CONFIG_FILE_ARG, runProfiles } from "./profiles.ts";
import { runSingleRole } from "./single_role.ts";

interface NodeProcess {
  execPath: string;
  exit(code: number): never;
}
const nodeProcess = (globalThis as unknown as { process: NodeProcess }).process;

/** Runs the action (`entry`: the URL of the file the runner started); resolves its exit code. Every failure is one
 * `::error::` line. */
export async function runAction(runtime: Runtime, entry: string): Promise<number> {
  const env = runtime.env as MutableEnv;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (!env.GITHUB_ENV || !env.GITHUB_OUTPUT) {
      throw new CliError(
        "ERR_USAGE",
        "$GITHUB_ENV or $GITHUB_OUTPUT is not set: this action runs as a step of a GitHub Actions job " +
          "(uses: oidc2aws/oidc2aws@v0); elsewhere, use the oidc2aws CLI (oidc2aws env, exec or credential-process)",
      );
    }
    if (!input(env, "config-file") && !input(env, "config")) translateEnvInputs(env);
    const mode = modeOf(env);
    for (const [name, rule] of Object.entries(INPUTS)) {
      if (rule.harmless && input(env, name) !== "") {
        runtime.write("stdout", `${name}: no effect here: ${rule.harmless}\n`);
      }
    }
    applyProxyInputs(env);
    const timeout = actionTimeout(env);
    if (timeout > 0) {
      timer = setTimeout(() => {
        runtime.write("stdout", `::error::action-timeout-s: the action did not finish within ${timeout} s\n`);
        nodeProcess.exit(1);
      }, timeout * 1000);
    }
    const step = new StepOutput();
    if (mode === "role") await runSingleRole(runtime, step);
    else await runProfiles(runtime, step, [nodeProcess.execPath, await filePath(entry)]);
    return 0;
  } catch (err) {
    runtime.write("stdout", `::error::${escapeData(scrub(describe(err), env))}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  if (err instanceof Oidc2AwsError) return `${err.code}: ${err.message}`;
  return `ERR_UNEXPECTED: ${
    (err as Error)?.message ?? err
  }. Set the secret ACTIONS_STEP_DEBUG or rerun with debug logging and report it`;
}

/** The CLI, for the `credential_process` lines: a leading `--config-file FILE` becomes `AWS_CONFIG_FILE`. */
export function runAsCli(runtime: Runtime): Promise<number> {
  let argv = runtime.args;
  if (argv[0] === CONFIG_FILE_ARG && argv.length > 1) {
    (runtime.env as MutableEnv).AWS_CONFIG_FILE = argv[1];
    argv = argv.slice(2);
  }
  return runCli(argv, runtime);
}

/** A `file:` URL's path (node:url is loaded here only: the CLI's runs never need it). */
async function filePath(url: string): Promise<string> {
  // @ts-ignore: action/ is type-checked without runtime types (the action runs on Node, which has it)
  const { fileURLToPath } = await import("node:url") as { fileURLToPath(url: string): string };
  return fileURLToPath(url);
}

/** Starts the action or the CLI: the runner starts `main` with no arguments. `entry`: the file's URL. */
export async function main(entry: string): Promise<void> {
  const runtime = await createRuntime();
  runtime.setExitCode(runtime.args.length ? await runAsCli(runtime) : await runAction(runtime, entry));
}
