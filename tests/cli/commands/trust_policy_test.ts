// trust-policy: the policy as JSON, Terraform or CloudFormation; refusals with exit 2; and the policy it
// prints, given to doctor, admits its own job and refuses another branch.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, RUNTIME } from "../../_cli.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "oidc2aws-trust-policy-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const GH = "token.actions.githubusercontent.com";

describe(`CLI on ${RUNTIME}: trust-policy`, () => {
  it("prints the JSON policy, which doctor admits for the job and refuses for another branch", async () => {
    const run = await runCli([
      "trust-policy",
      "--platform",
      "GitHub",
      "--repo",
      "octo-org/app",
      "--branch",
      "main",
      "--account",
      "123456789012",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const policy = JSON.parse(run.stdout);
    assert.equal(policy.Statement[0].Principal.Federated, `arn:aws:iam::123456789012:oidc-provider/${GH}`);
    assert.deepEqual(policy.Statement[0].Condition, {
      StringEquals: { [`${GH}:aud`]: "sts.amazonaws.com", [`${GH}:sub`]: "repo:octo-org/app:ref:refs/heads/main" },
    });
    const file = join(dir, "policy.json");
    await writeFile(file, run.stdout);
    const claims = (sub: string) => JSON.stringify({ iss: `https://${GH}`, aud: "sts.amazonaws.com", sub });
    const admitted = await runCli([
      "doctor",
      "--policy",
      file,
      "--claims",
      claims("repo:octo-org/app:ref:refs/heads/main"),
    ]);
    assert.equal(admitted.code, 0, admitted.stdout);
    const refused = await runCli([
      "doctor",
      "--policy",
      file,
      "--claims",
      claims("repo:octo-org/app:ref:refs/heads/dev"),
    ]);
    assert.equal(refused.code, 1, refused.stdout);
  });

  it("--format terraform and cloudformation include the OIDC provider resource", async () => {
    const base = ["trust-policy", "--platform", "gitlab", "--repo", "group/project", "--tag", "v*"];
    const tf = await runCli([...base, "--format", "terraform"]);
    assert.equal(tf.code, 0, tf.stderr);
    assert.match(tf.stdout, /^resource "aws_iam_openid_connect_provider" "ci" \{$/m);
    assert.match(
      tf.stdout,
      /^ {6}test {5}= "StringLike"\n {6}variable = "gitlab\.com:sub"\n {6}values {3}= \["project_path:group\/project:ref_type:tag:ref:v\*"\]$/m,
    );
    const cfn = await runCli([...base, "--format", "cloudformation"]);
    assert.equal(cfn.code, 0, cfn.stderr);
    assert.match(cfn.stdout, /^ {4}Type: AWS::IAM::OIDCProvider$/m);
    assert.match(cfn.stdout, /^ {6}Url: "https:\/\/gitlab\.com"$/m);
  });

  it("refuses a policy that would admit any repository, and says why: exit 2", async () => {
    const run = await runCli(["trust-policy", "--platform", "GitHub", "--repo", "*/*", "--any-ref"]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_USAGE: --repo "\*\/\*" has a pattern in its OWNER: the role would trust jobs of any OWNER, also other people's/,
    );
    assert.equal(run.stdout, "");
  });

  it("refuses platforms without a fixed subject with a pointer to their docs, and missing flags", async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ["trust-policy", "--platform", "Spacelift", "--repo", "o/p", "--any-ref"],
        /does not write policies for "Spacelift" yet: .*docs\.spacelift\.io/,
      ],
      [["trust-policy", "--repo", "o/r"], /trust-policy needs --platform NAME and --repo NAME/],
      [["trust-policy", "--platform", "GitHub", "--repo", "o/r"], /GitHub needs one of --branch/],
      [["trust-policy", "--platform", "GitHub", "--repo", "o/r", "--any-ref", "--format", "sh"], /--format applies to/],
      [["env", "--branch", "main"], /--branch applies to trust-policy only/],
      // It reads no profile: a profile's flag is refused, not ignored.
      ...["--profile", "--role-arn", "--token-server", "--region", "--duration", "--session-name"].map((
        flag,
      ): [string[], RegExp] => [
        ["trust-policy", "--platform", "GitHub", "--repo", "o/r", "--any-ref", flag, "x"],
        new RegExp(`${flag} does not apply to trust-policy, which reads no profile`),
      ]),
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(argv);
      assert.equal(run.code, 2, argv.join(" "));
      assert.match(run.stderr, new RegExp(`^oidc2aws: ERR_USAGE: .*${message.source}`));
    }
  });
});
