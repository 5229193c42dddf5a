/**
 * How credentials leave the process: `credential_process` JSON, environment variables in several
 * shell dialects, and GitHub Actions' `$GITHUB_ENV` file. Pure functions; every value is quoted so
 * that no value can run code or define another variable.
 *
 * @module
 */
import type { Credentials } from "../lib/credentials.ts";
import { isoTime } from "./credential_json.ts";

// credential-process's document is in ./credential_json.ts: the common run loads only that, and the
// formats below only when a command prints them.
export { credentialProcessJson, isoTime } from "./credential_json.ts";

/** The variables an AWS SDK or CLI reads, in the order they are written. */
export type Variables = Array<[name: string, value: string]>;

/** `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`, `AWS_ACCOUNT_ID`, and the region when known. */
export function credentialVariables(credentials: Credentials, region?: string): Variables {
  const variables: Variables = [
    ["AWS_ACCESS_KEY_ID", credentials.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey],
    ["AWS_SESSION_TOKEN", credentials.sessionToken],
    ["AWS_CREDENTIAL_EXPIRATION", isoTime(credentials.expiration)],
    ["AWS_ACCOUNT_ID", credentials.accountId],
  ];
  if (region) variables.push(["AWS_REGION", region], ["AWS_DEFAULT_REGION", region]);
  return variables;
}

/** The output formats of {@linkcode formatVariables}. */
export type VariableFormat = "sh" | "fish" | "powershell" | "dotenv" | "json";

/**
 * Variables as statements of a shell (or a dotenv file, or JSON), each value quoted for that dialect.
 *
 * @example
 * ```ts
 * import { formatVariables } from "./output.ts";
 * console.log(formatVariables([["A", "it's"]], "sh")); // "export A='it'\\''s'\n"
 * ```
 */
export function formatVariables(variables: Variables, format: VariableFormat): string {
  if (format === "json") return `${JSON.stringify(Object.fromEntries(variables), null, 2)}\n`;
  const line = ([name, value]: [string, string]): string => {
    switch (format) {
      case "sh":
        return `export ${name}='${value.replaceAll("'", `'\\''`)}'`;
      case "fish":
        return `set -gx ${name} '${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
      case "powershell":
        // PowerShell also ends single-quoted strings at typographic quotes: double every kind.
        return `$env:${name} = '${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
      case "dotenv":
        return /^[\w+/=.:@,-]*$/.test(value)
          ? `${name}=${value}`
          : `${name}="${value.replace(/[\\"$`]/g, (c) => `\\${c}`).replace(/\r/g, "\\r").replace(/\n/g, "\\n")}"`;
    }
  };
  return variables.map((variable) => `${line(variable)}\n`).join("");
}

/**
 * What `github-env` writes: `::add-mask::` commands for stdout (one per piece of each secret value
 * between line breaks, as the runner splits them),
 * and `NAME<<DELIMITER` blocks for `$GITHUB_ENV` with a delimiter that occurs in no name or value.
 * See https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#multiline-strings
 */
export function githubEnvOutput(
  variables: Variables,
  masked: readonly string[],
  randomDelimiter: () => string,
): { stdout: string; envFile: string } {
  // The runner reads a line up to \n, \r\n or a lone \r: mask each piece it will see, and the whole value.
  const mask = [...new Set(masked.flatMap((value) => [value, ...value.split(/\r\n|\r|\n/)]))]
    .filter((piece) => piece.trim() !== "" && !/[\r\n]/.test(piece));
  const stdout = mask.map((line) => `::add-mask::${line}\n`).join("");
  let envFile = "";
  for (const [name, value] of variables) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid variable name ${JSON.stringify(name)}`);
    let delimiter = randomDelimiter();
    while (value.includes(delimiter) || name.includes(delimiter)) delimiter = randomDelimiter();
    envFile += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return { stdout, envFile };
}
