#!/usr/bin/env node
/**
 * The oidc2aws command line, for Deno (`deno run jsr:@oidc2aws/oidc2aws/cli`), Node (`npx oidc2aws`)
 * and Bun (`bunx oidc2aws`). `oidc2aws --help` lists the commands.
 *
 * @module
 */
import { runCli } from "./lib/cli.ts";
import { createCliSystem } from "./lib/_runtime.ts";

const system = createCliSystem();
system.setExitCode(await runCli(system.args, system));
