/**
 * The report: bench/RESULTS.md's markdown text from a run's {@link Results}. Its header says how the
 * run was measured, including how it avoids the traps that would skew the figures.
 *
 * @module
 */
import { LEFT_OUT, MAIN_RUNTIMES, RSS_MEASURED, type Runtime, type Young } from "./measure.ts";
import { caseMs, find, floorOf, importCost, LABELS, LATENCY_MS, type Results, rssMb } from "./results.ts";
import { fixed, spread } from "./stats.ts";
import { targets } from "./targets.ts";

/** The whole report, ending in a newline. */
export function report(results: Results): string {
  const sections = [
    ["# oidc2aws benchmark", header(results)],
    ["## Fresh process (wall ms from spawn to exit, less the harness overhead)", freshProcess(results)],
    ["## GitHub Action (Node 24, run as the runner runs it)", actionSection(results)],
    ["## In process", inProcess(results)],
    ["## Young generation (Node, exact)", youngSection(results)],
    ["## npm tarball", [tarball(results)]],
    ["## Targets", targets(results).map((t) => `- ${t}`)],
  ] as const;
  return `${sections.map(([title, lines]) => [title, "", ...lines].join("\n")).join("\n\n")}\n`;
}

function header({ options, machine, harnessMs }: Results): string[] {
  return [
    ...machine.map((m) => `- ${m}`),
    `- ${options.runs} counted runs per fresh-process case after ${options.warmup} warm-up run(s), round-robin: ` +
    `every round runs each case once, in a new shuffled order, so a drift of the machine (absolute times move ` +
    `up to 1.5× within minutes) hits every case alike${options.quick ? " (**--quick**: too few runs to compare)" : ""}`,
    "- figures: median with p25 and p75 (nearest rank) of the counted runs; × floor is the ratio of medians from " +
    "this run: compare ratios, not absolute times across runs",
    `- harness overhead: ${
      fixed(harnessMs, 1)
    } ms, taken off every fresh-process time below: the median of \`true\`, ` +
    "a process that does nothing, run the same way once in every round (spawned from the harness's Node process " +
    `${RSS_MEASURED ? "under /usr/bin/time, " : ""}and its exit seen through the event loop; Python's subprocess ` +
    "with wait4 sees it take ~3 ms). Left in, it added the same milliseconds to every case and pulled every ratio " +
    "toward 1, most where the floor is shortest (Bun's)",
    "- a target on a ratio of two cases gives the ratio's 90% bootstrap interval (rounds resampled, the two runs " +
    "of a round kept together): met or NOT MET when the whole interval is on one side of the limit, undecided " +
    "when it holds the limit. The interval is this run's noise only: on a shared machine a ratio also moves " +
    "between runs (the Node CLI measured 1.15× and 1.20× in two runs half an hour apart, with no change to the code it runs)",
    `- environment of every timed command: only the variables the harness sets (PATH, an empty HOME, the ` +
    `emulator's), never the caller's; ${LEFT_OUT.join(" and ")} are never passed (a CA bundle costs every ` +
    "Node process ~60 ms at start, and oidc2aws's requests more, on a machine that sets them; CI runners don't)",
    "- Deno floor: bench/cases/floor_fetch.js reads `Deno.env` and prints with `console.log` on Deno; touching " +
    "`globalThis.process` would load Deno's Node compatibility layer (~19 ms)",
    "- Node runs its scripts as CommonJS, its cheapest entry: each floor's text in an async function in a `.cjs` " +
    "file (Deno and Bun run the floors as written, ES modules), the library and the SDK as lib_npm.cjs and sdk.cjs " +
    "(the SDK's CommonJS build); the floor starts ~9 ms sooner so on Node 20, ~4 ms on Node 22. oidc2aws's npm bin " +
    "(dist/bin.cjs) is CommonJS too. The import cases stay ES modules (`await import()`)",
    "- Bun caches what its transpiler makes of a file over 50 kB in the HOME (~/.bun/install/cache), which the " +
    'warm-up fills and a fresh CI job does not have: Bun\'s row "as the first run of a fresh CI job" runs the CLI ' +
    "with that cache off (BUN_RUNTIME_TRANSPILER_CACHE_PATH=0). dist/*.js start with `// @bun`, so Bun runs them as " +
    "they stand and the two CLI rows should match",
    `- peak RSS: ${RSS_MEASURED ? "`/usr/bin/time -f %M` (median of the runs)" : "omitted (no /usr/bin/time)"}`,
    "- emulator: its own Node process on 127.0.0.1, no added latency (except where a row says so)",
    "- checked floor: bench/cases/floor_checked.js, the floor plus what a correct credential_process cannot skip " +
    "(both config files read and parsed, the region and role ARN checked, https URLs, a time limit and a size cap " +
    "on each answer, status codes, an STS error told apart, the fields checked) in about 100 plain lines; a " +
    "yardstick for how much of oidc2aws's cost is that rather than its code, not a target",
  ];
}

