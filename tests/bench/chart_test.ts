// bench/chart.ts (the SVG README shows) and bench/actions.ts's runner rules, on made-up results.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import { chart } from "../../bench/chart.ts";
import { inputVariable, runnerInputs } from "../../bench/actions.ts";
import type { Case, CaseId, Results } from "../../bench/results.ts";
import type { Run, Runtime } from "../../bench/measure.ts";

const runs = (ms: number): Run[] => [ms - 1, ms, ms + 1].map((t) => ({ ok: true, ms: t, stdout: "", stderr: "" }));
const c = (runtime: Runtime, id: CaseId, ms?: number, error?: string): Case => ({
  runtime,
  id,
  argv: [],
  expect: /x/,
  runs: ms === undefined ? [] : runs(ms),
  error,
});

function results(cases: Case[], runtimes: Runtime[]): Results {
  return {
    options: { quick: false, runs: 3, warmup: 0, runtimes, officialAction: "" },
    machine: [],
    harnessMs: 15,
    cases,
    inproc: {},
    young: { floor: "not measured", cli: "not measured" },
    pack: "not measured",
    actions: { ours: "none", official: "none" },
  };
}

describe("bench/chart.ts", () => {
  it("draws one bar per measured case, its median and its ratio to the runtime's floor, as well-formed SVG", () => {
    const svg = chart(results([
      c("node", "floorHttp", 100),
      c("node", "floorFetch", 300),
      c("node", "cli", 113),
      c("node", "sdk", 250),
      c("node24", "floorHttp", 120),
      c("node24", "action", 132),
      c("node24", "officialAction", 600),
    ], ["node", "node24"]));
    assert.equal(XMLValidator.validate(svg), true);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/<rect x=/g)?.length, 6, "three bars a group, two groups");
    for (const text of ["100 ms<", "113 ms · 1.13×", "250 ms · 2.50×", "132 ms · 1.10×", "600 ms · 5.00×"]) {
      assert.ok(svg.includes(text), `the chart shows ${text}`);
    }
    // The longest bar spans the plot; the others are in proportion.
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(Math.max(...widths), 400);
    assert.ok(Math.abs(widths[0] / widths[2] - 100 / 250) < 0.01);
  });

  it("leaves out a case that failed and a runtime that did not run", () => {
    const svg = chart(results([
      c("deno", "floorFetch", 100),
      c("deno", "cli", 120),
      c("deno", "sdk", undefined, "exit without the expected output"),
    ], ["deno"]));
    assert.equal(XMLValidator.validate(svg), true);
    assert.equal(svg.match(/<rect x=/g)?.length, 2);
    assert.ok(!svg.includes("AWS SDK"));
    assert.ok(!svg.includes("Node 20") && !svg.includes("Bun"));
  });
});

describe("bench/actions.ts: inputs as the runner passes them", () => {
  it("names each input INPUT_ + upper case, spaces to underscores, hyphens kept", () => {
    assert.equal(inputVariable("role-to-assume"), "INPUT_ROLE-TO-ASSUME");
    assert.equal(inputVariable("my input"), "INPUT_MY_INPUT");
  });

  it("sets every literal default of action.yml, then the step's own inputs; leaves expressions to the runner", () => {
    const yml = [
      "inputs:",
      "  audience:",
      "    default: sts.amazonaws.com",
      "  role-to-assume:",
      "    required: false",
      "  github-token:",
      "    default: ${{ github.token }}",
      "  aws-region:",
      "    default: us-west-2",
    ].join("\n");
    assert.deepEqual(runnerInputs(yml, { "aws-region": "eu-west-1", "role-to-assume": "arn" }), {
      "INPUT_AUDIENCE": "sts.amazonaws.com",
      "INPUT_AWS-REGION": "eu-west-1",
      "INPUT_ROLE-TO-ASSUME": "arn",
    });
  });
});
