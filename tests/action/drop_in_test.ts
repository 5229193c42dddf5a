/**
 * The single-role mode as a drop-in for aws-actions/configure-aws-credentials: the `with:` blocks of
 * that action's README examples (v6.2.3, verbatim but for `${{ }}` expressions and placeholders,
 * filled in as the runner would), run through ours as the runner runs an action, on Node 20 and 24.
 * What works there works here with the same result; what cannot work here is refused with what to do.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { parse } from "yaml";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { type Loopback, startLoopback } from "../_helpers.ts";
import { ACTION_SKIP, type Job, laterEnv, newJob, nodeBinaries, runStep, type StepRun } from "./_action.ts";

/** The README's examples: their `with:` blocks as YAML, in the README's order. */
const README: Record<string, string> = {
  "Quick Start (OIDC, recommended)": `
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
aws-region: us-east-2`,
  AssumeRoleWithWebIdentity: `
aws-region: us-east-2
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
role-session-name: MySessionName`,
  "AssumeRole with role previously assumed by action in same workflow (second step)": `
aws-region: us-east-2
role-to-assume: arn:aws:iam::987654321000:role/my-second-role
role-session-name: MySessionName
role-chaining: true`,
  "OIDC Audience (China region)": `
audience: sts.amazonaws.com.cn
aws-region: cn-northwest-1
role-to-assume: arn:aws-cn:iam::123456789100:role/my-github-actions-role`,
  "Retrieving credentials from step output (first step)": `
aws-region: us-east-2
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
output-credentials: true`,
  "Inline session policies (one line)": `
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
aws-region: us-east-2
inline-session-policy: '{"Version":"2012-10-17","Statement":[{"Sid":"Stmt1","Effect":"Allow","Action":"s3:List*","Resource":"*"}]}'`,
  "Inline session policies (formatted)": `
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
aws-region: us-east-2
inline-session-policy: >-
  {
   "Version": "2012-10-17",
   "Statement": [
    {
     "Sid":"Stmt1",
     "Effect":"Allow",
     "Action":"s3:List*",
     "Resource":"*"
    }
   ]
  }`,
  "Managed session policies (one)": `
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
aws-region: us-east-2
managed-session-policies: arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`,
  "Managed session policies (several)": `
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
aws-region: us-east-2
managed-session-policies: |
  arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
  arn:aws:iam::aws:policy/AmazonS3OutpostsReadOnlyAccess`,
};

/** The examples this action refuses, each with what its message must tell the user to do. */
const REFUSED: Record<string, { yaml: string; fix: RegExp }> = {
  "AssumeRole with static IAM credentials in repository secrets": {
    yaml: `
aws-access-key-id: AKIAIOSFODNN7EXAMPLE
aws-secret-access-key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
aws-region: us-east-2
role-to-assume: arn:aws:iam::123456789100:role/my-github-actions-role
role-external-id: my-external-id
role-duration-seconds: 1200
role-session-name: MySessionName`,
    fix: /id-token: write.*role-chaining: true/s,
  },
  "Retrieving credentials from step output (second step)": {
    yaml: `
aws-region: us-east-2
aws-access-key-id: ASIAEXAMPLEKEYID1234
aws-secret-access-key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
aws-session-token: FwoGZXIvYXdzEXAMPLETOKEN
role-to-assume: arn:aws:iam::123456789100:role/my-other-github-actions-role`,
    fix: /put them in the step's env:.*role-chaining: true/s,
  },
  "Configure multiple AWS profiles in a single workflow": {
    yaml: `
aws-region: us-east-1
role-to-assume: arn:aws:iam::111111111111:role/dev-role
aws-profile: dev`,
    fix: /config-file/,
  },
  "Use an HTTP proxy (a role name, not an ARN)": {
    yaml: `
aws-region: us-east-2
role-to-assume: my-github-actions-role
http-proxy: "http://companydomain.com:3128"`,
    fix: /give the role's ARN/,
  },
  "Session tags (transitive-tag-keys)": {
    yaml: `
transitive-tag-keys: |
  Repository
  Workflow
  Action
  Actor`,
    fix: /session tags/,
  },
  "Custom session tags": {
    yaml: `
custom-tags: '{"Environment": "Production", "Team": "Platform"}'`,
    fix: /session tags/,
  },
};

