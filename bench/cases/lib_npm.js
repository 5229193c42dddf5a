// The library path as an npm user writes it (Node, Bun): resolve the profile, assume the role.
// Printed the cheapest way, as the floors do (see floor_fetch.js).
import { assumeRole, resolveProfile } from "../../dist/mod.js";

const print = globalThis.Bun
  ? console.log
  : (text) => globalThis.process.getBuiltinModule("node:fs").writeSync(1, `${text}\n`);
const credentials = await assumeRole(await resolveProfile());
print(credentials.accessKeyId);
