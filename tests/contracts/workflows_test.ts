// The project's own GitHub Actions workflows (.github/workflows/ci.yml and release.yml), checked
// statically since they cannot run here: the YAML parses, every action is pinned to a commit, the
// permissions are the least each job needs (only the publish job may ask for an OIDC token), no
// long-lived token, the triggers, and CI runs the suites `npm test` runs. The checker is tested too,
// on a bad workflow (tests/testdata/workflows/) and on one-fault changes of the real ones.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFile(new URL(path, root), "utf8");

/** The suites of scripts/test.mjs that CI runs one job each. */
const SUITES = ["node20", "node22", "node24", "deno", "bun"];

type Kind = "ci" | "release";
// deno-lint-ignore no-explicit-any
type Yaml = any;

/** Whether a step or job runs a publish (npm, JSR). */
const publishes = (text: string) => /\b(npm publish|jsr publish|deno publish)\b/.test(text);

/** The problems of a workflow's text, as messages; none when it is as this project wants it. */
function workflowProblems(text: string, kind: Kind): string[] {
  const problems: string[] = [];
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length) return document.errors.map((e) => `YAML: ${e.message.split("\n")[0]}`);
  const workflow: Yaml = document.toJS();
  if (typeof workflow !== "object" || workflow === null) return ["not a mapping"];

  // Every `uses:` is pinned to a full commit SHA, with the tag it is in a comment (`# v1.2.3`).
  for (const line of text.split("\n")) {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const [, target, rest] = m;
    if (target.startsWith("./")) continue;
    if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(target)) {
      problems.push(`uses: ${target} is not pinned to a commit (owner/repo@<40 hex digits>)`);
    } else if (!/^\s+# v\d+(\.\d+){0,2}\s*$/.test(rest)) {
      problems.push(`uses: ${target} does not name its tag in a comment (# vX.Y.Z)`);
    }
  }

  // Least privilege: the workflow reads the code, no more; jobs add only what they need.
  const top = workflow.permissions;
  if (JSON.stringify(top) !== JSON.stringify({ contents: "read" })) {
    problems.push(`top-level permissions are ${JSON.stringify(top)}, not { contents: read }`);
  }
  const jobs: Record<string, Yaml> = workflow.jobs ?? {};
  if (!Object.keys(jobs).length) problems.push("no jobs");
  const oidcJobs: string[] = [];
  for (const [id, job] of Object.entries(jobs)) {
    const steps: Yaml[] = job.steps ?? [];
    const runs = steps.map((s) => String(s.run ?? "")).join("\n");
    const permissions = job.permissions;
    if (permissions !== undefined) {
      if (typeof permissions !== "object" || permissions === null) {
        problems.push(`job ${id}: permissions ${JSON.stringify(permissions)} (write-all, read-all: name each one)`);
      } else {
        for (const [scope, level] of Object.entries(permissions)) {
          if (scope === "id-token" && level === "write") oidcJobs.push(id);
          else if (scope !== "contents" || level !== "read") {
            problems.push(
              `job ${id}: permission ${scope}: ${level} (only contents: read, and id-token: write to publish)`,
            );
          }
        }
      }
    }
    if (oidcJobs.includes(id) && !publishes(runs)) problems.push(`job ${id} has id-token: write but publishes nothing`);
    for (const step of steps) {
      if (String(step.uses ?? "").startsWith("actions/checkout@") && step.with?.["persist-credentials"] !== false) {
        problems.push(`job ${id}: actions/checkout without persist-credentials: false (leaves the token in .git)`);
      }
    }
  }

  // No long-lived token: nothing from secrets, no npm or JSR token.
  for (const m of text.matchAll(/secrets\.\w+|\b(?:NPM_TOKEN|NODE_AUTH_TOKEN|JSR_TOKEN)\b/g)) {
    problems.push(`${m[0]}: a long-lived token (publish through OIDC)`);
  }

  const on: Yaml = workflow.on;
  const triggers = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
  if (kind === "ci") {
    if (JSON.stringify([...triggers].sort()) !== JSON.stringify(["pull_request", "push"])) {
      problems.push(`ci.yml runs on ${triggers.join(", ")}, not push and pull_request`);
    }
    if (oidcJobs.length) problems.push(`ci.yml: ${oidcJobs.join(", ")} may ask for an OIDC token`);
    const commands = Object.values(jobs).flatMap((job: Yaml) =>
      (job.steps ?? []).map((s: Yaml) => String(s.run ?? ""))
    );
    if (!commands.includes("npm test -- --only=checks")) problems.push("ci.yml: no job runs npm test -- --only=checks");
    const matrix: Yaml[] = Object.values(jobs).flatMap((job: Yaml) => job.strategy?.matrix?.include ?? []);
    const suites = matrix.map((entry) => entry.suite);
    if (JSON.stringify([...suites].sort()) !== JSON.stringify([...SUITES].sort())) {
      problems.push(`ci.yml's matrix runs ${suites.join(", ")}, not ${SUITES.join(", ")}`);
    }
    for (const entry of matrix) {
      const major = /^node(\d+)$/.exec(entry.suite)?.[1];
      if (major && String(entry.node) !== major) problems.push(`ci.yml: ${entry.suite} runs on Node ${entry.node}`);
    }
    if (!commands.includes("npm test -- --only=${{ matrix.suite }} --skip-checks")) {
      problems.push("ci.yml: no job runs npm test -- --only=${{ matrix.suite }} --skip-checks");
    }
  } else {
    const tags = on?.push?.tags;
    if (JSON.stringify(triggers) !== JSON.stringify(["push"]) || JSON.stringify(tags) !== JSON.stringify(["v*"])) {
      problems.push(`release.yml runs on ${JSON.stringify(on)}, not a push of a v* tag`);
    } else if (on.push.branches !== undefined) problems.push("release.yml: a push of a v* tag only, no branches");
    if (oidcJobs.length !== 1) {
      problems.push(`release.yml: ${oidcJobs.length} jobs have id-token: write, not the publish job alone`);
    } else {
      const publish = jobs[oidcJobs[0]];
      const runs = (publish.steps ?? []).map((s: Yaml) => String(s.run ?? "")).join("\n");
      if (!/^npm publish --provenance --access public$/m.test(runs)) {
        problems.push("release.yml: the publish job does not run npm publish --provenance --access public");
      }
      if (!/(^|\/)(deno publish|npx jsr publish)\b/m.test(runs)) {
        problems.push("release.yml: the publish job does not publish to JSR");
      }
      if (!publish.needs) problems.push("release.yml: the publish job does not wait for the tests (needs:)");
    }
    for (const [id, job] of Object.entries(jobs)) {
      if (!oidcJobs.includes(id) && publishes(JSON.stringify(job))) problems.push(`job ${id} publishes without OIDC`);
    }
  }
  return problems;
}

