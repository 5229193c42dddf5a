// The library path as a Deno user writes it (the TypeScript source): resolve the profile, assume the role.
import { assumeRole, resolveProfile } from "../../mod.ts";

const credentials = await assumeRole(await resolveProfile());
console.log(credentials.accessKeyId);
