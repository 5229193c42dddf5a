/**
 * The picture of a run: a hand-written SVG bar chart (no dependency) of the cold start on each
 * runtime, in fresh-process median milliseconds: the floor, oidc2aws, the AWS SDK v3 and, on Node 24,
 * both GitHub Actions. `npm run bench` writes it to docs/speed.svg, which README shows.
 *
 * @module
 */
import type { Runtime } from "./measure.ts";
import { type CaseId, caseMs, find, floorOf, type Results } from "./results.ts";
import { fixed } from "./stats.ts";

/** One bar: what it is, and the case it shows. */
interface Bar {
  label: string;
  id: CaseId | "floor";
  color: string;
}

const FLOOR: Bar = { label: "floor (bare requests)", id: "floor", color: "#9ca3af" };
const OURS = "#2563eb";
const GROUPS: { runtime: Runtime; title: string; bars: Bar[] }[] = [
  ...(["node", "deno", "bun"] as const).map((runtime) => ({
    runtime,
    title: { node: "Node 20", deno: "Deno", bun: "Bun" }[runtime],
    bars: [
      FLOOR,
      { label: "oidc2aws CLI", id: "cli", color: OURS },
      { label: "AWS SDK v3", id: "sdk", color: "#f59e0b" },
    ] as Bar[],
  })),
  {
    runtime: "node24",
    title: "Node 24: GitHub Actions",
    bars: [
      FLOOR,
      { label: "oidc2aws action", id: "action", color: OURS },
      { label: "configure-aws-credentials", id: "officialAction", color: "#dc2626" },
    ],
  },
];

const escapeXml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The chart of `results` as an SVG document; a runtime or a case that did not run is left out. */
export function chart(results: Results): string {
  const width = 760;
  const left = 210;
  const right = 150;
  const barHeight = 18;
  const groups = GROUPS.filter((g) => results.options.runtimes.includes(g.runtime)).map((g) => {
    const floor = floorOf(results.cases, g.runtime);
    const bars = g.bars
      .map((bar) => ({ ...bar, ms: caseMs(bar.id === "floor" ? floor : find(results, g.runtime, bar.id)) }))
      .filter((bar) => Number.isFinite(bar.ms));
    return { ...g, bars, floorMs: caseMs(floor) };
  }).filter((g) => g.bars.length);
  const max = Math.max(...groups.flatMap((g) => g.bars.map((b) => b.ms)), 1);
  const scale = (ms: number) => ((width - left - right) * ms) / max;

  const body: string[] = [];
  let y = 56;
  for (const group of groups) {
    body.push(`<text x="16" y="${y}" class="group">${escapeXml(group.title)}</text>`);
    y += 10;
    for (const bar of group.bars) {
      const w = Math.max(1, scale(bar.ms));
      const ratio = bar.id === "floor" ? "" : ` · ${fixed(bar.ms / group.floorMs, 2)}×`;
      body.push(
        `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${fixed(w, 1)}" height="${barHeight}" rx="3" fill="${bar.color}"/>`,
        `<text x="${fixed(left + w + 6, 1)}" y="${y + 13}">${fixed(bar.ms, 0)} ms${ratio}</text>`,
      );
      y += barHeight + 6;
    }
    y += 22;
  }
  const height = y + 4;
  const runs = results.options.runs;
  const title = "Cold start: one role's credentials in a fresh process";
  const subtitle = `median ms of ${runs} round-robin runs against a loopback STS; × is the ratio to the floor. ` +
    "Lower is better.";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-labelledby="title desc">`,
    `<title id="title">${escapeXml(title)}</title>`,
    `<desc id="desc">${escapeXml(describe(groups))}</desc>`,
    "<style>text{font:13px -apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;fill:#1f2937}" +
    ".title{font-size:15px;font-weight:600}.note{font-size:11px;fill:#4b5563}.group{font-weight:600}</style>",
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="22" class="title">${escapeXml(title)}</text>`,
    `<text x="16" y="38" class="note">${escapeXml(subtitle)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

/** The chart's figures as one sentence, for screen readers. */
function describe(groups: { title: string; bars: { label: string; ms: number }[] }[]): string {
  return groups.map((g) => `${g.title}: ${g.bars.map((b) => `${b.label} ${fixed(b.ms, 0)} ms`).join(", ")}`).join(
    "; ",
  );
}
