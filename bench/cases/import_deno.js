// Import cost of the library on Deno (JSR's export: dist/mod.js). The harness subtracts the wall time of empty.js; the in-process
// time of the import() is printed too, as a less noisy cross-check.
const start = performance.now();
await import("../../dist/mod.js");
const ms = performance.now() - start;
console.log(`import ms ${ms.toFixed(3)}`);
