#!/usr/bin/env node
/**
 * The oidc2aws command line, for Deno (`deno run jsr:@oidc2aws/oidc2aws/cli`), Node (`npx oidc2aws`)
 * and Bun (`bunx oidc2aws`). `oidc2aws --help` lists the commands.
 *
 * @module
 */
import { runCli } from "./cli/main.ts";
import { createRuntime } from "./lib/_runtime/mod.ts";

const runtime = await createRuntime();
runtime.setExitCode(await runCli(runtime.args, runtime));
