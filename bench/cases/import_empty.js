// The import baseline of Deno and Bun: a script that imports an empty module. Bun loads its entry
// file on a fast path and starts its module loader at the first import (~5 ms), which any library
// import pays; Deno resolves and loads a second module. Node's baseline is empty.js itself (its ES
// module loader starts for the entry).
await import("./empty.js");
