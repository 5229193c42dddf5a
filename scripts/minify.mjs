// The last step of every bundle this repository ships (dist/cli.js, dist/rare.js, action/index.js):
// esbuild bundles without minifying, then minifies the bundle as one file.
// Why not esbuild's `minify` while bundling: it then writes each lazily evaluated module (one that the
// sources import with `import()`) as `init(() => { ...the module... })`, an arrow function in call
// parentheses, which V8 compiles with the file (even where the run never calls it), where the
// unminified bundle's `__esm({ "lib/x.ts"() {...} })` is compiled when first called. Node 20: dist/cli.js
// compiles in 4.5 ms instead of 5.9 (a vm.SourceTextModule of each, medians of 15), and `import` of the
// library, compiling and evaluating it, takes 9.6 ms instead of 10.6 (timed inside fresh processes,
// round-robin, medians of 30).
import { transform } from "esbuild";

/**
 * The esbuild options every shipped bundle is built with: one ES module for any runtime (`node:`
 * built-ins left as imports), not minified until {@link minifyBundle}.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["node:*"],
  target: "es2022",
  minify: false,
  logLevel: "warning",
};

/**
 * `code` minified (names, whitespace, syntax), its leading `#!` line and comment lines kept, and its
 * modules' namespace objects built on first use (see {@link lazyNamespaces}).
 */
export async function minifyBundle(code) {
  const banner = /^(?:#![^\n]*\n)?(?:(?:\/\*[^\n]*\*\/|\/\/[^\n]*)\n)*/.exec(code)[0];
  // A lazily evaluated module's function is named by its path (`__esm({ "lib/x.ts"() {...} })`), which
  // only costs bytes: a short name instead.
  const body = lazyNamespaces(code.slice(banner.length)).replace(/\b__esm\(\{\s*"[^"\n]*"\(\)/g, "__esm({ m()");
  const minified = await transform(body, {
    format: "esm",
    target: BUNDLE_OPTIONS.target,
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  return banner + minified.code;
}

/**
 * A module that is imported with `import()`, or that rare.js takes from cli.js, has a namespace
 * object, which esbuild builds as the bundle loads: `var x_exports = {}; __export(x_exports, { a: () =>
 * a, ... })`, an arrow function and a getter per export, for each of the 34 such modules of
 * dist/cli.js whether or not the run uses them. Here `__lazyExport` keeps a function that makes that list, and
 * `__ns(x_exports)`, where the namespace is used, defines the getters then: an `import` of the
 * library takes about 0.8 ms less on Node, Deno and Bun (timed inside fresh processes, medians of
 * 21), and a credential run allocates 39 kB less on Node.
 *
 * Only a namespace whose every use is one of esbuild's forms that evaluate its module first,
 * `(init_x(), x_exports)`, `__toCommonJS(x_exports)` or `.then(() => x_exports)`, is deferred;
 * any other (an `export { x_exports as name }` of rare.js) keeps its namespace built as it loads.
 */
export function lazyNamespaces(code) {
  const helper = /^var __export = [^\n]*\n(?:[ \t][^\n]*\n)*\};\n/m.exec(code);
  if (!helper) return code;
  const USE = /(\(init_\w+\(\), |__toCommonJS\(|\.then\(\(\) => )(\w+_exports)\b/g;
  const uses = new Map();
  for (const [, , name] of code.matchAll(USE)) uses.set(name, (uses.get(name) ?? 0) + 1);
  const deferred = new Set();
  for (const [, name] of code.matchAll(/^var (\w+_exports) = \{\};$/gm)) {
    // Every mention of it is its declaration, its __export call, or one of those uses.
    const mentions = code.match(new RegExp(`\\b${name}\\b`, "g")).length;
    if (code.includes(`\n__export(${name}, {\n`) && mentions === 2 + (uses.get(name) ?? 0)) deferred.add(name);
  }
  const lazy = code
    .replace(
      /^__export\((\w+_exports), \{\n([\s\S]*?)^\}\);$/gm,
      (whole, name, getters) => deferred.has(name) ? `__lazyExport(${name}, () => ({\n${getters}}));` : whole,
    )
    .replace(USE, (whole, before, name) => (deferred.has(name) ? `${before}__ns(${name})` : whole));
  const at = helper.index + helper[0].length;
  return lazy.slice(0, at) + LAZY_HELPERS + lazy.slice(at);
}

const LAZY_HELPERS = `var __pending = new Map();
var __lazyExport = (target, getters) => __pending.set(target, getters);
var __ns = (target) => {
  const getters = __pending.get(target);
  if (getters) __pending.delete(target), __export(target, getters());
  return target;
};
`;