/** A `with:` block as the runner passes it: every value a string. */
function withBlock(yaml: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parse(yaml) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

const binaries = await nodeBinaries();

for (const node of binaries) {
  describe(`GitHub Action on ${node.label}: configure-aws-credentials' README examples`, { skip: ACTION_SKIP }, () => {
    let emulator: Emulator;
    /** A loopback STS in front of the emulator that keeps each request's form, for what no log shows. */
    let tap: Loopback;
    let job: Job;
    before(async () => {
      emulator = await startEmulator({
        audiences: ["sts.amazonaws.com", "sts.amazonaws.com.cn"],
        stsRegion: "us-east-2",
      });
      tap = await startLoopback(async (req, res, body) => {
        const reply = await fetch(`${emulator.url}${req.url}`, {
          method: req.method,
          headers: { "content-type": String(req.headers["content-type"] ?? "") },
          body: req.method === "POST" ? body : undefined,
        });
        res.writeHead(reply.status, { "content-type": reply.headers.get("content-type") ?? "text/xml" });
        res.end(await reply.text());
      });
      job = await newJob({ ...emulator.env, AWS_ENDPOINT_URL_STS: tap.url });
      delete job.env.AWS_REGION;
    });
    after(async () => {
      await tap?.stop();
      await emulator?.stop();
      if (job) await rm(job.dir, { recursive: true, force: true });
    });

    /** The form of the last AssumeRoleWithWebIdentity request. */
    const lastCall = () => new URLSearchParams(tap.requests.at(-1)!.body);

    /** What every successful step must have done, as the runner sees it. */
    function assertExported(run: StepRun, region: string): void {
      assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
      assert.deepEqual(run.errors, []);
      const issued = emulator.issued.get(run.exported.AWS_ACCESS_KEY_ID);
      assert.ok(issued, "AWS_ACCESS_KEY_ID is credentials STS issued");
      assert.deepEqual(Object.keys(run.exported), [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
      ]);
      assert.equal(run.exported.AWS_SECRET_ACCESS_KEY, issued.secretAccessKey);
      assert.equal(run.exported.AWS_SESSION_TOKEN, issued.sessionToken);
      assert.equal(run.exported.AWS_REGION, region);
      assert.equal(run.exported.AWS_DEFAULT_REGION, region);
      assert.equal(run.outputs["aws-account-id"], issued.account);
      assert.equal(run.outputs["authenticated-arn"], issued.assumedRoleArn);
      // Masks first: every secret is masked before any line that could show it, and the log shows none.
      for (const secret of [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken]) {
        assert.ok(run.masks.includes(secret));
        const firstMask = run.stdout.indexOf(`::add-mask::${secret}`);
        assert.equal(run.stdout.indexOf(secret), firstMask + "::add-mask::".length);
        assert.ok(!run.log.includes(secret));
      }
      // The log shows the session (unless masked) and the claims of the token traded (none when chaining).
      const arn = run.masks.includes(issued.assumedRoleArn)
        ? "\\*\\*\\*"
        : issued.assumedRoleArn.replace(/[/.*+?]/g, "\\$&");
      assert.match(run.log, new RegExp(`^Assumed ${arn} \\(account `, "m"));
      if (!run.log.includes("via the keys in AWS_ACCESS_KEY_ID")) {
        assert.match(run.log, /token iss=http:\/\/127\.0\.0\.1:\d+, aud=sts\.amazonaws\.com(\.cn)?, sub=repo:/);
      }
    }

    it("Quick Start: the five variables, masked first; the session GitHubActions for one hour", async () => {
      const run = await runStep(node, job, withBlock(README["Quick Start (OIDC, recommended)"]));
      assertExported(run, "us-east-2");
      const call = lastCall();
      assert.equal(call.get("Action"), "AssumeRoleWithWebIdentity");
      assert.equal(call.get("RoleArn"), "arn:aws:iam::123456789100:role/my-github-actions-role");
      assert.equal(call.get("RoleSessionName"), "GitHubActions");
      assert.equal(call.get("DurationSeconds"), "3600");
      assert.equal(
        run.outputs["authenticated-arn"],
        "arn:aws:sts::123456789100:assumed-role/my-github-actions-role/GitHubActions",
      );
      assert.deepEqual(Object.keys(run.outputs), ["aws-account-id", "authenticated-arn"]);
    });

    it("AssumeRoleWithWebIdentity: role-session-name", async () => {
      const run = await runStep(node, job, withBlock(README.AssumeRoleWithWebIdentity));
      assertExported(run, "us-east-2");
      assert.equal(lastCall().get("RoleSessionName"), "MySessionName");
    });

    it("role chaining: the second step assumes its role with the first step's exported keys", async () => {
      const first = await runStep(node, job, withBlock(README.AssumeRoleWithWebIdentity));
      assertExported(first, "us-east-2");
      const second = await runStep(
        node,
        { ...job, env: { ...laterEnv(job, first), AWS_ENDPOINT_URL_STS: emulator.url } },
        withBlock(README["AssumeRole with role previously assumed by action in same workflow (second step)"]),
      );
      assertExported(second, "us-east-2");
      const issued = emulator.issued.get(second.exported.AWS_ACCESS_KEY_ID)!;
      assert.equal(issued.roleArn, "arn:aws:iam::987654321000:role/my-second-role");
      assert.equal(issued.assumedRoleArn, "arn:aws:sts::987654321000:assumed-role/my-second-role/MySessionName");
      const call = emulator.requests.filter((r) => r.target === "sts").at(-1)!;
      assert.equal(call.action, "AssumeRole");
      assert.equal(call.hasAuthorization, true);
      assert.match(second.log, /via the keys in AWS_ACCESS_KEY_ID/);
    });

    it("OIDC Audience: the token is asked for with audience sts.amazonaws.com.cn, in the aws-cn partition", async () => {
      const run = await runStep(node, job, withBlock(README["OIDC Audience (China region)"]));
      assertExported(run, "cn-northwest-1");
      assert.equal(emulator.requests.filter((r) => r.target === "token").at(-1)!.audience, "sts.amazonaws.com.cn");
      assert.match(run.outputs["authenticated-arn"], /^arn:aws-cn:sts::123456789100:assumed-role\//);
    });

    it("output-credentials: the keys and expiration as outputs too (masked)", async () => {
      const run = await runStep(node, job, withBlock(README["Retrieving credentials from step output (first step)"]));
      assertExported(run, "us-east-2");
      const issued = emulator.issued.get(run.exported.AWS_ACCESS_KEY_ID)!;
      assert.equal(run.outputs["aws-access-key-id"], issued.accessKeyId);
      assert.equal(run.outputs["aws-secret-access-key"], issued.secretAccessKey);
      assert.equal(run.outputs["aws-session-token"], issued.sessionToken);
      assert.equal(Date.parse(run.outputs["aws-expiration"]), issued.expiration.getTime());
    });

    for (const name of ["Inline session policies (one line)", "Inline session policies (formatted)"]) {
      it(`${name}: the policy is sent as given`, async () => {
        const inputs = withBlock(README[name]);
        const run = await runStep(node, job, inputs);
        assertExported(run, "us-east-2");
        assert.equal(lastCall().get("Policy"), inputs["inline-session-policy"]);
        assert.equal(JSON.parse(lastCall().get("Policy")!).Statement[0].Action, "s3:List*");
      });
    }

    it("Managed session policies: one, and several (one a line)", async () => {
      const one = await runStep(node, job, withBlock(README["Managed session policies (one)"]));
      assertExported(one, "us-east-2");
      assert.equal(lastCall().get("PolicyArns.member.1.arn"), "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess");
      assert.equal(lastCall().get("PolicyArns.member.2.arn"), null);
      const several = await runStep(node, job, withBlock(README["Managed session policies (several)"]));
      assertExported(several, "us-east-2");
      assert.equal(lastCall().get("PolicyArns.member.2.arn"), "arn:aws:iam::aws:policy/AmazonS3OutpostsReadOnlyAccess");
    });

    it("the other inputs, with configure-aws-credentials' meaning", async () => {
      const run = await runStep(node, job, {
        "role-to-assume": "arn:aws:iam::123456789100:role/my-github-actions-role",
        "aws-region": "eu-west-1",
        "role-duration-seconds": "1200",
        "mask-aws-account-id": "true",
        "allowed-account-ids": "111111111111, 123456789100",
        "role-skip-session-tagging": "true",
        "retry-max-attempts": "3",
        "action-timeout-s": "60",
      });
      assertExported(run, "eu-west-1");
      assert.equal(lastCall().get("DurationSeconds"), "1200");
      assert.ok(run.masks.includes("123456789100"), "mask-aws-account-id masks the account");
      assert.ok(!run.log.includes("123456789100"));
      assert.match(run.log, /role-skip-session-tagging: no effect here: oidc2aws never sends session tags/);
    });

    it("special-characters-workaround: keys without configure-aws-credentials' special characters", async () => {
      const run = await runStep(node, job, {
        "role-to-assume": "arn:aws:iam::123456789100:role/my-github-actions-role",
        "aws-region": "us-east-2",
        "special-characters-workaround": "true",
      });
      assertExported(run, "us-east-2");
      assert.doesNotMatch(run.exported.AWS_SECRET_ACCESS_KEY, /[!@#$%^&*()_+\-=[\]{};':"\\|,.<>/?]/);
      assert.doesNotMatch(run.exported.AWS_ACCESS_KEY_ID, /[!@#$%^&*()_+\-=[\]{};':"\\|,.<>/?]/);
    });

    it("a job's env: AWS_REGION stands for aws-region, as configure-aws-credentials reads it", async () => {
      const run = await runStep(
        node,
        job,
        { "role-to-assume": "arn:aws:iam::123456789100:role/my-github-actions-role" },
        { AWS_REGION: "ap-south-1" },
      );
      assertExported(run, "ap-south-1");
    });

    it("output-env-credentials: false exports nothing but still sets the outputs", async () => {
      const run = await runStep(node, job, {
        "role-to-assume": "arn:aws:iam::123456789100:role/my-github-actions-role",
        "output-env-credentials": "false",
        "output-credentials": "true",
      });
      assert.equal(run.code, 0, run.stdout);
      assert.deepEqual(run.exported, {});
      assert.ok(emulator.issued.has(run.outputs["aws-access-key-id"]));
      assert.ok(run.masks.includes(run.outputs["aws-secret-access-key"]));
    });

    it("allowed-account-ids: a role of another account fails the step, and nothing is exported", async () => {
      const run = await runStep(node, job, {
        "role-to-assume": "arn:aws:iam::123456789100:role/my-github-actions-role",
        "aws-region": "us-east-2",
        "allowed-account-ids": "111111111111",
      });
      assert.equal(run.code, 1);
      assert.deepEqual(run.exported, {});
      assert.match(run.errors[0], /^ERR_USAGE: The role .* is in account 123456789100, which allowed-account-ids/);
    });

    for (const [name, { yaml, fix }] of Object.entries(REFUSED)) {
      it(`refused: ${name}, saying what to do`, async () => {
        const before = emulator.count();
        const run = await runStep(node, job, {
          "role-to-assume": "arn:aws:iam::123456789100:role/my-github-actions-role",
          ...withBlock(yaml),
        });
        assert.equal(run.code, 1);
        assert.equal(run.errors.length, 1, run.stdout);
        assert.match(run.errors[0], /^ERR_USAGE: /);
        assert.match(run.errors[0], fix);
        assert.deepEqual(run.exported, {});
        assert.deepEqual(run.outputs, {});
        assert.equal(emulator.count(), before, "no request was made");
        for (const value of Object.values(withBlock(yaml))) {
          if (/SECRET|EXAMPLEKEY|TOKEN/.test(value)) {
            assert.ok(!run.stdout.includes(value), "a secret input is not echoed");
          }
        }
      });
    }

    it("a trust policy's refusal fails the step with the token's claims, and exports nothing", async () => {
      const refusing = await startEmulator({
        roles: { "arn:aws:iam::123456789100:role/my-github-actions-role": { sub: "repo:other-org/*" } },
      });
      try {
        const run = await runStep(node, { ...job, env: { ...job.env, ...refusing.env } }, {
          "role-to-assume": "arn:aws:iam::123456789100:role/my-github-actions-role",
          "aws-region": "us-east-2",
        });
        assert.equal(run.code, 1);
        assert.deepEqual(run.exported, {});
        assert.match(run.errors[0], /AccessDenied/);
        assert.match(run.errors[0], /sub=repo:octo-org\/octo-repo:ref:refs\/heads\/main/);
      } finally {
        await refusing.stop();
      }
    });
  });
}
