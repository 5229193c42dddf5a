/**
 * `npm run demo`, the README's first command, keeps working: scripts/demo.ts runs against its own
 * loopback emulator and tells its story. Node only (npm runs it on Node); needs dist/ (npm test
 * builds it first).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { run } from "../_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);

describe("npm run demo", { skip: !onNode && "npm runs the demo on Node: tested in the Node run only" }, () => {
  it("assumes several roles, runs the SDK under exec, caches, explains a refusal, chains roles, and exits 0", async () => {
    const { code, stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1" },
    });
    assert.equal(code, 0, stderr + stdout);
    assert.match(stdout, /^ {4}assumed {3}arn:aws:sts::123456789012:assumed-role\//m, "the first role");
    assert.match(stdout, /^ {4}assumed {3}arn:aws:sts::210987654321:assumed-role\//m, "a second role at once");
    assert.match(stdout, /the AWS SDK in the child process signed a request as arn:aws:sts::\d{12}:assumed-role\//);
    assert.match(stdout, /^ {4}\{"Version":1,"AccessKeyId":"ASIA/m, "credential_process JSON");
    assert.match(stdout, /run twice: 1 STS request/);
    assert.match(stdout, /oidc2aws: ERR_STS: Cannot assume role .*: AccessDenied .*sub=repo:/);
    assert.match(
      stdout,
      /^ {4}hop 1 {5}profile hub: arn:aws:iam::111111111111:role\/oidc2aws-hub as arn:aws:sts::111111111111:assumed-role\//m,
      "role chaining: the hub",
    );
    assert.match(stdout, /^ {4}assumed {3}arn:aws:sts::222222222222:assumed-role\/oidc2aws-release\/release$/m);
    assert.match(stdout, /^Done\. The emulator answered \d+ token requests and \d+ STS requests\./m);
  });
});
