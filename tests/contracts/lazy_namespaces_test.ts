// scripts/minify.mjs's lazyNamespaces: a module's namespace object is built where it is first used,
// and only where every use of it is one that evaluates the module first; any other keeps it eager.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
// @ts-ignore: a build script without types
import { lazyNamespaces } from "../../scripts/minify.mjs";

/** esbuild's helper, as it writes it in an unminified bundle. */
const HELPER = `var __defProp = Object.defineProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
`;

/** A module `a` whose namespace is used as `use` says, in esbuild's shape; the bundle returns that use. */
function bundle(use: string): string {
  return `${HELPER}
// a.ts
var a_exports = {};
__export(a_exports, {
  answer: () => answer
});
var answer;
var init_a = () => { answer = 42; };
return ${use};
`;
}

const run = (code: string) => new Function(code)();

describe("lazyNamespaces", () => {
  it("defers a namespace used only once its module is evaluated, and gives the same object then", () => {
    const code = lazyNamespaces(bundle("(init_a(), a_exports)"));
    assert.match(code, /__lazyExport\(a_exports, /);
    assert.doesNotMatch(code, /^__export\(a_exports/m);
    const namespace = run(code);
    assert.equal(namespace.answer, 42);
    assert.deepEqual(Object.keys(namespace), ["answer"]);
  });

  it("keeps a namespace built as the bundle loads when any use of it is of another form", () => {
    const code = lazyNamespaces(bundle("[(init_a(), a_exports), a_exports]"));
    assert.match(code, /^__export\(a_exports, \{$/m);
    assert.doesNotMatch(code, /__ns\(a_exports\)/);
    const [namespace, same] = run(code);
    assert.equal(namespace, same);
    assert.equal(namespace.answer, 42);
  });

  it("leaves a bundle without esbuild's __export helper as it is", () => {
    const code = "var x = 1;\nreturn x;\n";
    assert.equal(lazyNamespaces(code), code);
  });
});
