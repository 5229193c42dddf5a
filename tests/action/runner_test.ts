/** The runner protocol pieces and the credential_process quoting, one at a time. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { booleanInput, escapeData, fileBlocks, input, listInput } from "../../action/runner.ts";
import { quoteArg } from "../../action/profiles.ts";
import { shellSplit } from "../../lib/config.ts";
import { parseGithubEnv } from "../_helpers.ts";

describe("GitHub Action: the runner protocol", () => {
  it("reads inputs as the runner names them: INPUT_ + upper case, hyphens kept, trimmed", () => {
    const env = { "INPUT_ROLE-TO-ASSUME": "  arn:x \n", INPUT_MY_INPUT: "v" };
    assert.equal(input(env, "role-to-assume"), "arn:x");
    assert.equal(input(env, "my input"), "v");
    assert.equal(input(env, "absent"), "");
  });

  it("reads booleans in the YAML 1.2 core schema, and refuses anything else", () => {
    for (const value of ["true", "True", "TRUE"]) assert.equal(booleanInput({ INPUT_X: value }, "x", false), true);
    for (const value of ["false", "False", "FALSE"]) assert.equal(booleanInput({ INPUT_X: value }, "x", true), false);
    assert.equal(booleanInput({}, "x", true), true);
    assert.throws(() => booleanInput({ INPUT_X: "yes" }, "x", false), /Input x is "yes": use true or false/);
  });

  it("reads lists one item a line (or comma), blank lines dropped", () => {
    assert.deepEqual(listInput({ INPUT_X: "a\n\n  b  \r\nc" }, "x"), ["a", "b", "c"]);
    assert.deepEqual(listInput({ INPUT_X: "a, b\nc" }, "x", /[\r\n,]+/), ["a", "b", "c"]);
  });

  it("escapes command data so that a message stays one command", () => {
    assert.equal(escapeData("50%\r\n::add-mask::x"), "50%25%0D%0A::add-mask::x");
  });

  it("writes $GITHUB_OUTPUT blocks the runner reads back whole, whatever the value holds", () => {
    const values: Array<[string, string]> = [["a-b", "one\ntwo"], ["c", "ghadelimiter_x\nEOF"], ["d", ""]];
    assert.deepEqual(parseGithubEnv(fileBlocks(values)), Object.fromEntries(values));
  });
});

describe("GitHub Action: credential_process arguments", () => {
  const hard = ["/opt/hosted tool/node", "it's", 'a "b" $HOME `x` \\ ;|&', "name=value", "plain/path-1.0"];

  it("quotes each argument so that botocore's shell split gives it back", () => {
    const line = hard.map((arg) => quoteArg(arg, "linux")).join(" ");
    assert.deepEqual(shellSplit(line), hard);
  });

  it("quotes each argument so that sh -c (the AWS SDKs for JavaScript, Go, Java, Rust) gives it back", () => {
    const line = ["printf", "%s\\n", ...hard].map((arg, i) => (i < 2 ? `'${arg}'` : quoteArg(arg, "linux"))).join(" ");
    assert.equal(execFileSync("sh", ["-c", line], { encoding: "utf8" }), hard.map((a) => `${a}\n`).join(""));
  });

  it("refuses what cannot be written on one line, and on Windows a quote or %", () => {
    assert.throws(() => quoteArg("a\nb", "linux"), /control character/);
    assert.throws(() => quoteArg('C:\\a"b', "win32"), /on Windows/);
    assert.equal(quoteArg("C:\\Program Files\\node.exe", "win32"), '"C:\\Program Files\\node.exe"');
  });
});
