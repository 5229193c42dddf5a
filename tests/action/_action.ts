// Runs the GitHub Action's entry (action/index.js, as committed) the way the Actions runner does: a
// Node child process with the inputs as INPUT_<NAME> variables (upper case, hyphens kept), fresh
// $GITHUB_ENV and $GITHUB_OUTPUT files, $RUNNER_TEMP, $GITHUB_WORKSPACE as its directory, and the job's
// token request variables. Then reads what the runner would: the workflow commands on stdout
// (::add-mask::, ::error::), the two files by the runner's rules, and the log with the masks applied.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onceAcrossNode, parseGithubEnv } from "../_helpers.ts";

export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url));
/** The file action.yml's `runs.main` names. */
export const ENTRY: string = join(ROOT, "action/index.js");

/**
 * Why the action's end-to-end tests skip in this test run, or false. They run the committed
 * action/index.js on the Node binaries below whatever runtime runs the suite, so one run of them per
 * npm test is enough: the first Node suite's (tests/_helpers.ts onceAcrossNode). On Deno and Bun they
 * skip: the action runs on Node only (its sources' unit tests, runner_test.ts, run everywhere).
 */
export const ACTION_SKIP: string | false =
  (("Deno" in globalThis || "Bun" in globalThis) && "the action runs on Node: these tests run in the Node test run") ||
  onceAcrossNode();

/** A Node binary the action runs on, and its version. */
export interface NodeBinary {
  label: string;
  path: string;
}

/**
 * Node 20 (the `node` on PATH, which runs the test suite on Node) and Node 24 (what action.yml's
 * `using: node24` runs; installed under .cache/ by scripts/node_versions.mjs, not a dependency).
 */
export async function nodeBinaries(): Promise<NodeBinary[]> {
  const script = new URL("../../scripts/node_versions.mjs", import.meta.url).href;
  const { nodeBinary } = (await import(script)) as { nodeBinary(major: number): string };
  return ["node", nodeBinary(24)].map((path) => ({
    path,
    label: `Node ${execFileSync(path, ["--version"], { encoding: "utf8" }).trim()}`,
  }));
}

/** What one step of the action left: exit code, output, and what the runner makes of them. */
export interface StepRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The variables the step exported, parsed from $GITHUB_ENV by the runner's rules. */
  exported: Record<string, string>;
  /** The step's outputs, parsed from $GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** The ::add-mask:: values, in order. */
  masks: string[];
  /** The ::error:: messages, decoded. */
  errors: string[];
  /** stdout and stderr as the job's log shows them: commands removed, every mask replaced by ***. */
  log: string;
  /** The raw text of $GITHUB_ENV. */
  envFile: string;
}

/** A job: its directory (workspace and runner temp) and its environment (the token request variables). */
export interface Job {
  dir: string;
  workspace: string;
  temp: string;
  env: Record<string, string>;
}

/** A job's directories under the system's temp directory, with `env` (e.g. an emulator's) as its environment. */
export async function newJob(env: Record<string, string>): Promise<Job> {
  const dir = await mkdtemp(join(tmpdir(), "oidc2aws-action-"));
  const { mkdir } = await import("node:fs/promises");
  const workspace = join(dir, "workspace");
  const temp = join(dir, "_temp");
  await mkdir(workspace);
  await mkdir(temp);
  return {
    dir,
    workspace,
    temp,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      GITHUB_ACTIONS: "true",
      RUNNER_TEMP: temp,
      GITHUB_WORKSPACE: workspace,
      ...env,
    },
  };
}

let steps = 0;

/** Runs the action as one step of `job`: `inputs` as the runner passes them, `env` the step's own extra variables. */
export async function runStep(
  node: NodeBinary,
  job: Job,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<StepRun> {
  const step = ++steps;
  const envFile = join(job.dir, `env_${step}`);
  const outputFile = join(job.dir, `output_${step}`);
  await writeFile(envFile, "");
  await writeFile(outputFile, "");
  const childEnv: Record<string, string> = { ...job.env, ...env, GITHUB_ENV: envFile, GITHUB_OUTPUT: outputFile };
  for (const [name, value] of Object.entries(inputs)) {
    childEnv[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  }
  const { code, stdout, stderr } = await spawnNode(node.path, [ENTRY], childEnv, job.workspace);
  const envText = await readFile(envFile, "utf8");
  const commands = readCommands(stdout);
  const mask = (text: string) =>
    [...commands.masks].sort((a, b) => b.length - a.length).reduce((t, m) => t.replaceAll(m, "***"), text);
  return {
    code,
    stdout,
    stderr,
    exported: parseGithubEnv(envText),
    outputs: parseGithubEnv(await readFile(outputFile, "utf8")),
    masks: commands.masks,
    errors: commands.errors,
    log: mask(`${commands.log}${stderr}`),
    envFile: envText,
  };
}

/** The workflow commands of a step's stdout, as the runner reads them line by line. */
function readCommands(stdout: string): { masks: string[]; errors: string[]; log: string } {
  const masks: string[] = [];
  const errors: string[] = [];
  let log = "";
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
    if (command?.[1] === "add-mask") masks.push(command[2]);
    else if (command?.[1] === "error") {
      errors.push(command[2].replaceAll("%0D", "\r").replaceAll("%0A", "\n").replaceAll("%25", "%"));
    } else if (line !== "") log += `${line}\n`;
  }
  return { masks, errors, log };
}

/** Runs a Node script; resolves its exit code and output. */
export function spawnNode(
  node: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment of the steps after `runs`: the job's, with what each step exported laid over it, in order. */
export function laterEnv(job: Job, ...runs: StepRun[]): Record<string, string> {
  return Object.assign({}, job.env, ...runs.map((r) => r.exported));
}
