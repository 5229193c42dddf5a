// Contracts of doctor and trust-policy: they add nothing to the CLI's cold start (their code is not in
// cli.ts's static import graph), and whatever a token holds, every line doctor prints starts with its
// own text and the JSON report keeps exactly the fields the issue names (property, in-process).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { runCli } from "../../cli/main.ts";
import type { Runtime } from "../../lib/_runtime/mod.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** The modules an entry imports statically (value imports only). */
function staticGraph(entry: string): string[] {
  const graph = new Set<string>();
  const walk = (path: string) => {
    if (graph.has(path)) return;
    graph.add(path);
    const base = path.split("/").slice(0, -1).join("/");
    for (const m of read(path).matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+"(\.[^"]+)"/gm)) {
      walk(new URL(m[1], `file:///${base ? `${base}/` : ""}`).pathname.slice(1));
    }
  };
  walk(entry);
  return [...graph];
}

const GH = "token.actions.githubusercontent.com";
const POLICY = JSON.stringify({
  Statement: [
    {
      Sid: "CI",
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${GH}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com", [`${GH}:actor`]: "octocat" },
        StringLike: { [`${GH}:sub`]: "repo:o/r:*" },
      },
    },
    { Effect: "Deny", Principal: "*", Action: "sts:*", Condition: { StringEquals: { [`${GH}:environment`]: "x" } } },
  ],
});

/** Runs the CLI in this process with a runtime that reads only the policy file and records the output. */
async function doctor(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const runtime = {
    name: "node",
    env: {},
    readFile: (path: string) => Promise.resolve(path === "policy.json" ? POLICY : undefined),
    fetch: () => Promise.reject(new Error("no network in this test")),
    write: (stream: "stdout" | "stderr", text: string) => (out[stream] += text),
  } as unknown as Runtime;
  const code = await runCli(["doctor", "--policy", "policy.json", ...argv], runtime);
  return { code, ...out };
}

describe("contract: doctor and trust-policy", () => {
  it("are not in the CLI's static import graph: credential-process's cold start loads none of their code", () => {
    const graph = staticGraph("cli.ts");
    assert.ok(graph.includes("cli/main.ts"), graph.join(", "));
    assert.deepEqual(graph.filter((path) => /^cli\/(policy\/|commands\/(doctor|trust_policy))/.test(path)), []);
  });

  it("property: hostile claim values never start a line; the JSON report has exactly the issue's fields", async () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40, unit: "binary" }),
      fc.constantFrom("\n::stop-commands::x", "\r##vso[task.setvariable variable=x]1", "\u2028::error::", "\u001b[2J"),
    );
    const value = fc.array(hostile, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(""));
    await fc.assert(
      fc.asyncProperty(
        value,
        value,
        fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })),
        async (sub, actor, aud) => {
          const claims = JSON.stringify({ iss: `https://${GH}`, sub: `repo:o/r:${sub}`, actor, aud, environment: sub });
          const text = await doctor(["--claims", claims]);
          assert.ok(text.code === 0 || text.code === 1, text.stderr);
          for (const line of text.stdout.split("\n").slice(0, -1)) {
            assert.match(line, /^(?:token|provider|result|fix) |^statement \d+[ :]|^ {2}[✓✗] /, JSON.stringify(line));
            // deno-lint-ignore no-control-regex -- finding control characters is the point
            assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f\u2028\u2029]/);
          }
          const json = await doctor(["--claims", claims, "--format", "json"]);
          assert.equal(json.code, text.code);
          const report = JSON.parse(json.stdout);
          assert.deepEqual(Object.keys(report), ["allowed", "statements"]);
          assert.equal(report.allowed, text.code === 0);
          for (const s of report.statements) {
            assert.deepEqual(Object.keys(s), ["sid", "effect", "matched", "conditions"]);
            for (const c of s.conditions) {
              assert.deepEqual(Object.keys(c), ["operator", "key", "values", "claim", "matched"]);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
