// Import cost of the npm build (Node, Bun). The harness subtracts the wall time of empty.js; the
// in-process time of the import() is printed too, as a less noisy cross-check (the cheapest way, as
// the floors print: process.stdout alone costs Bun ~13 ms).
const start = performance.now();
await import("../../dist/mod.js");
const ms = performance.now() - start;
const print = globalThis.Bun
  ? console.log
  : (text) => globalThis.process.getBuiltinModule("node:fs").writeSync(1, `${text}\n`);
print(`import ms ${ms.toFixed(3)}`);
