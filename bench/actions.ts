/**
 * The GitHub Action section: oidc2aws's action (action.yml at the root) and the official one
 * (aws-actions/configure-aws-credentials), each run on Node 24 as the runner runs it: `node main`
 * with its inputs as `INPUT_<NAME>` variables (every input's default from its action.yml, then the
 * step's `with:`), the runner's files ($GITHUB_ENV, $GITHUB_OUTPUT) and the job's token variables.
 *
 * The official action is not in this repository: `--official-action DIR` (default
 * .cache/configure-aws-credentials) names a checkout of it, with its action.yml and dist/index.js
 * (`git clone --depth 1 --branch v6.2.3 https://github.com/aws-actions/configure-aws-credentials
 * .cache/configure-aws-credentials`). Without one, its row says so. Every Node 24 case preloads
 * bench/cases/loopback_guard.mjs: no request leaves loopback.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { ROOT } from "./processes.ts";
import type { ActionSizes } from "./results.ts";

/** The `with:` of the step both actions run: the official action's first README example. */
export const ACTION_INPUTS: Record<string, string> = {
  "role-to-assume": "arn:aws:iam::123456789012:role/oidc2aws-bench",
  "aws-region": "us-east-1",
};

/** The preload that keeps every Node 24 case on loopback. */
export const GUARD: string = join(ROOT, "bench/cases/loopback_guard.mjs");

/** An action ready to run: its `main` file and the INPUT_ variables the runner would set. */
export interface PreparedAction {
  main: string;
  inputs: Record<string, string>;
}

/** The runner's name of an input's variable: `INPUT_` and the name upper-cased, spaces to `_`, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** The INPUT_ variables of a step: every literal default of action.yml, then `with`. */
export function runnerInputs(actionYml: string, step: Record<string, string>): Record<string, string> {
  const inputs = (parse(actionYml)?.inputs ?? {}) as Record<string, { default?: unknown }>;
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const value = spec?.default;
    // An expression default (`${{ github.token }}`) is the runner's to evaluate: left out here.
    if (value !== undefined && !String(value).includes("${{")) env[inputVariable(name)] = String(value);
  }
  for (const [name, value] of Object.entries(step)) env[inputVariable(name)] = value;
  return env;
}

/** The bytes an action's `main` loads before it runs: the file and, recursively, its static relative imports. */
export function bytesLoaded(main: string, seen: Set<string> = new Set()): number {
  if (seen.has(main) || !existsSync(main)) return 0;
  seen.add(main);
  const text = readFileSync(main, "utf8");
  let total = statSync(main).size;
  for (const [, spec] of text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.\.?\/[^"']+)["']/g)) {
    total += bytesLoaded(resolve(dirname(main), spec), seen);
  }
  return total;
}

/** oidc2aws's action, from action.yml at the repository's root; or why it cannot run. */
export async function ours(): Promise<PreparedAction | string> {
  const yml = join(ROOT, "action.yml");
  if (!existsSync(yml)) return "no action.yml at the repository's root";
  const text = await readFile(yml, "utf8");
  const main = parse(text)?.runs?.main;
  if (typeof main !== "string") return "action.yml has no runs.main";
  return { main: join(ROOT, main), inputs: runnerInputs(text, ACTION_INPUTS) };
}

/**
 * The official action, copied from its checkout into `dir` (its dist/index.js is a CommonJS bundle;
 * a package.json beside it says so, as the action's own does); or why it cannot run.
 */
export async function official(checkout: string, dir: string): Promise<PreparedAction & { version: string } | string> {
  const bundle = join(checkout, "dist/index.js");
  const yml = join(checkout, "action.yml");
  if (!existsSync(bundle) || !existsSync(yml)) {
    return `not measured: no checkout of aws-actions/configure-aws-credentials at ${checkout} (see bench/actions.ts)`;
  }
  const target = join(dir, "configure-aws-credentials");
  await mkdir(join(target, "dist"), { recursive: true });
  await copyFile(bundle, join(target, "dist/index.js"));
  await writeFile(join(target, "package.json"), `{"type":"commonjs"}\n`);
  const version = await readFile(join(checkout, "package.json"), "utf8").then(
    (text) => `v${JSON.parse(text).version}`,
    () => "(version unknown)",
  );
  return {
    main: join(target, "dist/index.js"),
    inputs: runnerInputs(await readFile(yml, "utf8"), ACTION_INPUTS),
    version,
  };
}

/**
 * The variables of an action's step: the job's (the token request, the run), the runner's files under
 * `dir`, and the inputs. No AWS_ROLE_ARN or AWS_CONFIG_FILE: a job using an action has neither.
 */
export function actionEnv(
  common: Record<string, string>,
  emulator: Record<string, string>,
  dir: string,
  inputs: Record<string, string>,
): Record<string, string> {
  return {
    PATH: common.PATH,
    HOME: common.HOME,
    NO_COLOR: "1",
    ...emulator,
    GITHUB_ENV: join(dir, "github_env"),
    GITHUB_OUTPUT: join(dir, "github_output"),
    GITHUB_STATE: join(dir, "github_state"),
    GITHUB_PATH: join(dir, "github_path"),
    RUNNER_TEMP: join(dir, "runner_temp"),
    GITHUB_WORKSPACE: join(dir, "workspace"),
    GITHUB_WORKFLOW: "CI",
    GITHUB_ACTION: "aws",
    GITHUB_ACTOR: "octocat",
    GITHUB_SHA: "1fb89d3c35c7b3aa1351011c9af4a8cb77db5718",
    GITHUB_REF: "refs/heads/main",
    RUNNER_OS: "Linux",
    ...inputs,
  };
}

/** The runner's directories and files for the action cases. */
export async function prepareRunnerFiles(dir: string): Promise<void> {
  await mkdir(join(dir, "runner_temp"), { recursive: true });
  await mkdir(join(dir, "workspace"), { recursive: true });
  for (const file of ["github_env", "github_output", "github_state", "github_path"]) {
    await writeFile(join(dir, file), "");
  }
}

/** The bytes each action's `main` loads. */
export function sizes(
  action: PreparedAction | string,
  officialAction: PreparedAction & { version: string } | string,
): ActionSizes {
  return {
    ours: typeof action === "string"
      ? action
      : { file: action.main.slice(ROOT.length), bytes: bytesLoaded(action.main) },
    official: typeof officialAction === "string"
      ? officialAction
      : { version: officialAction.version, bytes: bytesLoaded(officialAction.main) },
  };
}
