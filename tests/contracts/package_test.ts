/**
 * The npm package as a user gets it: `npm pack`, then `npm install ./oidc2aws-X.tgz` into a fresh
 * project (offline: the package has no dependencies), then the installed `oidc2aws` bin, an ES module
 * that imports "oidc2aws", and a TypeScript file type-checked against the shipped .d.ts files — all
 * against the loopback emulator. Runs in the Node test run only (it drives npm); needs dist/ (npm
 * test builds it first).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { VERSION } from "../../mod.ts";
import { CONSUMER_COMPILER_OPTIONS, installPacked, run } from "../_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);
const ROLE = "arn:aws:iam::123456789012:role/packaged";

describe("the npm package, packed and installed into a fresh project", {
  skip: !onNode && "drives npm and node: runs in the Node test run only",
}, () => {
  let dir: string;
  let project: string;
  let emulator: Emulator;
  let files: string[];
  /** The job's env: the emulator's token server and STS, plus the role. HOME is empty. */
  let jobEnv: Record<string, string>;

  before(async () => {
    if (!existsSync(join(root, "dist/cli.js"))) throw new Error("dist/ is missing: run npm run build (npm test does)");
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-package-"));
    ({ project, files } = await installPacked(root, dir));
    emulator = await startEmulator({ roles: { [ROLE]: { sub: "repo:octo-org/*" } } });
    jobEnv = {
      PATH: process.env.PATH ?? "",
      HOME: join(dir, "home"),
      ...emulator.env,
      AWS_ROLE_ARN: ROLE,
      AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
    };
  });

  after(async () => {
    await emulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("ships the build, the types, the README and the license; no sources, tests or tools", () => {
    const needed = [
      "LICENSE",
      "README.md",
      "package.json",
      "dist/bin.cjs",
      "dist/mod.cjs",
      "dist/mod.d.cts",
      "dist/cli.js",
      "dist/mod.js",
      "dist/mod.d.ts",
    ];
    for (const file of needed) assert.ok(files.includes(file), `${file} is in the package`);
    const stray = files.filter((f) =>
      !/^(?:LICENSE|README\.md|package\.json|dist\/(?:bin|mod)\.cjs|dist\/mod\.d\.cts|dist\/.+\.(?:js|d\.ts))$/.test(f)
    );
    assert.deepEqual(stray, []);
  });

  it("installs with no dependencies, and its bin runs as `oidc2aws`", async () => {
    const manifest = JSON.parse(await readFile(join(project, "node_modules/oidc2aws/package.json"), "utf8"));
    assert.equal(manifest.dependencies, undefined);
    const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8"));
    assert.deepEqual(Object.keys(lock.packages).sort(), ["", "node_modules/oidc2aws"], "nothing else was installed");
    const version = await run(join(project, "node_modules/.bin/oidc2aws"), ["--version"], { cwd: project });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, new RegExp(`\\b${VERSION.replaceAll(".", "\\.")}\\b`));
  });

  it("the installed bin is a credential_process for the emulator's role", async () => {
    const bin = join(project, "node_modules/.bin/oidc2aws");
    const answer = await run(bin, ["credential-process", "--no-cache"], { cwd: project, env: jobEnv });
    assert.equal(answer.code, 0, answer.stderr);
    const out = JSON.parse(answer.stdout);
    assert.equal(out.Version, 1);
    const issued = emulator.issued.get(out.AccessKeyId);
    assert.ok(issued, "the emulator issued these credentials");
    assert.equal(out.SecretAccessKey, issued.secretAccessKey);
    assert.equal(out.AccountId, "123456789012");
  });

  it('`import "oidc2aws"` from an ES module resolves the profile and assumes the role', async () => {
    await writeFile(
      join(project, "use.mjs"),
      `import { assumeRole, resolveProfile, VERSION } from "oidc2aws";
const credentials = await assumeRole(await resolveProfile());
process.stdout.write(JSON.stringify({ VERSION, id: credentials.accessKeyId, arn: credentials.assumedRoleArn }));`,
    );
    const answer = await run(process.execPath, ["use.mjs"], { cwd: project, env: jobEnv });
    assert.equal(answer.code, 0, answer.stderr);
    const out = JSON.parse(answer.stdout);
    assert.equal(out.VERSION, VERSION);
    assert.ok(emulator.issued.has(out.id));
    assert.match(out.arn, /^arn:aws:sts::123456789012:assumed-role\/packaged\//);
  });

  it('`require("oidc2aws")` works from CommonJS on Node >= 20.19 (engines), and so does its package.json', async () => {
    await writeFile(
      join(project, "use.cjs"),
      `const oidc2aws = require("oidc2aws");
const manifest = require("oidc2aws/package.json");
const { join } = require("node:path");
let err;
try {
  oidc2aws.parseConfig("region = eu-west-1\\n");
} catch (thrown) {
  err = thrown;
}
import("oidc2aws").then((esm) => {
  process.stdout.write(JSON.stringify({
    VERSION: oidc2aws.VERSION,
    manifest: manifest.version,
    file: require.resolve("oidc2aws").endsWith(join("dist", "mod.cjs")),
    names: Object.keys(oidc2aws).sort().join() === Object.keys(esm).sort().join(),
    same: Object.keys(esm).every((name) => esm[name] === oidc2aws[name]),
    instance: err instanceof esm.ConfigSyntaxError || String(err),
  }));
});`,
    );
    // The program's own arguments look like a CLI command: the CLI must not take them.
    const answer = await run(process.execPath, ["use.cjs", "credential-process"], { cwd: project, env: jobEnv });
    // The CLI does not start: it would print its usage or credentials.
    assert.equal(answer.code, 0, answer.stderr);
    assert.equal(answer.stderr, "");
    // The CommonJS entry, under the ES module's names, with its very functions and classes.
    assert.deepEqual(JSON.parse(answer.stdout), {
      VERSION,
      manifest: VERSION,
      file: true,
      names: true,
      same: true,
      instance: true,
    });
  });

  it("its .d.ts files type a TypeScript consumer, and catch a misuse", async () => {
    const tsc = join(root, "node_modules/.bin/tsc");
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: CONSUMER_COMPILER_OPTIONS, files: ["good.ts", "good.cts"] }),
    );
    // A CommonJS consumer: require() resolves to dist/mod.cjs and its declarations, dist/mod.d.cts.
    await writeFile(
      join(project, "good.cts"),
      `import oidc2aws = require("oidc2aws");
export async function keyId(): Promise<string> {
  const credentials: oidc2aws.Credentials = await oidc2aws.assumeRole(await oidc2aws.resolveProfile());
  return credentials.accessKeyId;
}
`,
    );
    await writeFile(
      join(project, "good.ts"),
      `import { assumeRole, type Credentials, fromWebIdentity, parseConfig, resolveProfile } from "oidc2aws";
export async function main(): Promise<Date> {
  const credentials: Credentials = await assumeRole(await resolveProfile({ profile: "ci" }));
  const provider = fromWebIdentity({ profile: "deploy" });
  const sections = parseConfig("[profile a]\\nregion = eu-west-1\\n", { kind: "config" });
  void sections.profiles;
  return (await provider()).expiration ?? credentials.expiration;
}
`,
    );
    const good = await run(tsc, ["-p", "."], { cwd: project });
    assert.equal(good.code, 0, good.stdout + good.stderr);
    // A Node project's usual setup: no DOM library, the web globals from @types/node.
    await writeFile(
      join(project, "tsconfig.node.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { lib: ["es2022"], types: ["node"], typeRoots: [join(root, "node_modules/@types")] },
      }),
    );
    const withNodeTypes = await run(tsc, ["-p", "tsconfig.node.json"], { cwd: project });
    assert.equal(withNodeTypes.code, 0, withNodeTypes.stdout + withNodeTypes.stderr);

    // The same consumer with a wrong type: the package's types must be real enough to refuse it.
    await writeFile(
      join(project, "bad.ts"),
      `import { assumeRole, resolveProfile } from "oidc2aws";
export const key: number = (await assumeRole(await resolveProfile())).accessKeyId;
`,
    );
    await writeFile(
      join(project, "tsconfig.bad.json"),
      JSON.stringify({ extends: "./tsconfig.json", files: ["bad.ts"] }),
    );
    const badCheck = await run(tsc, ["-p", "tsconfig.bad.json"], { cwd: project });
    assert.notEqual(badCheck.code, 0);
    assert.match(
      badCheck.stdout + badCheck.stderr,
      /bad\.ts\(2,14\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });
});
