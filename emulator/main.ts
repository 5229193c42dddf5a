/**
 * Runs the emulator as its own process:
 *
 * ```sh
 * node --import tsx emulator/main.ts [--port N] [--roles JSON|any] [--bearer B] [--platform NAME]
 * deno run -A emulator/main.ts …
 * bun emulator/main.ts …
 * ```
 *
 * Prints `export NAME='value'` lines to stdout (the process keeps running, so
 * redirect stdout to a file and source that), one "listening" line to stderr,
 * and stops on SIGINT or SIGTERM.
 *
 * `--roles` takes a JSON object of role ARN → `{"sub": pattern, "aud"?: pattern,
 * "maxSessionDuration"?: seconds}`, or `any` to trust every role for every subject.
 *
 * `--platform` (github, gitlab, circleci, bitbucket, buildkite, azure, gcp,
 * terraform, spacelift: each platform's `cliName` in platforms/; default github)
 * prints the env of a job on that platform instead of GitHub's, STS also
 * accepts that platform's default audience, and the demo role trusts its subjects. Tokens printed in env vars (GitLab,
 * CircleCI, Bitbucket, HCP Terraform, Spacelift) are minted at start and expire
 * as that platform's do (an hour for most).
 *
 * @module
 */

import process from "node:process";
import { PLATFORM_AUDIENCES, PLATFORM_EMULATORS, type PlatformEmulator, type RoleTrust, startEmulator } from "./mod.ts";

/** Demo roles: one any-ref role for the default project, one for a GitHub prod environment only. */
function demoRoles(platform: PlatformEmulator): Record<string, RoleTrust> {
  return {
    "arn:aws:iam::123456789012:role/oidc2aws-demo": platform.id === "GitHub"
      ? { sub: platform.demoSubject, aud: "sts.amazonaws.com" }
      : { sub: platform.demoSubject },
    "arn:aws:iam::123456789012:role/oidc2aws-prod": {
      sub: "repo:octo-org/octo-repo:environment:prod",
      maxSessionDuration: 43200,
    },
  };
}

/** The `--platform` names, in the registry's order. */
const NAMES = PLATFORM_EMULATORS.map((p) => p.cliName);

const USAGE = `usage: main.ts [--port N] [--roles JSON|any] [--bearer B] [--platform ${NAMES.join("|")}]`;

interface Args {
  port: number;
  roles: Record<string, RoleTrust> | undefined | "demo";
  bearer?: string;
  platform: PlatformEmulator;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { port: 0, roles: "demo", platform: PLATFORM_EMULATORS[0] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=")
      ? argv[i].split(/=(.*)/s)
      : [argv[i], undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === "--port") {
      args.port = Number(value());
      if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
        throw new Error(`--port must be 0–65535\n${USAGE}`);
      }
    } else if (flag === "--roles") {
      const text = value();
      if (text === "any") args.roles = undefined;
      else {
        const roles = JSON.parse(text);
        if (typeof roles !== "object" || roles === null || Array.isArray(roles)) {
          throw new Error(`--roles must be a JSON object\n${USAGE}`);
        }
        args.roles = roles;
      }
    } else if (flag === "--bearer") {
      args.bearer = value();
    } else if (flag === "--platform") {
      const name = value();
      const platform = PLATFORM_EMULATORS.find((p) => p.cliName === name);
      if (!platform) throw new Error(`--platform must be one of ${NAMES.join(", ")}\n${USAGE}`);
      args.platform = platform;
    } else if (flag === "--help" || flag === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const roles = args.roles === "demo" ? demoRoles(args.platform) : args.roles;
  const emulator = await startEmulator({
    port: args.port,
    roles,
    bearer: args.bearer,
    audiences: [...new Set(["sts.amazonaws.com", PLATFORM_AUDIENCES[args.platform.id]])],
  });
  const env: Record<string, string> = await emulator.envFor(args.platform.id);
  const firstRole = Object.keys(roles ?? {})[0];
  if (firstRole) env.AWS_ROLE_ARN = firstRole;
  // Handlers first: whoever reads the env (a test, a script) may signal the process at once. Then the
  // env in one write (one pipe read for the reader), then the "listening" line.
  const shutdown = (): void => {
    emulator.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  process.stdout.write(Object.entries(env).map(([name, value]) => `export ${name}=${quote(value)}\n`).join(""));
  process.stderr.write(
    `oidc2aws emulator listening on ${emulator.url} (${
      roles ? `${Object.keys(roles).length} roles` : "any role"
    }, ${args.platform.cliName} job env)\n`,
  );
}

await main();
