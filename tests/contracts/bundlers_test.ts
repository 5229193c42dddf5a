/**
 * The npm package bundled into a user's code, as serverless deploy tooling does it: the packed tarball
 * unpacked into a fresh project's node_modules, a consumer that imports "oidc2aws" bundled by esbuild
 * (ESM and CommonJS), webpack 5 (`target: "node"`, production; CommonJS and ES module output) and Rollup with
 * @rollup/plugin-node-resolve (ESM and CommonJS; one file or a directory), with each one's default
 * settings otherwise. Each bundle runs with Node against the emulator: a profile whose token comes
 * from `web_identity_token_process` (the runtime adapter's child_process runner, inside the bundle),
 * and a GitHub Actions job's profile (its token server), each through resolveProfile + assumeRole.
 * A platform=neutral bundle with every host piece injected must run without any node: module.
 * Runs in the Node test run only (the bundlers are Node tools, and slow-ish); builds dist/ first when
 * it is missing or older than the sources.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DEFAULT_SUBJECT, type Emulator, startEmulator } from "../../emulator/mod.ts";
import { type Ran, run } from "../_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = fileURLToPath(new URL("../testdata/bundlers/", import.meta.url));
const runtime = process.env.OIDC2AWS_TEST_RUNTIME ??
  ("Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node");
const ROLE = "arn:aws:iam::123456789012:role/bundled";
/** The subject of the token the token command prints, to tell its credentials from the token server's. */
const PROCESS_SUBJECT = "repo:octo-org/bundled:ref:refs/heads/token-process";

/** Whether dist/ is missing, or older than a source file it is built from. */
async function distStale(): Promise<boolean> {
  const built = await stat(join(root, "dist/cli.js")).then((s) => s.mtimeMs, () => 0);
  if (built === 0) return true;
  const sources = ["mod.ts", "cli.ts", "scripts/build.mjs"];
  for (const dir of ["lib", "cli"]) {
    for (const file of await readdir(join(root, dir), { recursive: true })) {
      if (file.endsWith(".ts")) sources.push(join(dir, file));
    }
  }
  for (const source of sources) {
    if ((await stat(join(root, source))).mtimeMs > built) return true;
  }
  return false;
}

