import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { VERSION } from "../../mod.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const pkg = JSON.parse(read("package.json"));
const deno = JSON.parse(read("deno.json"));

describe("package manifests", () => {
  it("keep one version in package.json, deno.json and lib/version.ts", () => {
    assert.equal(pkg.version, deno.version);
    assert.equal(VERSION, pkg.version);
  });

  it("export the same built entry points to npm and JSR, each typed by its TypeScript source", () => {
    // npm's "./package.json" is the manifest itself, for tools that read it; JSR has no such entry.
    const npm = Object.keys(pkg.exports).filter((entry) => entry !== "./package.json").sort();
    const jsr = Object.keys(deno.exports).sort();
    assert.deepEqual(npm, jsr);
    for (const entry of npm) {
      const built = deno.exports[entry];
      assert.match(built, /^\.\/dist\/\w+\.js$/);
      assert.equal(pkg.exports[entry].default, built);
      assert.equal(pkg.exports[entry].types, built.replace(/\.js$/, ".d.ts"));
      // JSR publishes the built file, and Deno type-checks its users against the source it names.
      const source = built.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts");
      assert.ok(deno.publish.include.includes(built.slice(2)), `${built} is published to JSR`);
      assert.ok(deno.publish.include.includes(source), `${source} is published to JSR`);
      // In the leading comments, after the `#!` line and Bun's pragma (dist_test.ts) if any.
      assert.match(
        read(built.slice(2)),
        new RegExp(`^(?:#!.*\\n)?(?:// @bun\\n)?/\\* @ts-self-types="\\.\\./${source}" \\*/`),
      );
    }
    // npm's bin is CommonJS, which loads dist/cli.js (scripts/build.mjs says why); npm packs it.
    assert.equal(pkg.bin.oidc2aws, "dist/bin.cjs");
    assert.ok(pkg.files.includes(pkg.bin.oidc2aws), "the bin is in the package");
    // So is what `require("oidc2aws")` loads: CommonJS over dist/cli.js, one ES module where mod.js is two.
    // Its condition comes first, with CommonJS declarations of its own (publint and attw check them).
    assert.deepEqual(Object.keys(pkg.exports["."]), ["require", "types", "default"]);
    assert.deepEqual(pkg.exports["."].require, { types: "./dist/mod.d.cts", default: "./dist/mod.cjs" });
    for (const file of ["dist/mod.cjs", "dist/mod.d.cts"]) {
      assert.ok(pkg.files.includes(file), `${file} is in the package`);
    }
  });

  it("give tools that predate exports the same entry and types as `exports`, and expose package.json", () => {
    assert.equal(pkg.main, pkg.exports["."].default);
    assert.equal(pkg.types, pkg.exports["."].types);
    assert.equal(pkg.exports["./package.json"], "./package.json");
  });

  it("mark as side-effectful exactly the modules whose evaluation matters", () => {
    // dist/cli.js starts the CLI unless dist/mod.js (or dist/mod.cjs), as it is evaluated, marks it as a
    // library. A bundler that took mod.js to be free of side effects would skip that call when a consumer
    // uses only re-exported names (rollup and webpack do), and the consumer's bundle would run the CLI.
    assert.deepEqual([...pkg.sideEffects].sort(), ["./dist/cli.js", "./dist/mod.cjs", "./dist/mod.js"]);
    // Should mod.js become only imports and re-exports, it could leave the list.
    const statements = read("dist/mod.js").replace(/\/\*[\s\S]*?\*\//g, "").split(";").map((t) => t.trim());
    assert.ok(statements.some((t) => t !== "" && !/^(?:import|export)\b/.test(t)), "dist/mod.js runs code of its own");
  });

  it("require Node 20.19 or later, the first 20.x where require() loads an ES module without a flag", () => {
    assert.deepEqual(pkg.engines, { node: ">=20.19" });
  });

  it("link to the repository, its README and its issues", () => {
    const repo = "https://github.com/oidc2aws/oidc2aws";
    assert.deepEqual(pkg.repository, { type: "git", url: `git+${repo}.git` });
    assert.equal(pkg.homepage, `${repo}#readme`);
    assert.deepEqual(pkg.bugs, { url: `${repo}/issues` });
  });

  it("have no runtime dependencies", () => {
    assert.equal(pkg.dependencies, undefined);
    assert.equal(pkg.peerDependencies, undefined);
    assert.equal(pkg.optionalDependencies, undefined);
  });

  it("name oidc2aws on npm and @oidc2aws/oidc2aws on JSR", () => {
    assert.equal(pkg.name, "oidc2aws");
    assert.equal(deno.name, "@oidc2aws/oidc2aws");
  });
});

describe("the core stays web-standard", () => {
  const sources = ["lib", "cli"].flatMap((dir) =>
    readdirSync(new URL(`../../${dir}`, import.meta.url), { recursive: true })
      .filter((f) => String(f).endsWith(".ts"))
      .map((f) => `${dir}/${f}`)
  );

  it("touches Deno, Bun, process and node: modules only in lib/_runtime/", () => {
    assert.ok(sources.includes("lib/_runtime/node.ts") && sources.includes("cli/main.ts"), sources.join(", "));
    for (const file of sources) {
      if (file.startsWith("lib/_runtime/")) continue;
      const code = read(file).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      assert.doesNotMatch(code, /(?:from\s*|import\s*\(\s*)["']node:/, `${file} imports a node: module`);
      const withoutStrings = code.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
      assert.doesNotMatch(withoutStrings, /\b(?:Deno|Bun|process)\.\w/, `${file} uses a runtime global`);
    }
  });

  /** The modules an entry imports statically (value imports only: type-only imports vanish at run time). */
  const staticGraph = (entry: string) => {
    const valueImports = (path: string) =>
      [...read(path).matchAll(/^(import|export)\s+(?!type\s)([^;]*?)from\s+"(\.[^"]+)"/gm)].map((m) => m[3]);
    const graph = new Set<string>();
    const walk = (path: string) => {
      if (graph.has(path)) return;
      graph.add(path);
      const base = path.split("/").slice(0, -1).join("/");
      for (const spec of valueImports(path)) walk(new URL(spec, `file:///${base ? `${base}/` : ""}`).pathname.slice(1));
    };
    walk(entry);
    return [...graph];
  };

  it("loads lib/_runtime/ lazily: it is not in mod.ts's static import graph", () => {
    const graph = staticGraph("mod.ts");
    assert.ok(graph.includes("lib/profile.ts") && graph.includes("lib/assume.ts"), graph.join(", "));
    const runtime = graph.filter((path) => path.startsWith("lib/_runtime/"));
    assert.deepEqual(runtime, [], "mod.ts must not import the runtime adapter statically");
  });

  it("keeps the CLI and every token source's code out of mod.ts's static import graph", () => {
    const graph = staticGraph("mod.ts");
    assert.deepEqual(graph.filter((path) => path.startsWith("cli")), []);
    assert.deepEqual(graph.filter((path) => path.startsWith("lib/sources/")), ["lib/sources/registry.ts"]);
  });

  it("has the CLI load no command, no token source and no help, debug, cache or output code before it runs one", () => {
    const graph = staticGraph("cli.ts");
    assert.ok(graph.includes("cli/main.ts") && graph.includes("cli/args.ts"), graph.join(", "));
    const lazy = graph.filter((path) =>
      /^cli\/(commands\/|help|debug|cache|output)/.test(path) ||
      (path.startsWith("lib/sources/") && path !== "lib/sources/registry.ts")
    );
    assert.deepEqual(lazy, []);
  });

  it("lists every source file in the registry, and every registry entry's file exists", () => {
    const registry = read("lib/sources/registry.ts");
    const loaded = new Set([...registry.matchAll(/import\("\.\/(\w+)\.ts"\)/g)].map((m) => `${m[1]}.ts`));
    const files = readdirSync(new URL("../../lib/sources", import.meta.url)).filter((f) => !f.startsWith("_"));
    assert.deepEqual([...loaded].sort(), files.filter((f) => f !== "registry.ts").sort());
  });
});

describe("the tests mirror the code", () => {
  const files = (dir: string) => readdirSync(new URL(`../../${dir}`, import.meta.url)).map(String);

  it("give every token source and every CLI command a test file of its own", () => {
    const missing = [["lib/sources", "tests/lib/sources"], ["cli/commands", "tests/cli/commands"]].flatMap(
      ([code, tests]) =>
        files(code)
          .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
          .map((f) => `${tests}/${f.replace(/\.ts$/, "_test.ts")}`)
          .filter((test) => !files(tests).includes(test.split("/").at(-1)!)),
    );
    assert.deepEqual(missing, []);
  });
});

describe("the README and docs/", () => {
  const pages = [
    "README.md",
    ...readdirSync(new URL("../../docs/", import.meta.url)).map(String)
      .filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
  ];

  it("quote the boto3 proposal's five profiles exactly as the tests read them", () => {
    const page = read("docs/configuration.md");
    const block = /The boto3 proposal's own example file[\s\S]*?```ini\n([\s\S]*?)```/.exec(page)?.[1];
    assert.equal(block, read("tests/testdata/seed_aws_config"));
  });

  it("keep the README under 20 kB: it ships in the npm package", () => {
    const bytes = new TextEncoder().encode(read("README.md")).length;
    assert.ok(bytes <= 20_000, `README.md is ${bytes} bytes`);
  });

  it("give a fresh clone the two commands, exactly: the demo and the tests", () => {
    const block = /## Develop[\s\S]*?```sh\n([\s\S]*?)```/.exec(read("README.md"))?.[1] ?? "";
    assert.deepEqual(block.split("\n").filter(Boolean).map((l) => l.split(/\s+#/)[0].trim()), [
      "npm ci && npm run demo",
      "npm test",
    ]);
    assert.ok(pkg.scripts.demo && pkg.scripts.test);
  });

  it("pin every install and run of oidc2aws to this minor version", () => {
    const pin = `@${pkg.version.split(".").slice(0, 2).join(".")}`;
    const unpinned = pages.flatMap((page) =>
      [...read(page).matchAll(/(?:npx |bunx (?:--bun )?|install |add |jsr:@oidc2aws\/|npm:)oidc2aws\b(@[\w.^~-]+)?/g)]
        .filter((m) => m[1] !== pin)
        .map((m) => `${page}: ${m[0]}`)
    );
    assert.deepEqual(unpinned, [], `every example pins ${pin}`);
  });

  it("speak to users: no internal words", () => {
    const leaks = pages.filter((page) => /\bseed\b/i.test(read(page)));
    assert.deepEqual(leaks, []);
  });
});
