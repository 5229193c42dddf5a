// `npm run demo`: the whole oidc2aws flow on this machine, against the loopback emulator.
// It plays a GitHub Actions job with `permissions: id-token: write` and runs the CLI (the npm
// build, as `npx oidc2aws` would) with the committed example config: two roles at once, a tool
// run with one role, and a trust policy that refuses this job.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[22m` : text);
const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text);
const indent = (text: string) => text.trimEnd().split("\n").map((line) => `    ${line}`).join("\n");

const emulator = await startEmulator({
  roles: {
    "arn:aws:iam::123456789012:role/oidc2aws-demo": { sub: "repo:octo-org/octo-repo:*" },
    "arn:aws:iam::210987654321:role/oidc2aws-audit": { sub: "repo:octo-org/*" },
    "arn:aws:iam::123456789012:role/oidc2aws-prod": { sub: "repo:octo-org/octo-repo:environment:prod" },
    // Hub and spoke: the hub trusts the token; the release role trusts only the hub's sessions.
    "arn:aws:iam::111111111111:role/oidc2aws-hub": { sub: "repo:octo-org/*" },
    "arn:aws:iam::222222222222:role/oidc2aws-release": {
      sub: [],
      trustedCallers: ["arn:aws:sts::111111111111:assumed-role/oidc2aws-hub/*"],
    },
  },
});

const env: Record<string, string> = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  ...emulator.env,
  AWS_CONFIG_FILE: "examples/aws_config",
};
delete env.AWS_REGION;

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}dist/cli.js`, ...args], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

async function step(title: string, args: string[], expectCode = 0): Promise<void> {
  console.log(
    `\n${bold(title)}\n  ${dim(`$ oidc2aws ${args.map((a) => (/[\s"'$]/.test(a) ? `'${a}'` : a)).join(" ")}`)}`,
  );
  const { code, out } = await cli(args);
  console.log(indent(out));
  if (code !== expectCode) throw new Error(`expected exit code ${expectCode}, got ${code}`);
}

try {
  console.log(bold("oidc2aws demo: AWS credentials from a CI job's OIDC token, for several roles at once"));
  console.log(
    `Everything runs on this machine: a stand-in for GitHub's token server and for AWS STS listens on ${emulator.url}\n` +
      "(it signs tokens, checks their signature and audience, and each role's trust policy on sub). No AWS account, no network.\n" +
      `This process plays a GitHub Actions job with "permissions: id-token: write" (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN\n` +
      `are set) and AWS_CONFIG_FILE=examples/aws_config, whose profiles deploy, audit and prod are three roles,\n` +
      "and release a role in another account reached through the hub role (role chaining).",
  );

  await step("1. Two roles at once: whoami shows what each token said and which role it became", [
    "whoami",
    "--profile",
    "deploy",
    "--profile",
    "audit",
  ]);

  await step(
    "2. Run a tool with one role: exec puts the credentials in its environment (here the AWS SDK for JavaScript)",
    [
      "exec",
      "--profile",
      "deploy",
      "--",
      "node",
      "--no-warnings",
      "examples/sdk_identity.mjs",
    ],
  );

  env.OIDC2AWS_CACHE_DIR = await mkdtemp(join(tmpdir(), "oidc2aws-demo-"));
  const stsBefore = emulator.count("sts");
  await step("3. The bridge for the AWS CLI, Terraform and boto3: credential_process JSON", [
    "credential-process",
    "--profile",
    "audit",
  ]);
  await cli(["credential-process", "--profile", "audit"]);
  console.log(
    `    ${
      dim(
        `(run twice: ${
          emulator.count("sts") - stsBefore
        } STS request; the second answer came from the job's private cache)`,
      )
    }`,
  );
  await rm(env.OIDC2AWS_CACHE_DIR, { recursive: true, force: true });

  await step("4. A role whose trust policy does not admit this job: the error shows the token's claims", [
    "whoami",
    "--profile",
    "prod",
  ], 1);

  await step(
    "5. Role chaining: release (source_profile = hub) is assumed with the hub role's credentials, a SigV4-signed sts:AssumeRole",
    ["whoami", "--profile", "release"],
  );

  console.log(
    `\n${bold("Done.")} The emulator answered ${emulator.count("token")} token requests and ${
      emulator.count("sts")
    } STS requests. ` +
      "Next: README.md for GitHub Actions workflows, and npm test.",
  );
} finally {
  await emulator.stop();
}
