// The library path as a CommonJS script writes it on Node, the fastest entry there (bench/run.ts):
// `require("oidc2aws")`, which loads dist/mod.cjs (package.json's "require" condition; it require()s the
// ES module, Node 20.19+), then as lib_npm.js does.
const { assumeRole, resolveProfile } = require("../../dist/mod.cjs");

const print = (text) => process.getBuiltinModule("node:fs").writeSync(1, `${text}\n`);
resolveProfile().then(assumeRole).then((credentials) => print(credentials.accessKeyId));
