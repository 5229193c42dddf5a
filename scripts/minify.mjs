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

/** `code` minified (names, whitespace, syntax), its leading `#!` line and comment lines kept. */
export async function minifyBundle(code) {
  const banner = /^(?:#![^\n]*\n)?(?:(?:\/\*[^\n]*\*\/|\/\/[^\n]*)\n)*/.exec(code)[0];
  // A lazily evaluated module's function is named by its path (`__esm({ "lib/x.ts"() {...} })`), which
  // only costs bytes: a short name instead.
  const body = code.slice(banner.length).replace(/\b__esm\(\{\s*"[^"\n]*"\(\)/g, "__esm({ m()");
  const minified = await transform(body, {
    format: "esm",
    target: BUNDLE_OPTIONS.target,
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  return banner + minified.code;
}
