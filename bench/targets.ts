/**
 * The benchmark's targets and the met/missed judgement of a run against them: one line per target
 * for the report's "Targets" section.
 *
 * @module
 */
import { MAIN_RUNTIMES, RSS_MEASURED, type Runtime } from "./measure.ts";
import {
  type Case,
  type CaseId,
  caseMs,
  find,
  floorOf,
  importCost,
  LABELS,
  LATENCY_MS,
  type Results,
  rssMb,
} from "./results.ts";
import { fixed, median, ratioInterval } from "./stats.ts";

/** A case within `limit`× the floor of its runtime (ratio of medians from the same run). */
interface FloorTarget {
  name: string;
  id: CaseId;
  runtime: Runtime;
  limit: number;
}

/** The targets, in the report's order. */
export const TARGETS = {
  floor: [
    { name: "CLI", id: "cli", runtime: "node", limit: 1.15 },
    { name: "CLI", id: "cli", runtime: "deno", limit: 1.15 },
    { name: "CLI", id: "cli", runtime: "bun", limit: 1.5 },
    { name: "Library", id: "lib", runtime: "node", limit: 1.1 },
    { name: "Library", id: "lib", runtime: "deno", limit: 1.1 },
    { name: "Library", id: "lib", runtime: "bun", limit: 1.4 },
  ] as FloorTarget[],
  /** The AWS SDK v3 at least this many times the CLI's wall time, on Node. */
  sdkOverCli: 2,
  /** The fresh-process import cost of the library (import − empty process), at most (ms). */
  importMs: { node: 5, deno: 3, bun: 3 } as Record<string, number>,
  /** The CLI's peak RSS, at most this many times the floor's. */
  rssOverFloor: 1.1,
  /** 20 profiles assumed at once within this many times one profile, on every runtime. */
  twentyOverOne: 2,
  /** The npm tarball, at most (bytes). */
  tarballBytes: 40_000,
} as const;

const verdict = (ok: boolean): string => (ok ? "**met**" : "**NOT MET**");

/**
 * The verdict on a ratio of two cases' medians, `at most` (or at least) `limit`: met or NOT MET when
 * the ratio's whole 90% interval (see ratioInterval) is on one side of the limit, undecided when the
 * interval holds it, and the interval's ends after the ratio. A whole-run ratio moves by a few points
 * between runs on a shared machine; a verdict within that noise would flip from run to run.
 */
function ratioVerdict(a: Case, b: Case, limit: number, atMost: boolean): string {
  const { low, high, text } = ratioOf(a, b);
  const met = atMost ? high <= limit : low >= limit;
  const missed = atMost ? low > limit : high < limit;
  const word = met ? "**met**" : missed ? "**NOT MET**" : "**undecided** (within this run's noise)";
  return `${word}, ${text}`;
}

/** The ratio of two cases' medians with its 90% interval (see ratioInterval), and as the report writes it. */
function ratioOf(a: Case, b: Case): { ratio: number; low: number; high: number; text: string } {
  const ratio = caseMs(a) / caseMs(b);
  const [low, high] = ratioInterval(a.runs.map((r) => r.ms), b.runs.map((r) => r.ms));
  return { ratio, low, high, text: `${fixed(ratio, 2)}× (90% interval ${fixed(low, 2)}–${fixed(high, 2)})` };
}

/** One line per target: met, NOT MET, or not measured (and why). */
export function targets(results: Results): string[] {
  const has = (runtime: Runtime) => results.options.runtimes.includes(runtime);
  const lines = TARGETS.floor.filter((t) => has(t.runtime)).map((t) => floorTarget(results, t));
  if (has("node")) lines.push(sdkTarget(results));
  const main = results.options.runtimes.filter((r) => MAIN_RUNTIMES.includes(r));
  for (const runtime of main) lines.push(importTarget(results, runtime));
  if (RSS_MEASURED) { for (const runtime of main) lines.push(rssTarget(results, runtime)); }
  for (const runtime of main) lines.push(concurrencyTarget(results, runtime));
  lines.push(tarballTarget(results));
  for (const runtime of main) {
    const line = checkedYardstick(results, runtime);
    if (line) lines.push(line);
  }
  return lines;
}

/**
 * Not a target: the CLI against the checked floor (bench/cases/floor_checked.js), what oidc2aws's own
 * code costs beyond what a correct credential_process must do; docs/speed.md weighs the targets by it.
 */
