// doctor: a trust policy evaluated against a token's claims (given as JSON, from a token file, or from a
// fresh token of a profile's source, served by the emulator on loopback); the text and JSON reports,
// exit codes 0/1/2, no token printed, untrusted values kept on one line; AccessDenied points to doctor.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator } from "../../../emulator/mod.ts";
import { runCli, RUNTIME } from "../../_cli.ts";
import { startCliWorld, stopCliWorld } from "../_setup.ts";

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;
let provider: string;

/** A trust policy for the emulator's issuer whose only condition is `operator` on `sub`. */
function policyFor(operator: string, sub: string | string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Sid: "CI",
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${provider}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { [`${provider}:aud`]: "sts.amazonaws.com" },
        [operator]: { [`${provider}:sub`]: sub },
      },
    }],
  });
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

before(async () => {
  ({ emulator, dir, env } = await startCliWorld());
  provider = emulator.url.replace(/^http:\/\//, "");
});

after(() => stopCliWorld(emulator, dir));

const GH = "token.actions.githubusercontent.com";
const ghPolicy = JSON.stringify({
  Statement: [{
    Effect: "Allow",
    Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${GH}` },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: { StringLike: { [`${GH}:sub`]: "repo:o/r:ref:refs/heads/main" } },
  }],
});
const ghClaims = (sub: string) => JSON.stringify({ iss: `https://${GH}`, aud: "sts.amazonaws.com", sub });

describe(`CLI on ${RUNTIME}: doctor`, () => {
  it("--claims: names the failing condition with the claim's value, and the fix; exit 1", async () => {
    const policy = await file("gh.json", ghPolicy);
    const run = await runCli(["doctor", "--policy", policy, "--claims", ghClaims("repo:o/r:environment:prod")]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, "");
    assert.match(run.stdout, /^statement 1: Allow ✗ does not match$/m);
    assert.match(
      run.stdout,
      /^ {2}✓ Principal \["arn:aws:iam::123456789012:oidc-provider\/token\.actions\.githubusercontent\.com"\]$/m,
    );
    assert.match(
      run.stdout,
      /^ {2}✗ StringLike "token\.actions\.githubusercontent\.com:sub" \["repo:o\/r:ref:refs\/heads\/main"\]: claim "repo:o\/r:environment:prod"$/m,
    );
    assert.match(
      run.stdout,
      /^fix {7}sub is repo:o\/r:environment:prod because the job uses an environment: add that value to StringLike, or match repo:o\/r:\* with StringLike$/m,
    );
  });

  it("--format json: exactly the fields the issue names; exit 0 when allowed", async () => {
    const policy = await file("gh.json", ghPolicy);
    const run = await runCli([
      "doctor",
      "--policy",
      policy,
      "--format",
      "json",
      "--claims",
      ghClaims("repo:o/r:ref:refs/heads/main"),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      allowed: true,
      statements: [{
        sid: null,
        effect: "Allow",
        matched: true,
        conditions: [{
          operator: "StringLike",
          key: `${GH}:sub`,
          values: ["repo:o/r:ref:refs/heads/main"],
          claim: "repo:o/r:ref:refs/heads/main",
          matched: true,
        }],
      }],
    });
  });

  it("--profile: a fresh token from the profile's source (the emulator), checked against the policy", async () => {
    const narrow = await file("narrow.json", policyFor("StringEquals", "repo:octo-org/octo-repo:environment:prod"));
    const refused = await runCli(["doctor", "--policy", narrow, "--profile", "deploy"], { env });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, /claim "repo:octo-org\/octo-repo:ref:refs\/heads\/main"$/m);
    assert.match(
      refused.stdout,
      /^fix {7}sub is repo:octo-org\/octo-repo:ref:refs\/heads\/main because the job runs on a branch/m,
    );
    const wide = await file("wide.json", policyFor("StringLike", "repo:octo-org/octo-repo:*"));
    const allowed = await runCli(["doctor", "--policy", wide, "--profile", "deploy", "--format", "json"], { env });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(JSON.parse(allowed.stdout).allowed, true);
    // One token request per run, and no STS call: doctor is offline but for the token.
    assert.ok(!emulator.requests.some((r) => r.target === "sts"), "no STS request");
  });

  it("--token-file: the claims of a JWT in a file; the token is never printed", async () => {
    const token = await emulator.mintToken({ claims: { sub: "repo:octo-org/octo-repo:pull_request" } });
    const tokenFile = await file("token.jwt", `${token}\n`);
    const policy = await file("narrow.json", policyFor("StringEquals", "repo:octo-org/octo-repo:environment:prod"));
    for (const format of [[], ["--format", "json"]]) {
      const run = await runCli(["doctor", "--policy", policy, "--token-file", tokenFile, ...format]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /repo:octo-org\/octo-repo:pull_request/);
      for (const part of token.split(".")) assert.ok(!run.stdout.includes(part) && !run.stderr.includes(part));
    }
    const junk = await file("junk.jwt", "not-a-jwt");
    const bad = await runCli(["doctor", "--policy", policy, "--token-file", junk]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^oidc2aws: ERR_USAGE: the token file .* is not a readable JWT \(it is not shown\)$/m);
  });

  it("a malformed policy: exit 2, ERR_CONFIG_INVALID with the JSON path of the problem", async () => {
    const broken = JSON.parse(ghPolicy);
    broken.Statement.push({ ...broken.Statement[0], Condition: { StringLike: { [`${GH}:sub`]: { nested: true } } } });
    const policy = await file("broken.json", JSON.stringify(broken));
    const run = await runCli(["doctor", "--policy", policy, "--claims", ghClaims("x")]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_CONFIG_INVALID: The trust policy's Statement\[1\]\.Condition\.StringLike\["token\.actions\.githubusercontent\.com:sub"\] must be a string or a list of strings\n$/,
    );
    assert.equal(run.stdout, "");
  });

  it("bad input: exit 2 with ERR_USAGE (no policy, no claims, claims not JSON, a missing file)", async () => {
    const policy = await file("gh.json", ghPolicy);
    const cases: Array<[string[], RegExp]> = [
      [["doctor", "--claims", "{}"], /^oidc2aws: ERR_USAGE: doctor needs --policy FILE/],
      [["doctor", "--policy", policy], /^oidc2aws: ERR_USAGE: doctor needs the token's claims/],
      [["doctor", "--policy", policy, "--claims", "{"], /^oidc2aws: ERR_USAGE: --claims is not JSON/],
      [["doctor", "--policy", policy, "--claims", "[]"], /^oidc2aws: ERR_USAGE: --claims must be a JSON object/],
      [["doctor", "--policy", join(dir, "nope.json"), "--claims", "{}"], /^oidc2aws: ERR_CONFIG_READ: /],
      [
        ["doctor", "--policy", policy, "--claims", "{}", "--format", "terraform"],
        /^oidc2aws: ERR_USAGE: --format applies to/,
      ],
      [["whoami", "--policy", policy], /^oidc2aws: ERR_USAGE: --policy applies to doctor only/],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(argv);
      assert.equal(run.code, 2, argv.join(" "));
      assert.match(run.stderr, message);
    }
  });

  it("values from the token cannot start a line of output: control characters are escaped", async () => {
    const policy = await file("gh.json", ghPolicy);
    const sub = "repo:o/r:x\n::stop-commands::abc\r##vso[task.setvariable]\u2028";
    const run = await runCli(["doctor", "--policy", policy, "--claims", ghClaims(sub)]);
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split("\n");
    assert.ok(lines.every((l) => /^(token|provider|statement|result|fix) |^ {2}[✓✗] /.test(l)), run.stdout);
    assert.ok(!/^::|^##/m.test(run.stdout));
    assert.match(run.stdout, /\\n::stop-commands::abc\\r##vso/);
  });

  it("AccessDenied from STS points to doctor, on the same line", async () => {
    const run = await runCli(["whoami", "--profile", "locked"], { env });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /AccessDenied .*; run oidc2aws doctor --policy <file> --profile locked to see which condition refused it( \[request id [^\]]*\])?\n$/,
    );
    assert.equal(run.stderr.trim().split("\n").length, 1);
  });
});