describe("the project's GitHub Actions workflows", () => {
  for (const kind of ["ci", "release"] as const) {
    it(`${kind}.yml: parses, every action pinned to a commit, least privilege, no long-lived token, its triggers`, async () => {
      assert.deepEqual(workflowProblems(await read(`.github/workflows/${kind}.yml`), kind), []);
    });
  }

  it("CI's Node versions are those npm test runs, and engines' oldest is among them", async () => {
    const script = await read("scripts/test.mjs");
    const majors = /const NODE_MAJORS = \[([\d, ]+)\]/.exec(script)?.[1].split(",").map((n) => `node${n.trim()}`);
    assert.deepEqual(majors, SUITES.filter((s) => s.startsWith("node")));
    // engines: ">=20.19" and the like; the suite runs on its major (setup-node's newest 20.x).
    const engines = JSON.parse(await read("package.json")).engines.node;
    assert.equal(/^>=(\d+)(?:\.\d+){0,2}$/.exec(engines)?.[1], /\d+/.exec(majors![0])![0], engines);
  });
});

describe("the workflow checker finds what is wrong", () => {
  it("a bad workflow (tests/testdata/workflows/bad_release.yml): each of its faults", async () => {
    const problems = workflowProblems(await read("tests/testdata/workflows/bad_release.yml"), "release");
    const expected = [
      /^uses: actions\/checkout@v4 is not pinned/,
      /^uses: actions\/setup-node@1234567 is not pinned/,
      /^uses: oven-sh\/setup-bun@[0-9a-f]{40} does not name its tag/,
      /^top-level permissions are "write-all"/,
      /^job test has id-token: write but publishes nothing/,
      /^job publish: permission packages: write/,
      /^job publish: actions\/checkout without persist-credentials/,
      /^secrets\.NPM_TOKEN: a long-lived token/,
      /^NODE_AUTH_TOKEN: a long-lived token/,
      /^release\.yml runs on .*pull_request_target/,
      /^release\.yml: 2 jobs have id-token: write/,
    ];
    for (const pattern of expected) {
      assert.ok(problems.some((p) => pattern.test(p)), `${pattern} in ${problems.join("\n")}`);
    }
    assert.equal(problems.length, expected.length, problems.join("\n"));
  });

  it("YAML that does not parse, or repeats a key", () => {
    assert.match(workflowProblems("on: [push\njobs: {}\n", "ci")[0], /^YAML: /);
    assert.match(workflowProblems("permissions: {}\npermissions: {}\n", "ci")[0], /^YAML: /);
  });

  it("one fault at a time in the real workflows", async () => {
    const ci = await read(".github/workflows/ci.yml");
    const release = await read(".github/workflows/release.yml");
    const faults: Array<[Kind, string, (text: string) => string, RegExp]> = [
      ["ci", "a tag instead of a commit", (t) => t.replace(/checkout@[0-9a-f]{40}/, "checkout@v7"), /not pinned/],
      ["ci", "no tag comment", (t) => t.replace(/ # v7\.0\.1/, ""), /does not name its tag/],
      ["ci", "write permissions", (t) => t.replace("contents: read", "contents: write"), /top-level permissions/],
      ["ci", "a Node version dropped", (t) => t.replace(/ {10}- suite: node22\n {12}node: 22\n/, ""), /matrix runs/],
      ["ci", "a suite on the wrong Node", (t) => t.replace("node: 22", "node: 20"), /node22 runs on Node 20/],
      [
        "ci",
        "pull_request_target",
        (t) => t.replace("pull_request:", "pull_request_target:"),
        /not push and pull_request/,
      ],
      [
        "ci",
        "an OIDC token for the tests",
        (t) => t.replace("  test:\n", "  test:\n    permissions:\n      id-token: write\n"),
        /publishes nothing/,
      ],
      [
        "release",
        "id-token: write at the top",
        (t) => t.replace("permissions:\n  contents: read", "permissions:\n  contents: read\n  id-token: write"),
        /top-level permissions/,
      ],
      [
        "release",
        "an npm token",
        (t) =>
          t.replace(
            "--access public\n",
            "--access public\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n",
          ),
        /long-lived token/,
      ],
      [
        "release",
        "no provenance",
        (t) => t.replace("npm publish --provenance", "npm publish"),
        /--provenance --access public/,
      ],
      ["release", "no JSR", (t) => t.replace("node_modules/.bin/deno publish", "echo done"), /does not publish to JSR/],
      ["release", "on every push", (t) => t.replace('tags: ["v*"]', "branches: [main]"), /not a push of a v\* tag/],
      ["release", "publish before the tests", (t) => t.replace("    needs: test\n", ""), /does not wait for the tests/],
    ];
    for (const [kind, fault, change, pattern] of faults) {
      const text = change(kind === "ci" ? ci : release);
      assert.notEqual(text, kind === "ci" ? ci : release, `${fault}: the change applies`);
      const problems = workflowProblems(text, kind);
      assert.ok(problems.some((p) => pattern.test(p)), `${fault}: ${pattern} in ${JSON.stringify(problems)}`);
    }
  });
});
