/**
 * What a benchmark run collects (its options, the cases and their runs, the in-process figures, the
 * tarball) and the figures derived from it that both the report and the targets use: a case's
 * median, a runtime's floor, the import cost.
 *
 * @module
 */
import type { InProcess, Pack, Run, Runtime, Young } from "./measure.ts";
import { median } from "./stats.ts";

/** Emulated network latency (ms before every answer) for the second "20 profiles" figure. */
export const LATENCY_MS = 25;

/** The command line of `bench/run.ts`. */
export interface Options {
  quick: boolean;
  runs: number;
  warmup: number;
  runtimes: Runtime[];
  out?: string;
  /** A checkout of aws-actions/configure-aws-credentials (its action.yml and dist/index.js). */
  officialAction: string;
}

/** A fresh-process case. */
export type CaseId =
  | "empty"
  | "emptyModule"
  | "floorFetch"
  | "floorHttp"
  | "checked"
  | "cli"
  | "cliFreshJob"
  | "lib"
  | "sdk"
  | "import"
  | "action"
  | "officialAction";

/** One fresh-process case on one runtime, with its counted runs (or why it was dropped). */
export interface Case {
  runtime: Runtime;
  id: CaseId;
  argv: string[];
  /** What a successful run prints. */
  expect: RegExp;
  /** Its whole environment, instead of the common one (an action's: its inputs and runner files). */
  env?: Record<string, string>;
  /** Variables this case gets on top of the common ones. */
  extraEnv?: Record<string, string>;
  runs: Run[];
  error?: string;
}

/** Each case's label in the report. */
export const LABELS: Record<CaseId, string> = {
  empty: "empty process",
  emptyModule: "import baseline (Node: an empty ES module; Deno, Bun: importing an empty module)",
  floorFetch: "floor: global fetch",
  floorHttp: "floor: node:http",
  checked: "checked floor: the floor plus the config files, time limits, size caps and checks (not oidc2aws)",
  cli: "oidc2aws CLI credential-process --no-cache",
  cliFreshJob: "oidc2aws CLI, as the first run of a fresh CI job (no Bun transpiler cache)",
  lib: "oidc2aws library resolveProfile + assumeRole",
  sdk: "AWS SDK v3 (@aws-sdk/client-sts)",
  import: "import the library only",
  action: "oidc2aws GitHub Action (role-to-assume, aws-region)",
  officialAction: "aws-actions/configure-aws-credentials (same inputs)",
};

/** Everything one run of the benchmark measured. */
export interface Results {
  options: Options;
  /** The report's first lines: machine, runtimes, date, load. */
  machine: string[];
  /** What the harness adds to a run, taken off every case's runs: the median of `true` (ms). */
  harnessMs: number;
  cases: Case[];
  inproc: Partial<Record<Runtime, InProcess | string>>;
  /** Node's young-generation figure of the floor and of the CLI. */
  young: { floor: Young | string; cli: Young | string };
  pack: Pack | string;
  /** The two actions' `main` files: bytes loaded, or why they were not measured. */
  actions: ActionSizes;
}

/** What the GitHub Action section reports on size: the bytes each action's `main` loads. */
export interface ActionSizes {
  ours: { file: string; bytes: number } | string;
  official: { version: string; bytes: number } | string;
}

/** The case `id` on `runtime`, if it ran. */
export function find(results: Results, runtime: Runtime, id: CaseId): Case | undefined {
  return results.cases.find((c) => c.runtime === runtime && c.id === id);
}

/** A case's median wall time (ms); NaN when it has no runs. */
export function caseMs(c?: Case): number {
  return c?.runs.length ? median(c.runs.map((r) => r.ms)) : NaN;
}

/** A case's median peak RSS (MB); NaN when it has none. */
export function rssMb(c?: Case): number {
  const kb = (c?.runs ?? []).map((r) => r.rssKb).filter((k): k is number => k !== undefined);
  return kb.length ? median(kb) / 1024 : NaN;
}

/** The floor of a runtime: the faster (by median) of its two floor scripts. */
export function floorOf(cases: Case[], runtime: Runtime): Case | undefined {
  const floors = cases.filter((c) => c.runtime === runtime && c.id.startsWith("floor") && c.runs.length);
  return floors.sort((a, b) => caseMs(a) - caseMs(b))[0];
}

/**
 * The import cost in a fresh process: median wall time of the import script minus the empty
 * process's (the definition the target uses). On Node an empty process is `node -e 0`. `baseline:
 * "emptyModule"` subtracts the import baseline instead, leaving out what any library import pays:
 * Node's ES module loader start (~3 ms), Bun's module loader start at the first import (~5 ms).
 */
export function importCost(results: Results, runtime: Runtime, baseline: "empty" | "emptyModule" = "empty"): number {
  return caseMs(find(results, runtime, "import")) - caseMs(find(results, runtime, baseline));
}
