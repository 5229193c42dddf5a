/**
 * Runs the emulator as its own process:
 *
 * ```sh
 * node --import tsx emulator/main.ts [--port N] [--roles JSON|any] [--bearer B]
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
 * @module
 */

import process from "node:process";
import { type RoleTrust, startEmulator } from "./mod.ts";

/** Demo roles: one any-ref role for the default repository, one for a prod environment only. */
const DEMO_ROLES: Record<string, RoleTrust> = {
  "arn:aws:iam::123456789012:role/oidc2aws-demo": { sub: "repo:octo-org/octo-repo:*", aud: "sts.amazonaws.com" },
  "arn:aws:iam::123456789012:role/oidc2aws-prod": {
    sub: "repo:octo-org/octo-repo:environment:prod",
    maxSessionDuration: 43200,
  },
};

const USAGE = "usage: main.ts [--port N] [--roles JSON|any] [--bearer B]";

interface Args {
  port: number;
  roles: Record<string, RoleTrust> | undefined;
  bearer?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { port: 0, roles: DEMO_ROLES };
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
  const emulator = await startEmulator({ port: args.port, roles: args.roles, bearer: args.bearer });
  const env: Record<string, string> = { ...emulator.env };
  const firstRole = Object.keys(args.roles ?? {})[0];
  if (firstRole) env.AWS_ROLE_ARN = firstRole;
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  process.stdout.write(Object.entries(env).map(([name, value]) => `export ${name}=${quote(value)}\n`).join(""));
  process.stderr.write(
    `oidc2aws emulator listening on ${emulator.url} (${
      args.roles ? `${Object.keys(args.roles).length} roles` : "any role"
    })\n`,
  );

  const shutdown = (): void => {
    emulator.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

await main();
