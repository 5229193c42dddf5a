/**
 * The oldest TypeScript the package's declarations work with: 5.0. The .d.ts files import each other
 * by `.ts` paths (`export ... from "./lib/errors.ts"`), which TypeScript reads since 5.0 and 4.9
 * refuses (TS2691). A consumer project compiles against the packed package with TypeScript 5.0 (both
 * `nodenext` and `bundler` resolution; the package's .d.ts files are checked, only TypeScript's own
 * libs are skipped), and with 4.9, which must fail that way: the README's minimum is then exact.
 * Both compilers are installed from npm into .cache/typescript/ by scripts/test_tools.mjs, which
 * `npm test` and .ci/run run before the suites (they are not dependencies users get); a test never
 * installs anything. Runs in the Node test run only (it
 * drives npm); needs dist/ (npm test builds it first).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { CONSUMER_COMPILER_OPTIONS, installPacked, onceAcrossNode, run } from "../_helpers.ts";
import { tscPath, TYPESCRIPTS } from "../../scripts/test_tools.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const onNode = !("Deno" in globalThis) && !("Bun" in globalThis);
const tscOf = tscPath;

describe("TypeScript consumers of the packed package", {
  skip: (!onNode && "drives npm: runs in the Node test run only") || onceAcrossNode(),
}, () => {
  let dir: string;
  let project: string;

  before(async () => {
    if (!existsSync(join(root, "dist/cli.js"))) throw new Error("dist/ is missing: run npm run build (npm test does)");
    const missing = Object.entries(TYPESCRIPTS).filter(([name]) => !existsSync(tscOf(name as "ts50" | "ts49")));
    assert.deepEqual(
      missing.map(([, spec]) => spec),
      [],
      "TypeScript 5.0 and 4.9 are not under .cache/typescript/: run node scripts/test_tools.mjs (npm test does)",
    );
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-typescript-"));
    ({ project } = await installPacked(root, dir));
    const compilerOptions = { ...CONSUMER_COMPILER_OPTIONS, skipDefaultLibCheck: true };
    await writeFile(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["good.ts"] }));
    await writeFile(
      join(project, "tsconfig.bundler.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { module: "esnext", moduleResolution: "bundler" },
      }),
    );
    await writeFile(
      join(project, "tsconfig.bad.json"),
      JSON.stringify({ extends: "./tsconfig.json", files: ["bad.ts"] }),
    );
    await writeFile(
      join(project, "good.ts"),
      `import { assumeRole, type Credentials, fromWebIdentity, type Profile, resolveProfile, StsError } from "oidc2aws";
export async function main(): Promise<Date> {
  const profile: Profile = await resolveProfile({ profile: "ci" });
  const credentials: Credentials = await assumeRole(profile);
  const provider = fromWebIdentity({ profile: "deploy" });
  try {
    return (await provider()).expiration ?? credentials.expiration;
  } catch (err) {
    if (err instanceof StsError) throw new Error(err.awsCode);
    throw err;
  }
}
`,
    );
    await writeFile(
      join(project, "bad.ts"),
      `import { assumeRole, resolveProfile } from "oidc2aws";
export const key: number = (await assumeRole(await resolveProfile())).accessKeyId;
`,
    );
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("TypeScript 5.0 type-checks a consumer, with nodenext and with bundler resolution", async () => {
    const version = await run(process.execPath, [tscOf("ts50"), "--version"], { cwd: project });
    assert.match(version.stdout, /^Version 5\.0\./);
    for (const config of ["tsconfig.json", "tsconfig.bundler.json"]) {
      const checked = await run(process.execPath, [tscOf("ts50"), "-p", config], { cwd: project });
      assert.equal(checked.code, 0, `${config}: ${checked.stdout}${checked.stderr}`);
    }
  });

  it("TypeScript 5.0 catches a misuse: the types it reads are the real ones", async () => {
    const checked = await run(process.execPath, [tscOf("ts50"), "-p", "tsconfig.bad.json"], { cwd: project });
    assert.notEqual(checked.code, 0);
    assert.match(checked.stdout, /bad\.ts\(2,14\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it("TypeScript 4.9 refuses the declarations' .ts import paths, so 5.0 is the minimum", async () => {
    const version = await run(process.execPath, [tscOf("ts49"), "--version"], { cwd: project });
    assert.match(version.stdout, /^Version 4\.9\./);
    const checked = await run(process.execPath, [tscOf("ts49"), "-p", "tsconfig.json"], { cwd: project });
    assert.notEqual(checked.code, 0);
    assert.match(checked.stdout, /node_modules\/oidc2aws\/dist\/mod\.d\.ts\(\d+,\d+\): error TS2691: /);
  });
});
