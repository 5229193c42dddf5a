// Import cost of mod.ts on Deno. The harness subtracts the wall time of empty.js; the in-process
// time of the import() is printed too, as a less noisy cross-check.
const start = performance.now();
await import("../../mod.ts");
const ms = performance.now() - start;
console.log(`import ms ${ms.toFixed(3)}`);
