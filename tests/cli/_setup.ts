// The world of the CLI tests (tests/cli/**/*_test.ts): an emulator whose roles trust the default
// GitHub job, a config file with the profiles deploy, audit, locked and broken, and a temporary
// directory for caches and files. Each test file starts its own in `before` and stops it in `after`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";

export const DEPLOY = "arn:aws:iam::123456789012:role/deploy";
export const AUDIT = "arn:aws:iam::210987654321:role/audit";
export const LOCKED = "arn:aws:iam::123456789012:role/prod-only";

/** A running emulator, the directory, the config file in it, and the env that points the CLI at both. */
export interface CliWorld {
  emulator: Emulator;
  dir: string;
  configFile: string;
  env: Record<string, string>;
}

/** Starts the emulator and writes the config file. */
export async function startCliWorld(): Promise<CliWorld> {
  const emulator = await startEmulator({
    roles: {
      [DEPLOY]: { sub: "repo:octo-org/octo-repo:*" },
      [AUDIT]: { sub: "repo:octo-org/*" },
      [LOCKED]: { sub: "repo:octo-org/octo-repo:environment:prod" },
    },
  });
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-cli-"));
    const configFile = join(dir, "aws_config");
    await writeFile(
      configFile,
      [
        "[profile deploy]",
        `role_arn = ${DEPLOY}`,
        "web_identity_token_server = GitHub",
        "region = eu-west-1",
        "[profile audit]",
        `role_arn = ${AUDIT}`,
        "web_identity_token_server = GitHub",
        "[profile locked]",
        `role_arn = ${LOCKED}`,
        "web_identity_token_server = GitHub",
        "[profile broken]",
        "role_arn = not-an-arn",
        "web_identity_token_server = GitHub",
        "",
      ].join("\n"),
    );
    const env: Record<string, string> = {
      ...emulator.env,
      AWS_CONFIG_FILE: configFile,
      OIDC2AWS_CACHE_DIR: join(dir, "cache"),
    };
    delete env.AWS_REGION;
    return { emulator, dir, configFile, env };
  } catch (error) {
    await stopCliWorld(emulator, dir);
    throw error;
  }
}

/** Stops the emulator and removes the directory (either may be missing if `before` failed). */
export async function stopCliWorld(emulator: Emulator | undefined, dir: string | undefined): Promise<void> {
  await emulator?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