const escape = (text: string): string => text.replace(/\|/g, "\\|");

function freshProcess(results: Results): string[] {
  const lines = [
    "| runtime | case | median ms | p25 ms | p75 ms | × floor | peak RSS MB |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const runtime of results.options.runtimes) {
    const floor = floorOf(results.cases, runtime);
    for (const c of results.cases.filter((c) => c.runtime === runtime)) {
      const label = `${LABELS[c.id]}${c === floor ? " **(floor)**" : ""}`;
      if (c.error || !c.runs.length) {
        lines.push(`| ${runtime} | ${label} | failed: ${escape(c.error ?? "no runs")} | | | | |`);
        continue;
      }
      const t = spread(c.runs.map((r) => r.ms));
      const rss = rssMb(c);
      lines.push(
        `| ${runtime} | ${label} | ${fixed(t.median)} | ${fixed(t.p25)} | ${fixed(t.p75)} | ` +
          `${fixed(t.median / caseMs(floor), 2)} | ${Number.isFinite(rss) ? fixed(rss) : "—"} |`,
      );
    }
  }
  lines.push(
    "",
    "Commands: Node `node dist/bin.cjs` (npm's bin, what `npx oidc2aws` runs; it loads dist/cli.js with require()), " +
      "Bun `bun dist/bin.cjs` (what `bunx --bun oidc2aws` runs; plain `bunx` follows the `#!/usr/bin/env node` " +
      "line), Deno `deno run --allow-env --allow-net=HOST --allow-read=CONFIG,~/.aws " +
      "dist/cli.js` (what `deno run jsr:@oidc2aws/oidc2aws/cli` runs: JSR's exports are the built files; no type " +
      "check, the module cached by the warm-up). The library and import scripts load dist/mod.js on every runtime " +
      'but Node\'s library script, which loads dist/mod.cjs (what `require("oidc2aws")` loads); ' +
      "the SDK script gets -A on Deno. Node's empty process is `node -e 0`. Every script prints the cheapest way on " +
      "its runtime (see bench/cases/floor_fetch.js). Scripts: bench/cases/.",
  );
  return lines;
}

/** A table row: the median cell, then p25 and p75 (empty cells where a figure has no spread). */
function row(runtime: Runtime, label: string, cells: [string, string?, string?]): string {
  return `| ${runtime} | ${label} | ${cells[0]} | ${cells[1] ?? ""} | ${cells[2] ?? ""} |`;
}

function inProcess(results: Results): string[] {
  const lines = ["| runtime | measurement | median | p25 | p75 |", "|---|---|---:|---:|---:|"];
  for (const runtime of results.options.runtimes.filter((r) => MAIN_RUNTIMES.includes(r))) {
    lines.push(row(runtime, "import the library, fresh process: import − empty process (ms, medians)", [
      fixed(importCost(results, runtime), 2),
    ]));
    lines.push(row(runtime, "import the library, fresh process: import − import baseline (ms, medians)", [
      fixed(importCost(results, runtime, "emptyModule"), 2),
    ]));
    const imports = (find(results, runtime, "import")?.runs ?? [])
      .map((r) => Number(/^import ms ([\d.]+)$/m.exec(r.stdout)?.[1]));
    const s = spread(imports);
    lines.push(row(runtime, "import the library, `await import()` timed inside the process (ms)", [
      fixed(s.median, 2),
      fixed(s.p25, 2),
      fixed(s.p75, 2),
    ]));
    lines.push(...inProcessFigures(results, runtime));
  }
  return lines;
}

