// The library path as a Deno user gets it (JSR's export is the built dist/mod.js, typed by mod.ts):
// resolve the profile, assume the role.
import { assumeRole, resolveProfile } from "../../dist/mod.js";

const credentials = await assumeRole(await resolveProfile());
console.log(credentials.accessKeyId);
