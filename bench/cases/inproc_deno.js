// In-process measurements of mod.ts on Deno; see _inproc.js.
import * as mod from "../../mod.ts";
import { measure } from "./_inproc.js";

const env = Deno.env.toObject();
const latencyEnv = JSON.parse(env.BENCH_LATENCY_ENV);
console.log(JSON.stringify(await measure(mod, { quick: Deno.args.includes("--quick"), env, latencyEnv })));