/** The rows of bench/cases/_inproc.js's figures on one runtime. */
function inProcessFigures(results: Results, runtime: Runtime): string[] {
  const r = results.inproc[runtime];
  if (r === undefined) return [];
  if (typeof r === "string") return [row(runtime, "in-process figures", [`failed: ${escape(r)}`])];
  const cells = (samples: number[], digits: number): [string, string, string] => {
    const s = spread(samples);
    return [fixed(s.median, digits), fixed(s.p25, digits), fixed(s.p75, digits)];
  };
  const lines = [
    row(runtime, "parseConfig, 1,000-profile file (µs per profile)", cells(r.parseConfigUsPerProfile, 2)),
    row(runtime, "cached fromWebIdentity provider call (ns per call)", cells(r.cachedProviderNsPerCall, 0)),
  ];
  for (const [suffix, note] of [["", "no latency"], ["Latency", `${LATENCY_MS} ms latency per answer`]]) {
    for (const [who, label] of [["", "oidc2aws"], ["Floor", "floor (bare fetch)"]]) {
      const one = spread(r[`one${who}${suffix}Ms`]);
      const twenty = spread(r[`twenty${who}${suffix}Ms`]);
      const pair = (key: "median" | "p25" | "p75") => `${fixed(one[key])} / ${fixed(twenty[key])}`;
      lines.push(
        row(runtime, `${label}, ${note}: 1 profile / 20 at once (ms) → ratio of medians`, [
          `${pair("median")} → **${fixed(twenty.median / one.median, 2)}×**`,
          pair("p25"),
          pair("p75"),
        ]),
      );
    }
  }
  return lines;
}

/** The two actions side by side: bytes `main` loads, and cold start ÷ Node 24's floor. */
function actionSection(results: Results): string[] {
  const { ours, official } = results.actions;
  const floor = floorOf(results.cases, "node24");
  const ratio = (id: "action" | "officialAction" | "cli") => {
    const c = find(results, "node24", id);
    return c?.runs.length
      ? `${fixed(caseMs(c))} ms, ${fixed(caseMs(c) / caseMs(floor), 2)}× the floor`
      : "not measured";
  };
  const bytes = (n: number) => `${n.toLocaleString("en-US")} bytes`;
  return [
    "| | `main` loads | cold start (median) |",
    "|---|---:|---|",
    `| oidc2aws action | ${typeof ours === "string" ? ours : `${bytes(ours.bytes)} (${ours.file})`} | ${
      ratio("action")
    } |`,
    `| configure-aws-credentials ${typeof official === "string" ? "" : official.version} | ${
      typeof official === "string" ? official : bytes(official.bytes)
    } | ${ratio("officialAction")} |`,
    `| oidc2aws CLI credential-process | | ${ratio("cli")} |`,
    "",
    "Both actions run as the runner runs them: `node MAIN` on Node 24 with the step's inputs " +
    "(`role-to-assume`, `aws-region`) and every input's default from the action's action.yml as " +
    "`INPUT_*` variables, `$GITHUB_ENV` and `$GITHUB_OUTPUT` files, and the job's token request " +
    "variables, against the same emulator. Every Node 24 case (the floor too) preloads " +
    "bench/cases/loopback_guard.mjs, which ends a process that connects anywhere but loopback. " +
    "The official action comes from a checkout named by `--official-action` (see bench/actions.ts).",
  ];
}

/**
 * Node's young-generation figure: the bytes a run allocates there, which the same build repeats to
 * the byte, unlike a time; past V8's first threshold (its semi-space, 1 MB on Node 20) a run pays a
 * scavenge, a few ms.
 */
function youngSection({ young }: Results): string[] {
  const cells = (figure: Young | string) =>
    typeof figure === "string"
      ? `failed: ${escape(figure)} | |`
      : `${Math.round(figure.bytes / 1024).toLocaleString("en-US")} | ${figure.scavenges} |`;
  return [
    "| node | kB allocated in V8's young generation | scavenges |",
    "|---|---:|---:|",
    `| floor: node:http | ${cells(young.floor)}`,
    `| oidc2aws CLI credential-process --no-cache | ${cells(young.cli)}`,
    "",
    "Counted with bench/cases/young_generation.mjs preloaded and a young generation too large to fill " +
    "(`--min-semi-space-size=16`: nothing is collected, so the space used at exit is every byte allocated " +
    "there); the scavenges are those of a plain run (`--trace-gc`). The same build gives the same count in " +
    "every run: a change to what a run allocates shows here exactly, where a time would hide it in noise.",
  ];
}

function tarball({ pack }: Results): string {
  return typeof pack === "string"
    ? pack
    : `\`npm pack --dry-run\`: ${pack.size} bytes packed (${fixed(pack.size / 1000, 1)} kB), ` +
      `${pack.unpackedSize} bytes unpacked, ${pack.entryCount} files`;
}
