// In-process measurements of the npm build (Node, Bun); see _inproc.js.
import process from "node:process";
import * as mod from "../../dist/mod.js";
import { measure } from "./_inproc.js";

const env = { ...process.env };
const latencyEnv = JSON.parse(env.BENCH_LATENCY_ENV);
process.stdout.write(
  `${JSON.stringify(await measure(mod, { quick: process.argv.includes("--quick"), env, latencyEnv }))}\n`,
);
