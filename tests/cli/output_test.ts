import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { formatVariables, githubEnvOutput, isoTime } from "../../cli/output.ts";
import { parseGithubEnv } from "../_helpers.ts";

const NASTY = [
  "plain",
  "it's",
  'say "hi"',
  "$(touch /tmp/oidc2aws-pwned) `id` ${HOME}",
  "back\\slash\\",
  "new\nline",
  "tab\there",
  "'; echo injected; '",
  "\u2018curly\u2019 \u201Aquotes\u201B",
  "EVIL=1",
  "ünïcödé ✓ 🙂",
  "",
];

describe("isoTime", () => {
  it("writes what toISOString writes, for any date, invalid ones included", () => {
    const same = (date: Date) => {
      let expected: string;
      try {
        expected = date.toISOString();
      } catch (err) {
        return assert.throws(() => isoTime(date), (e) => (e as Error).name === (err as Error).name);
      }
      assert.equal(isoTime(date), expected);
    };
    fc.assert(fc.property(fc.date({ noInvalidDate: false }), same), { numRuns: 2000 });
    for (const ms of [0, -1, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -62198755200001, NaN]) {
      same(new Date(ms));
    }
  });
});

describe("formatVariables", () => {
  it("writes sh that any POSIX shell evaluates back to exactly the values", () => {
    const variables = NASTY.map((value, i): [string, string] => [`V${i}`, value]);
    const script = `${formatVariables(variables, "sh")}\nfor i in ${
      NASTY.map((_, i) => i).join(" ")
    }; do eval "printf '%s\\0' \\"\\$V$i\\""; done`;
    const out = spawnSync("sh", ["-c", script], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(out.stdout.split("\0").slice(0, -1), NASTY);
  });

  it("writes fish, PowerShell, dotenv and JSON with each dialect's quoting", () => {
    const variables: Array<[string, string]> = [["A", "it's \\ ok"], ["B", "\u2019x"], ["C", "a b\n$c"]];
    assert.equal(
      formatVariables(variables, "fish"),
      "set -gx A 'it\\'s \\\\ ok'\nset -gx B '\u2019x'\nset -gx C 'a b\n$c'\n",
    );
    assert.equal(
      formatVariables(variables, "powershell"),
      "$env:A = 'it''s \\ ok'\n$env:B = '\u2019\u2019x'\n$env:C = 'a b\n$c'\n",
    );
    assert.equal(
      formatVariables([["K", "ASIA/x+y=="], ["D", "2026-11-26T13:00:00.000Z"], ...variables], "dotenv"),
      'K=ASIA/x+y==\nD=2026-11-26T13:00:00.000Z\nA="it\'s \\\\ ok"\nB="\u2019x"\nC="a b\\n\\$c"\n',
    );
    assert.deepEqual(JSON.parse(formatVariables(variables, "json")), { A: "it's \\ ok", B: "\u2019x", C: "a b\n$c" });
  });
});

describe("githubEnvOutput", () => {
  it("masks every line of every secret and writes blocks the runner reads back exactly", () => {
    const { stdout, envFile } = githubEnvOutput(
      [["AWS_ACCESS_KEY_ID", "ASIAX"], ["AWS_SECRET_ACCESS_KEY", "s3cr3t"], ["AWS_REGION", "eu-west-1"]],
      ["ASIAX", "s3cr3t", "multi\nline"],
      () => "ghadelimiter_fixed",
    );
    assert.equal(stdout, "::add-mask::ASIAX\n::add-mask::s3cr3t\n::add-mask::multi\n::add-mask::line\n");
    assert.deepEqual(parseGithubEnv(envFile), {
      AWS_ACCESS_KEY_ID: "ASIAX",
      AWS_SECRET_ACCESS_KEY: "s3cr3t",
      AWS_REGION: "eu-west-1",
    });
  });

  it("masks every piece the runner sees of a value with line breaks, a lone \\r included, in lines of their own", () => {
    const { stdout } = githubEnvOutput([], ["sec\rret", "a\r\nb\nc", "one"], () => "ghadelimiter_fixed");
    const lines = stdout.split("\n").slice(0, -1);
    assert.deepEqual(lines, [
      "::add-mask::sec",
      "::add-mask::ret",
      "::add-mask::a",
      "::add-mask::b",
      "::add-mask::c",
      "::add-mask::one",
    ]);
    // The runner splits its input on \n, \r\n and a lone \r: every command it reads is one of the lines above.
    assert.deepEqual(stdout.split(/\r\n|\r|\n/).slice(0, -1), lines);
  });

  it("cannot be made to add or change another variable, whatever the values hold", () => {
    let n = 0;
    const delimiters = ["ghadelimiter_A", "ghadelimiter_A", "ghadelimiter_B", "ghadelimiter_C", "ghadelimiter_D"];
    const attacks = [
      "x\nGITHUB_PATH=/evil",
      "x\nghadelimiter_A\nNODE_OPTIONS=--require /evil.js",
      "x\nEVIL<<EOF\nrm -rf /\nEOF",
      "=\n<<\n\n",
    ];
    const variables = attacks.map((value, i): [string, string] => [`V${i}`, value]);
    const { envFile } = githubEnvOutput(variables, [], () => delimiters[Math.min(n++, delimiters.length - 1)]);
    assert.deepEqual(parseGithubEnv(envFile), Object.fromEntries(variables));
  });

  it("refuses a variable name that is not a plain identifier", () => {
    assert.throws(() => githubEnvOutput([["A\nB", "x"]], [], () => "d"), /Invalid variable name/);
  });
});