function checkedYardstick(results: Results, runtime: Runtime): string | undefined {
  const checked = find(results, runtime, "checked");
  const cli = find(results, runtime, "cli");
  if (!cli || !checked || !Number.isFinite(caseMs(cli) / caseMs(checked))) return undefined;
  return `(not a target) CLI ÷ the checked floor on ${runtime}: ${ratioOf(cli, checked).text}, what oidc2aws's ` +
    "own code costs beyond the checks";
}

function floorTarget(results: Results, { name, id, runtime, limit }: FloorTarget): string {
  const floor = floorOf(results.cases, runtime);
  const c = find(results, runtime, id);
  const ratio = caseMs(c) / caseMs(floor);
  if (!Number.isFinite(ratio)) {
    return `${name} ≤ ${limit}× floor on ${runtime}: not measured (${c?.error ?? "a case failed"})`;
  }
  return `${name} ≤ ${limit}× floor on ${runtime}: ${ratioVerdict(c!, floor!, limit, true)} ` +
    `(${fixed(caseMs(c))} ms vs ${LABELS[floor!.id]} ${fixed(caseMs(floor))} ms)`;
}

function sdkTarget(results: Results): string {
  const limit = TARGETS.sdkOverCli;
  const sdk = find(results, "node", "sdk");
  const cli = find(results, "node", "cli");
  const ratio = caseMs(sdk) / caseMs(cli);
  return Number.isFinite(ratio)
    ? `AWS SDK v3 ≥ ${limit}× the CLI on node: ${ratioVerdict(sdk!, cli!, limit, false)} ` +
      `(${fixed(caseMs(sdk))} ms vs ${fixed(caseMs(cli))} ms)`
    : `AWS SDK v3 ≥ ${limit}× the CLI on node: not measured (a case failed)`;
}

function importTarget(results: Results, runtime: Runtime): string {
  const limit = TARGETS.importMs[runtime];
  const name = `Library import ≤ ${limit} ms on ${runtime}`;
  const cost = importCost(results, runtime);
  const overBaseline = importCost(results, runtime, "emptyModule");
  return Number.isFinite(cost)
    ? `${name}: ${verdict(cost <= limit)}, ${fixed(cost, 2)} ms (fresh process, import − empty process; ` +
      `${fixed(overBaseline, 2)} ms over ${runtime === "node" ? "an empty ES module" : "importing an empty module"})`
    : `${name}: not measured (a case failed)`;
}

function rssTarget(results: Results, runtime: Runtime): string {
  const limit = TARGETS.rssOverFloor;
  const name = `CLI peak RSS ≤ ${limit}× the floor's on ${runtime}`;
  const floor = floorOf(results.cases, runtime);
  const cli = find(results, runtime, "cli");
  const ratio = rssMb(cli) / rssMb(floor);
  return Number.isFinite(ratio)
    ? `${name}: ${verdict(ratio <= limit)}, ${fixed(ratio, 2)}× (${fixed(rssMb(cli))} MB vs ${fixed(rssMb(floor))} MB)`
    : `${name}: not measured (a case failed)`;
}

function concurrencyTarget(results: Results, runtime: Runtime): string {
  const limit = TARGETS.twentyOverOne;
  const r = results.inproc[runtime];
  if (!r || typeof r === "string") return `20 profiles ≤ ${limit}× one on ${runtime}: not measured (${r ?? "skipped"})`;
  const ratio = (who: string, suffix: string) =>
    median(r[`twenty${who}${suffix}Ms`]) / median(r[`one${who}${suffix}Ms`]);
  return `20 profiles ≤ ${limit}× one on ${runtime}: no latency ${verdict(ratio("", "") <= limit)} at ` +
    `${fixed(ratio("", ""), 2)}× (the bare-fetch floor: ${fixed(ratio("Floor", ""), 2)}×, the emulator's CPU bound); ` +
    `with ${LATENCY_MS} ms latency ${verdict(ratio("", "Latency") <= limit)} at ${fixed(ratio("", "Latency"), 2)}× ` +
    `(floor ${fixed(ratio("Floor", "Latency"), 2)}×)`;
}

function tarballTarget({ pack }: Results): string {
  const limit = TARGETS.tarballBytes;
  const name = `npm tarball ≤ ${limit / 1000} kB`;
  return typeof pack === "string"
    ? `${name}: not measured (${pack})`
    : `${name}: ${verdict(pack.size <= limit)}, ${
      fixed(pack.size / 1000, 1)
    } kB (${pack.size} bytes, ${pack.entryCount} files)`;
}