describe("the packed package bundled by esbuild, webpack and Rollup", {
  skip: runtime !== "node" && `runs the bundlers (Node tools) and their bundles with Node: Node test run only`,
}, () => {
  let dir: string;
  let project: string;
  let out: string;
  let emulator: Emulator;
  /** The environment of a run with the web_identity_token_process profile. */
  let processEnv: Record<string, string>;
  /** The environment of a GitHub Actions job with id-token: write. */
  let githubEnv: Record<string, string>;
  let configText: string;
  let processToken: string;

  before(async () => {
    if (await distStale()) {
      const built = await run("npm", ["run", "build", "--silent"], { cwd: root });
      assert.equal(built.code, 0, `npm run build: ${built.stderr}`);
    }
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-bundlers-"));
    // dist/ is built: --ignore-scripts skips prepack's second build.
    const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root });
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout);
    project = join(dir, "consumer");
    out = join(project, "out");
    const installed = join(project, "node_modules/oidc2aws");
    await mkdir(installed, { recursive: true });
    const unpacked = await run("tar", ["xzf", join(dir, info.filename), "-C", installed, "--strip-components=1"], {
      cwd: dir,
    });
    assert.equal(unpacked.code, 0, unpacked.stderr);
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    for (const file of ["consumer.mjs", "neutral.mjs", "deny_node_modules.mjs", "print_token.mjs"]) {
      await copyFile(join(fixtures, file), join(project, file));
    }
    // The same consumer as CommonJS: `require("oidc2aws")`, which resolves to dist/mod.cjs.
    const consumer = await readFile(join(fixtures, "consumer.mjs"), "utf8");
    const imports = 'import { assumeRole, resolveProfile } from "oidc2aws";';
    assert.ok(consumer.includes(imports), "consumer.mjs imports the library as this test rewrites it");
    await writeFile(
      join(project, "consumer.cjs"),
      consumer.replace(imports, 'const { assumeRole, resolveProfile } = require("oidc2aws");'),
    );

    emulator = await startEmulator({ roles: { [ROLE]: { sub: "repo:octo-org/*" } } });
    processToken = await emulator.mintToken({ claims: { sub: PROCESS_SUBJECT } });
    await writeFile(join(project, "token.txt"), processToken);
    const home = join(dir, "home");
    await mkdir(home);
    configText = `[profile process]
role_arn = ${ROLE}
role_session_name = bundled-process
web_identity_token_process = "${process.execPath}" "${join(project, "print_token.mjs")}"
`;
    await writeFile(join(project, "aws_config"), configText);
    const base = { PATH: process.env.PATH ?? "", HOME: home };
    processEnv = {
      ...base,
      AWS_CONFIG_FILE: join(project, "aws_config"),
      AWS_PROFILE: "process",
      AWS_ENDPOINT_URL_STS: emulator.stsUrl,
      AWS_REGION: "us-east-1",
    };
    githubEnv = { ...base, ...emulator.env, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub" };
  });

  after(async () => {
    await emulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs a bundle with Node; its stdout is the credentials it got, as JSON. */
  const runBundle = (bundle: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Ran> =>
    run(process.execPath, [...nodeArgs, bundle], { cwd: project, env });

  /** Runs the bundle once per profile (at once), and checks each run's credentials against what STS issued. */
  async function assumesBothWays(bundle: string): Promise<void> {
    const cases = [
      { env: processEnv, subject: PROCESS_SUBJECT, session: "bundled-process" },
      { env: githubEnv, subject: DEFAULT_SUBJECT, session: undefined },
    ];
    await Promise.all(cases.map(async ({ env, subject, session }) => {
      const ran = await runBundle(bundle, env);
      assert.equal(ran.code, 0, `${bundle}: ${ran.stderr}`);
      assert.equal(ran.stderr, "", "nothing on stderr (the CLI did not start)");
      const got = JSON.parse(ran.stdout);
      const issued = emulator.issued.get(got.id);
      assert.ok(issued, `the emulator issued ${got.id}`);
      assert.equal(got.secret, issued.secretAccessKey);
      assert.equal(got.arn, issued.assumedRoleArn);
      assert.equal(issued.roleArn, ROLE);
      assert.equal(issued.subject, subject, "the token came from the expected source");
      if (session) assert.equal(issued.roleSessionName, session);
    }));
  }

  for (const format of ["esm", "cjs"] as const) {
    it(`esbuild --bundle --platform=node --format=${format} --minify`, async () => {
      const { build } = await import("esbuild");
      const outfile = join(out, `esbuild.${format === "esm" ? "mjs" : "cjs"}`);
      const result = await build({
        entryPoints: [join(project, "consumer.mjs")],
        outfile,
        bundle: true,
        platform: "node",
        format,
        minify: true,
        logLevel: "silent",
      });
      assert.deepEqual(result.warnings.map((w) => w.text), []);
      await assumesBothWays(outfile);
    });
  }

  it('a CommonJS consumer, require("oidc2aws") (dist/mod.cjs), bundled by esbuild and by webpack', async () => {
    const { build } = await import("esbuild");
    const esbuilt = join(out, "esbuild-require.cjs");
    const result = await build({
      entryPoints: [join(project, "consumer.cjs")],
      outfile: esbuilt,
      bundle: true,
      platform: "node",
      format: "cjs",
      logLevel: "silent",
    });
    assert.deepEqual(result.warnings.map((w) => w.text), []);
    const { default: webpack } = await import("webpack");
    const stats = await new Promise<import("webpack").Stats>((resolve, reject) =>
      webpack({
        mode: "production",
        target: "node",
        context: project,
        entry: "./consumer.cjs",
        optimization: { minimize: false },
        output: { path: join(out, "webpack-require"), filename: "main.js" },
      }, (err, stats) => (err || !stats ? reject(err) : resolve(stats)))
    );
    const { errors = [], warnings = [] } = stats.toJson({ all: false, errors: true, warnings: true });
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.deepEqual(warnings.map((w) => w.message), []);
    await Promise.all([esbuilt, join(out, "webpack-require/main.js")].map((f) => assumesBothWays(f)));
  });

  it('webpack 5, target: "node", mode: "production" (Node API): CommonJS, and ES module output', async () => {
    const { default: webpack } = await import("webpack");
    const base = {
      mode: "production",
      target: "node",
      context: project,
      entry: "./consumer.mjs",
      // Terser, re-minifying the already minified library, is 80% of the build's time and changes
      // nothing in how modules resolve (a minified production build runs the same).
      optimization: { minimize: false },
    } as const;
    const stats = await new Promise<import("webpack").MultiStats>((resolve, reject) =>
      webpack([
        { ...base, output: { path: join(out, "webpack-cjs"), filename: "main.js" } },
        {
          ...base,
          output: { path: join(out, "webpack-esm"), filename: "main.mjs", chunkFilename: "[id].mjs", module: true },
          experiments: { outputModule: true },
        },
      ], (err, stats) => (err || !stats ? reject(err) : resolve(stats)))
    );
    for (const one of stats.stats) {
      const { errors = [], warnings = [] } = one.toJson({ all: false, errors: true, warnings: true });
      assert.deepEqual(errors.map((e) => e.message), []);
      // "Critical dependency: the request of a dependency is an expression" was how an import() of a
      // computed specifier showed; such a bundle fails at run time (Cannot find module 'node:…').
      assert.deepEqual(warnings.map((w) => w.message), []);
    }
    await Promise.all(["webpack-cjs/main.js", "webpack-esm/main.mjs"].map((f) => assumesBothWays(join(out, f))));
  });

  it("rollup with @rollup/plugin-node-resolve: ESM and CommonJS, into a directory and into one file", async () => {
    const { rollup } = await import("rollup");
    const { nodeResolve } = await import("@rollup/plugin-node-resolve");
    const warnings: string[] = [];
    const bundle = await rollup({
      input: join(project, "consumer.mjs"),
      plugins: [nodeResolve()],
      onwarn: (warning) => void warnings.push(`${warning.code}: ${warning.message}`),
    });
    try {
      // Chunks named like their entry, so Node knows each file's module type (dist/rare.js is a chunk).
      await bundle.write({
        dir: join(out, "rollup-esm"),
        format: "es",
        entryFileNames: "[name].mjs",
        chunkFileNames: "[name]-[hash].mjs",
      });
      await bundle.write({
        dir: join(out, "rollup-cjs"),
        format: "cjs",
        entryFileNames: "[name].cjs",
        chunkFileNames: "[name]-[hash].cjs",
      });
      // One file needs inlineDynamicImports: dist/rare.js is a file of its own, loaded on demand.
      await bundle.write({ file: join(out, "rollup-one.mjs"), format: "es", inlineDynamicImports: true });
    } finally {
      await bundle.close();
    }
    assert.deepEqual(warnings, []);
    await Promise.all(
      ["rollup-esm/consumer.mjs", "rollup-cjs/consumer.cjs", "rollup-one.mjs"].map((f) =>
        assumesBothWays(join(out, f))
      ),
    );
  });

  it("esbuild --platform=neutral --external:node:*: no node: module is imported unless used", async () => {
    const { build } = await import("esbuild");
    const outfile = join(out, "neutral.mjs");
    const result = await build({
      entryPoints: [join(project, "neutral.mjs")],
      outfile,
      bundle: true,
      platform: "neutral",
      format: "esm",
      external: ["node:*"],
      minify: true,
      metafile: true,
      logLevel: "silent",
    });
    assert.deepEqual(result.warnings.map((w) => w.text), []);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
    const nodeImports = imports.filter((i) => i.path.startsWith("node:"));
    assert.ok(nodeImports.length > 0, "the library has its node: imports (the runtime adapter's)");
    assert.deepEqual(nodeImports.filter((i) => i.kind !== "dynamic-import"), [], "each of them is a lazy import()");

    const env = {
      AWS_CONFIG_FILE: "/virtual/aws_config",
      AWS_PROFILE: "process",
      AWS_ENDPOINT_URL_STS: emulator.stsUrl,
      AWS_REGION: "us-east-1",
    };
    const guard = ["--import", pathToFileURL(join(project, "deny_node_modules.mjs")).href];
    const ran = await runBundle(outfile, {
      PATH: process.env.PATH ?? "",
      OIDC2AWS_CASE: JSON.stringify({ env, config: configText, token: processToken }),
    }, guard);
    assert.equal(ran.code, 0, ran.stderr);
    const got = JSON.parse(ran.stdout);
    assert.equal(emulator.issued.get(got.id)?.subject, PROCESS_SUBJECT);

    // The guard does refuse node: modules: the platform=node bundle, which needs them, fails under it.
    const nodeBundle = join(out, "guarded-node.mjs");
    await build({
      entryPoints: [join(project, "consumer.mjs")],
      outfile: nodeBundle,
      bundle: true,
      platform: "node",
      format: "esm",
      logLevel: "silent",
    });
    const refused = await runBundle(nodeBundle, processEnv, guard);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /the bundle imported node:/);
  });
});
