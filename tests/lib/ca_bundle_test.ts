// The CA bundle setting: AWS_CA_BUNDLE, else a profile's ca_bundle, as resolveProfile reports it; and
// an injected fetch is used as given (the bundle is the runtime fetch's business, never read here).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assumeRole, resolveProfile } from "../../mod.ts";
import { webIdentity } from "../_profile.ts";
import { instantClock, scriptedFetch, stsSuccessXml } from "../_helpers.ts";

const ROLE = "arn:aws:iam::123456789012:role/deploy";
const CONFIG = "/home/runner/.aws/config";

function resolve(env: Record<string, string>, config = "", profile?: string) {
  return resolveProfile({
    profile,
    env: { HOME: "/home/runner", AWS_CONFIG_FILE: CONFIG, AWS_SHARED_CREDENTIALS_FILE: "", ...env },
    readFile: (path) => Promise.resolve(path === CONFIG ? config : undefined),
  }).then(webIdentity);
}

const ci = (extra: string) => `[profile ci]\nrole_arn = ${ROLE}\nweb_identity_token_file = /t\n${extra}\n`;

describe("CA bundle setting", () => {
  it("none by default", async () => {
    assert.equal((await resolve({}, ci(""), "ci")).caBundle, undefined);
  });

  it("ca_bundle from the profile, with its origin; ~ expanded", async () => {
    const profile = await resolve({}, ci("ca_bundle = ~/corp-ca.pem"), "ci");
    assert.deepEqual(profile.caBundle, {
      path: "/home/runner/corp-ca.pem",
      origin: { file: CONFIG, profile: "ci", key: "ca_bundle" },
    });
  });

  it("AWS_CA_BUNDLE wins over ca_bundle, even for a profile named explicitly (a process setting)", async () => {
    const profile = await resolve({ AWS_CA_BUNDLE: "/etc/corp.pem" }, ci("ca_bundle = /other.pem"), "ci");
    assert.deepEqual(profile.caBundle, { path: "/etc/corp.pem", origin: { envVar: "AWS_CA_BUNDLE" } });
  });

  it("an empty AWS_CA_BUNDLE or ca_bundle is no bundle", async () => {
    assert.equal((await resolve({ AWS_CA_BUNDLE: "" }, ci("ca_bundle ="), "ci")).caBundle, undefined);
    const fromFile = await resolve({ AWS_CA_BUNDLE: "" }, ci("ca_bundle = /x.pem"), "ci");
    assert.equal(fromFile.caBundle?.path, "/x.pem");
  });

  it("an injected fetch is used as given: the bundle is not read, the requests reach it", async () => {
    const profile = await resolve({ AWS_CA_BUNDLE: "/nonexistent/ca.pem" }, ci(""), "ci");
    const script = scriptedFetch({ "/": [{ body: stsSuccessXml() }] });
    const clock = instantClock();
    const read: string[] = [];
    const credentials = await assumeRole(profile, {
      env: {},
      fetch: script.fetch,
      readFile: (path) => {
        read.push(path);
        return Promise.resolve(path === "/t" ? "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig" : undefined);
      },
      now: clock.now,
      sleep: clock.sleep,
      random: clock.random,
    });
    assert.equal(credentials.roleArn, ROLE);
    assert.deepEqual(read, ["/t"]);
    assert.equal(script.requests.length, 1);
  });
});
