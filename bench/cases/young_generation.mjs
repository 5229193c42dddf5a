// Preloaded (`node --import`) by the bench's young-generation figure: at exit, prints how many bytes of
// V8's young generation the process used. Run with a young generation too large to fill
// (--min-semi-space-size=16), nothing is collected, so that is every byte allocated there: the same
// count on every run of the same build, unlike a time.
const process = globalThis.process;
const v8 = process.getBuiltinModule?.("node:v8") ?? (await import("node:v8")).default;
process.on("exit", () => {
  const used = v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space").space_used_size;
  process.stderr.write(`\nyoung generation bytes ${used}\n`);
});
