// In-process measurements of the library on Deno (JSR's export: dist/mod.js); see _inproc.js.
import * as mod from "../../dist/mod.js";
import { measure } from "./_inproc.js";

const env = Deno.env.toObject();
const latencyEnv = JSON.parse(env.BENCH_LATENCY_ENV);
console.log(JSON.stringify(await measure(mod, { quick: Deno.args.includes("--quick"), env, latencyEnv })));
