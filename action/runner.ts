/**
 * The GitHub Actions runner protocol, the little of it the action uses: inputs in `INPUT_<NAME>`
 * variables, `::add-mask::` and `::error::` lines on stdout, `NAME<<DELIMITER` blocks appended to
 * `$GITHUB_ENV` and `$GITHUB_OUTPUT`. No `@actions/*` package: these few rules are all of it.
 * See https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
 *
 * @module
 */
import { CliError, isPermissionDenied, Oidc2AwsError } from "../lib/errors.ts";
import type { Runtime } from "../lib/_runtime/mod.ts";
import { githubEnvOutput, type Variables } from "../cli/output.ts";

/** The process environment, which the action changes for itself (proxies, translated inputs) on Node. */
export type MutableEnv = Record<string, string | undefined>;

/**
 * An input's value as the runner passes it: `INPUT_` + the name upper-cased with spaces as `_`
 * (hyphens kept), trimmed; `""` when not given.
 */
export function input(env: Runtime["env"], name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/** A boolean input in the YAML 1.2 core schema (`true | True | TRUE | false | False | FALSE`), as `@actions/core` reads it. */
export function booleanInput(env: Runtime["env"], name: string, fallback: boolean): boolean {
  const value = input(env, name);
  if (value === "") return fallback;
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  throw new CliError("ERR_USAGE", `Input ${name} is ${JSON.stringify(value)}: use true or false`);
}

/** A list input: one item per line (commas too, for `managed-session-policies: a,b`), blank lines dropped. */
export function listInput(env: Runtime["env"], name: string, separators: RegExp = /\r?\n/): string[] {
  return input(env, name).split(separators).map((item) => item.trim()).filter((item) => item !== "");
}

/** A command's data as the runner reads it: `%`, CR and LF escaped so that a message stays one command. */
export function escapeData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/**
 * Blocks for `$GITHUB_OUTPUT` (or `$GITHUB_ENV`): `NAME<<DELIMITER`, the value, the delimiter, with
 * a random delimiter that occurs in no name or value.
 */
export function fileBlocks(pairs: Variables): string {
  let text = "";
  for (const [name, value] of pairs) {
    let delimiter = randomDelimiter();
    while (value.includes(delimiter) || name.includes(delimiter)) delimiter = randomDelimiter();
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return text;
}

/** What one run of the action hands the runner: masks first, then env vars and outputs. */
export class StepOutput {
  readonly #masks: string[] = [];
  readonly #env: Variables = [];
  readonly #outputs: Variables = [];

  /** Values the runner hides in every later line of the job's log. */
  mask(...values: string[]): void {
    this.#masks.push(...values.filter((value) => value !== ""));
  }

  /** A variable for the steps that follow (`$GITHUB_ENV`). */
  exportVariable(name: string, value: string): void {
    this.#env.push([name, value]);
  }

  /** A step output (`$GITHUB_OUTPUT`), read as `steps.<id>.outputs.<name>`. */
  setOutput(name: string, value: string): void {
    this.#outputs.push([name, value]);
  }

  /**
   * Writes the masks to stdout, then appends the variables to `$GITHUB_ENV` and the outputs to
   * `$GITHUB_OUTPUT`: a secret is masked before any file that holds it is written.
   */
  async flush(runtime: Runtime): Promise<void> {
    const { stdout, envFile } = githubEnvOutput(this.#env, this.#masks, randomDelimiter);
    runtime.write("stdout", stdout);
    if (this.#env.length) await appendTo(runtime, "GITHUB_ENV", envFile);
    if (this.#outputs.length) await appendTo(runtime, "GITHUB_OUTPUT", fileBlocks(this.#outputs));
  }
}

/** Appends to the file a runner variable names; a clear error when it is unset or cannot be written. */
async function appendTo(runtime: Runtime, variable: "GITHUB_ENV" | "GITHUB_OUTPUT", text: string): Promise<void> {
  const file = runtime.env[variable];
  if (!file) {
    throw new CliError(
      "ERR_USAGE",
      `$${variable} is not set: this action runs as a step of a GitHub Actions job (uses: oidc2aws/oidc2aws@v0); ` +
        "elsewhere, use the oidc2aws CLI (oidc2aws env, exec or credential-process)",
    );
  }
  await runtime.fs.append(file, text).catch((cause) => {
    if (cause instanceof Oidc2AwsError || isPermissionDenied(cause)) throw cause;
    throw new CliError(
      "ERR_WRITE",
      `Cannot append to $${variable} (${file}): ${(cause as Error)?.message ?? cause}; the runner sets it to a ` +
        "file the job can write: do not override it",
      { cause },
    );
  });
}

/** A delimiter as the runner's own toolkit makes them: `ghadelimiter_` and 32 random hex digits. */
export function randomDelimiter(): string {
  return `ghadelimiter_${randomHex(16)}`;
}

/** `bytes` random bytes as hex. */
export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}
