// resolveProfile returns a web identity profile or a chained one: tests of web identity profiles
// narrow with this, and fail plainly if a chained profile came back.
import assert from "node:assert/strict";
import type { Profile, WebIdentityProfile } from "../mod.ts";

/** The profile, which must be a web identity profile (it has a token source, no `source`). */
export function webIdentity(profile: Profile): WebIdentityProfile {
  assert.ok(!("source" in profile), `profile "${profile.name}" is chained, not a web identity profile`);
  return profile;
}
