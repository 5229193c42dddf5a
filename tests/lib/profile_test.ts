import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ConfigError, resolveProfile, type ResolveProfileOptions } from "../../mod.ts";
import { webIdentity } from "../_profile.ts";

const SEED = readFileSync(new URL("../testdata/seed_aws_config", import.meta.url), "utf8");
const ROLE1 = "arn:aws:iam::515709759869:role/github-oidc-test-Role1-Z8L6FUWE1CVR";
const ROLE2 = "arn:aws:iam::515709759869:role/github-oidc-test-Role2-CXH6FET0DUJU";
const GH = {
  type: "server",
  name: "GitHub",
  urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
  tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
};
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

/** Resolves with an in-memory file system and a fixed clock. */
function resolve(env: Record<string, string>, files: Record<string, string> = {}, options: ResolveProfileOptions = {}) {
  return resolveProfile({
    env: { HOME: "/home/runner", ...env },
    readFile: (path) => Promise.resolve(files[path]),
    now: () => NOW,
    ...options,
  }).then(webIdentity);
}

async function rejects(promise: Promise<unknown>, code: string, pattern: RegExp, fields: Record<string, unknown> = {}) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    for (const [key, value] of Object.entries(fields)) {
      assert.equal((err as unknown as Record<string, unknown>)[key], value, key);
    }
    return true;
  });
}

// The seed demo's workflow: a committed config file plus env vars for the env-var route.
const SEED_ENV = {
  AWS_CONFIG_FILE: ".github/workflows/aws_config",
  AWS_ROLE_ARN: ROLE1,
  AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
  AWS_ROLE_SESSION_NAME: "UsingEnvVar",
  GITHUB_ACTIONS: "true",
  GITHUB_RUN_ID: "1234567890",
  GITHUB_RUN_ATTEMPT: "2",
};
const SEED_FILES = { ".github/workflows/aws_config": SEED };

describe("resolveProfile: the seed demo", () => {
  it("works from env vars alone, with no config file", async () => {
    const profile = await resolve({
      AWS_ROLE_ARN: ROLE1,
      AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
      GITHUB_RUN_ID: "77",
      GITHUB_RUN_ATTEMPT: "3",
    });
    assert.deepEqual(profile, {
      name: "default",
      roleArn: ROLE1,
      token: { ...GH, audience: "sts.amazonaws.com" },
      roleSessionName: "GitHubActions-77-3",
      roleSessionNameIsDefault: true,
      stsEndpoint: "https://sts.amazonaws.com",
    });
  });

  it("gives each explicitly named profile its own values, whatever the env vars say", async () => {
    const expected: Record<string, [string, string, Record<string, unknown>]> = {
      default: [ROLE1, "DefaultProfile", { ...GH, audience: "sts.amazonaws.com" }],
      "role-2": [ROLE2, "Role2Profile", { ...GH, audience: "sts.amazonaws.com" }],
      "manual-config-1": [ROLE1, "ManualConfig1", { ...GH, audience: "sigstore" }],
      "manual-config-2": [ROLE1, "ManualConfig2", { ...GH, name: undefined, audience: "sts.amazonaws.com" }],
      "manual-config-3": [ROLE1, "ManualConfig3", { ...GH, name: undefined, audience: "sigstore" }],
    };
    for (const [name, [roleArn, session, token]] of Object.entries(expected)) {
      const profile = await resolve(SEED_ENV, SEED_FILES, { profile: name });
      assert.equal(profile.name, name);
      assert.equal(profile.roleArn, roleArn, name);
      assert.equal(profile.roleSessionName, session, name);
      assert.deepEqual(profile.token, token, name);
      assert.equal(profile.region, "us-east-2");
      assert.equal(profile.stsEndpoint, "https://sts.us-east-2.amazonaws.com");
    }
  });

  it("lets env vars win per key when the profile is not named explicitly (AWS_PROFILE is not explicit)", async () => {
    const profile = await resolve({ ...SEED_ENV, AWS_PROFILE: "manual-config-1" }, SEED_FILES);
    assert.equal(profile.name, "manual-config-1");
    assert.equal(profile.roleArn, ROLE1);
    assert.equal(profile.roleSessionName, "UsingEnvVar");
    assert.deepEqual(
      profile.token,
      { ...GH, audience: "sts.amazonaws.com" },
      "AWS_WEB_IDENTITY_TOKEN_SERVER=GitHub wins",
    );
    assert.equal(profile.region, "us-east-2", "keys without an env var still come from the profile");
  });
});

describe("resolveProfile: which profile", () => {
  const keys = `role_arn = ${ROLE2}\nweb_identity_token_server = GitHub\n`;
  const files = {
    "/home/runner/.aws/config":
      `[default]\n${keys}region = a-1\n[profile p1]\n${keys}region = b-1\n[profile p2]\n${keys}region = c-1\n`,
  };
  const env = { AWS_ROLE_ARN: ROLE1, AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub" };
  it("takes the option, then AWS_DEFAULT_PROFILE, then AWS_PROFILE, then default", async () => {
    assert.equal(
      (await resolve({ ...env, AWS_DEFAULT_PROFILE: "p1", AWS_PROFILE: "p2" }, files, { profile: "default" })).name,
      "default",
    );
    assert.equal((await resolve({ ...env, AWS_DEFAULT_PROFILE: "p1", AWS_PROFILE: "p2" }, files)).name, "p1");
    assert.equal((await resolve({ ...env, AWS_PROFILE: "p2" }, files)).region, "c-1");
    assert.equal((await resolve(env, files)).region, "a-1");
  });

  it("reports a named profile that does not exist, listing the ones that do", async () => {
    await rejects(
      resolve(env, files, { profile: "nope" }),
      "ERR_PROFILE_NOT_FOUND",
      /^Profile "nope" is not in \/home\/runner\/\.aws\/config and \/home\/runner\/\.aws\/credentials; profiles there: default, p1, p2\./,
      { profile: "nope" },
    );
    await rejects(
      resolve({ ...env, AWS_PROFILE: "stray" }, files),
      "ERR_PROFILE_NOT_FOUND",
      /^Profile "stray" \(from AWS_PROFILE\) is not in/,
    );
  });

  it("needs no [default] section when env vars configure everything", async () => {
    assert.equal((await resolve(env, {})).roleArn, ROLE1);
  });
});

describe("resolveProfile: env vars and precedence", () => {
  const files = {
    "/home/runner/.aws/config":
      "[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_server = GitHub\nrole_session_name = from-file\nregion = eu-west-1\n",
  };
  it("lets a present but empty env var hide the profile's key", async () => {
    const profile = await resolve({ AWS_PROFILE: "ci", AWS_ROLE_SESSION_NAME: "", GITHUB_RUN_ID: "5" }, files);
    assert.equal(profile.roleSessionName, "GitHubActions-5", "empty AWS_ROLE_SESSION_NAME: the default name");
    await rejects(
      resolve({ AWS_PROFILE: "ci", AWS_ROLE_ARN: "" }, files),
      "ERR_CONFIG_INVALID",
      /but AWS_ROLE_ARN is empty/,
      { key: "role_arn" },
    );
    await rejects(
      resolve({ AWS_PROFILE: "ci", AWS_WEB_IDENTITY_TOKEN_SERVER: "" }, files),
      "ERR_NOT_WEB_IDENTITY",
      /AWS_WEB_IDENTITY_TOKEN_SERVER is set but empty, which hides the profile's own key/,
    );
  });

  it("ignores the role and token env vars for an explicitly named profile", async () => {
    const profile = await resolve(
      { AWS_ROLE_ARN: "", AWS_WEB_IDENTITY_TOKEN_FILE: "/t", AWS_ROLE_SESSION_NAME: "env" },
      files,
      { profile: "ci" },
    );
    assert.equal(profile.roleArn, "arn:aws:iam::123456789012:role/ci");
    assert.equal(profile.token.type, "server");
    assert.equal(profile.roleSessionName, "from-file");
  });

  it("takes the region from AWS_REGION, then AWS_DEFAULT_REGION, then the profile, even for a named profile", async () => {
    assert.equal(
      (await resolve({ AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "ap-south-1" }, files, { profile: "ci" })).region,
      "us-west-2",
    );
    assert.equal(
      (await resolve({ AWS_DEFAULT_REGION: "ap-south-1" }, files, { profile: "ci" })).stsEndpoint,
      "https://sts.ap-south-1.amazonaws.com",
    );
    assert.equal((await resolve({ AWS_REGION: "" }, files, { profile: "ci" })).region, "eu-west-1");
  });

  it("uses the token file from AWS_WEB_IDENTITY_TOKEN_FILE or web_identity_token_file, expanding ~", async () => {
    const env = await resolve({ AWS_ROLE_ARN: ROLE1, AWS_WEB_IDENTITY_TOKEN_FILE: "~/token" });
    assert.deepEqual(env.token, { type: "file", path: "/home/runner/token" });
    const file = await resolve({}, {
      "/home/runner/.aws/config":
        `[default]\nrole_arn = ${ROLE1}\nweb_identity_token_file = /var/run/secrets/eks/token\n`,
    });
    assert.deepEqual(file.token, { type: "file", path: "/var/run/secrets/eks/token" });
  });

  it("lets overrides (CLI flags) win over everything, and names them in errors", async () => {
    const profile = await resolve({ AWS_ROLE_ARN: ROLE2, AWS_WEB_IDENTITY_TOKEN_FILE: "/t" }, files, {
      profile: "ci",
      overrides: {
        roleArn: ROLE1,
        tokenServer: "GitHub,custom",
        roleSessionName: "flag",
        region: "ca-central-1",
        durationSeconds: 7200,
      },
    });
    assert.deepEqual(
      [profile.roleArn, profile.token, profile.roleSessionName, profile.region, profile.durationSeconds],
      [ROLE1, { ...GH, audience: "custom" }, "flag", "ca-central-1", 7200],
    );
    await rejects(
      resolve({}, {}, { overrides: { roleArn: "nope", tokenFile: "/t", labels: { roleArn: "--role-arn" } } }),
      "ERR_CONFIG_INVALID",
      /^--role-arn is "nope", which is not an IAM role ARN/,
    );
  });

  it("names the session outside GitHub Actions after the injected clock", async () => {
    const profile = await resolve({ AWS_ROLE_ARN: ROLE1, AWS_WEB_IDENTITY_TOKEN_FILE: "/t" });
    assert.equal(profile.roleSessionName, `oidc2aws-${NOW / 1000}`);
  });
});

describe("resolveProfile: validation before any network call", () => {
  const config = (body: string) => ({ "/home/runner/.aws/config": `[profile p]\n${body}\n` });
  const base = `role_arn = ${ROLE1}\nweb_identity_token_server = GitHub`;
  const invalid = (body: string, pattern: RegExp) =>
    rejects(resolve({}, config(body), { profile: "p" }), "ERR_CONFIG_INVALID", pattern);

  it("checks the role ARN's shape and says where it came from", async () => {
    await invalid(
      "role_arn = arn:aws:iam::123456789012:role/x # prod\nweb_identity_token_server = GitHub",
      /^role_arn in profile "p" \(\/home\/runner\/\.aws\/config\) is "arn:aws:iam::123456789012:role\/x # prod", which is not an IAM role ARN: expected arn:aws:iam::123456789012:role\/NAME$/,
    );
    await invalid("role_arn = arn:aws:iam::1234:role/x\nweb_identity_token_server = GitHub", /not an IAM role ARN/);
    await invalid(
      "role_arn = arn:aws:iam::123456789012:user/x\nweb_identity_token_server = GitHub",
      /not an IAM role ARN/,
    );
    const ok = await resolve(
      {},
      config("role_arn = arn:aws-us-gov:iam::123456789012:role/path/to/my-role\nweb_identity_token_server = GitHub"),
      { profile: "p" },
    );
    assert.equal(ok.roleArn, "arn:aws-us-gov:iam::123456789012:role/path/to/my-role");
  });

  it("checks the session name: 2 to 64 of [\\w+=,.@-]", async () => {
    await invalid(
      `${base}\nrole_session_name = has space`,
      /role_session_name in profile "p" .* is "has space": a session name is 2 to 64 characters/,
    );
    await invalid(`${base}\nrole_session_name = x`, /2 to 64 characters/);
    await invalid(`${base}\nrole_session_name = ${"a".repeat(65)}`, /2 to 64 characters/);
    const ok = await resolve({}, config(`${base}\nrole_session_name = ${"a+=,.@-_9".repeat(8).slice(0, 64)}`), {
      profile: "p",
    });
    assert.equal(ok.roleSessionName.length, 64);
  });

  it("checks the duration: a whole number from 900 to 43200", async () => {
    for (const bad of ["899", "43201", "3600.5", "1h", "-900"]) {
      await invalid(
        `${base}\nduration_seconds = ${bad}`,
        /duration_seconds in profile "p" .* use a whole number of seconds from 900 to 43200/,
      );
    }
    assert.equal(
      (await resolve({}, config(`${base}\nduration_seconds = 43200`), { profile: "p" })).durationSeconds,
      43200,
    );
  });

  it("refuses a token server and a token file together, naming both origins", async () => {
    await rejects(
      resolve({ AWS_WEB_IDENTITY_TOKEN_FILE: "/t" }, { "/home/runner/.aws/config": `[default]\n${base}\n` }),
      "ERR_CONFIG_INVALID",
      /^web_identity_token_server in profile "default" \(\/home\/runner\/\.aws\/config\) and AWS_WEB_IDENTITY_TOKEN_FILE are both set, so the token source is ambiguous/,
    );
  });

  it("refuses a token source without a role ARN", async () => {
    await rejects(
      resolve({ AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub" }),
      "ERR_CONFIG_INVALID",
      /^AWS_WEB_IDENTITY_TOKEN_SERVER sets a web identity token source but no role ARN is set: set role_arn in profile "default" or AWS_ROLE_ARN/,
    );
    // A profile named explicitly ignores AWS_ROLE_ARN, so the advice names only the profile's key.
    await rejects(
      resolve({ AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/env" }, config("web_identity_token_server = GitHub"), {
        profile: "p",
      }),
      "ERR_CONFIG_INVALID",
      /but no role ARN is set: set role_arn in profile "p" to the role to assume/,
      { profile: "p", key: "role_arn", file: "/home/runner/.aws/config" },
    );
  });

  it("reports a profile without a token source as not a web identity profile, listing the keys looked for", async () => {
    await rejects(
      resolve({}, config("role_arn = arn:aws:iam::123456789012:role/x\nregion = eu-west-1"), { profile: "p" }),
      "ERR_NOT_WEB_IDENTITY",
      /^Profile "p" has no web identity token source: looked for web_identity_token_server, web_identity_token_file, web_identity_token_env, web_identity_token_process in \/home\/runner\/\.aws\/config/,
      { profile: "p" },
    );
  });

  it("checks session policies", async () => {
    await invalid(`${base}\npolicy = {not json`, /policy in profile "p" .* is not a JSON policy document/);
    await invalid(
      `${base}\npolicy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess, nope`,
      /has "nope", which is not an IAM policy ARN/,
    );
    const arns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`).join(",");
    await invalid(`${base}\npolicy_arns = ${arns}`, /lists 11 policies; STS accepts at most 10/);
    const ok = await resolve(
      {},
      config(
        `${base}\npolicy = {"Version":"2012-10-17","Statement":[]}\npolicy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess`,
      ),
      { profile: "p" },
    );
    assert.equal(ok.policy, '{"Version":"2012-10-17","Statement":[]}');
    assert.deepEqual(ok.policyArns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
  });

  it("refuses a region that is not a host label (e.g. with an inline comment)", async () => {
    await invalid(
      `${base}\nregion = us-east-1 # N. Virginia`,
      /region in profile "p" .* is "us-east-1 # N. Virginia", which is not a region name/,
    );
    await rejects(
      resolve({ AWS_REGION: "us east" }, config(base), { profile: "p" }),
      "ERR_CONFIG_INVALID",
      /^AWS_REGION is "us east"/,
    );
  });
});

describe("resolveProfile: the STS endpoint", () => {
  const base = `role_arn = ${ROLE1}\nweb_identity_token_server = GitHub`;
  const endpoint = async (env: Record<string, string>, profile: string, extra = "") =>
    (await resolve(env, { "/home/runner/.aws/config": `[default]\n${base}\n${profile}\n${extra}` })).stsEndpoint;

  it("prefers AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL, then [services], then endpoint_url", async () => {
    const services = "services = local\nendpoint_url = http://127.0.0.1:3/";
    const section = "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:2/\n";
    assert.equal(
      await endpoint(
        { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1", AWS_ENDPOINT_URL: "http://127.0.0.1:9" },
        services,
        section,
      ),
      "http://127.0.0.1:1/",
    );
    assert.equal(await endpoint({ AWS_ENDPOINT_URL: "http://127.0.0.1:9" }, services, section), "http://127.0.0.1:9/");
    assert.equal(await endpoint({}, services, section), "http://127.0.0.1:2/");
    assert.equal(await endpoint({}, services), "http://127.0.0.1:3/");
    assert.equal(
      await endpoint(
        { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true", AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" },
        services,
        section,
      ),
      "https://sts.amazonaws.com",
    );
    assert.equal(
      await endpoint({}, `${services}\nignore_configured_endpoint_urls = TRUE\nregion = eu-west-3`, section),
      "https://sts.eu-west-3.amazonaws.com",
    );
  });

  it("applies the profile's and the env's region, FIPS, dual-stack and legacy settings", async () => {
    assert.equal(
      await endpoint({}, "region = us-gov-east-1\nuse_fips_endpoint = true"),
      "https://sts.us-gov-east-1.amazonaws.com",
    );
    assert.equal(
      await endpoint({ AWS_USE_FIPS_ENDPOINT: "true" }, "region = us-east-2"),
      "https://sts-fips.us-east-2.amazonaws.com",
    );
    assert.equal(
      await endpoint({ AWS_USE_DUALSTACK_ENDPOINT: "true" }, "region = cn-northwest-1"),
      "https://sts.cn-northwest-1.api.amazonwebservices.com.cn",
    );
    assert.equal(
      await endpoint({}, "region = eu-west-1\nsts_regional_endpoints = legacy"),
      "https://sts.amazonaws.com",
    );
    assert.equal(
      await endpoint({ AWS_STS_REGIONAL_ENDPOINTS: "regional" }, "region = eu-west-1\nsts_regional_endpoints = legacy"),
      "https://sts.eu-west-1.amazonaws.com",
    );
  });

  it("refuses contradictions and malformed values", async () => {
    await assert.rejects(endpoint({ AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" }, "use_fips_endpoint = true"), {
      code: "ERR_CONFIG_INVALID",
      message:
        /^use_fips_endpoint in profile "default" .* asks for a FIPS or dual-stack endpoint, but AWS_ENDPOINT_URL_STS sets a custom STS endpoint/,
    });
    await assert.rejects(endpoint({}, "use_fips_endpoint = yes"), {
      message: /use_fips_endpoint .* is "yes": use true or false/,
    });
    await assert.rejects(endpoint({}, "sts_regional_endpoints = global"), {
      message: /is "global": use regional or legacy/,
    });
    await assert.rejects(endpoint({ AWS_ENDPOINT_URL: "not a url" }, ""), {
      message: /^AWS_ENDPOINT_URL is "not a url", which is not a URL/,
    });
    await assert.rejects(endpoint({ AWS_ENDPOINT_URL: "ftp://x" }, ""), { message: /must be an http\(s\) URL/ });
  });
});

describe("resolveProfile: the new keys", () => {
  const resolve = (env: Record<string, string>, config = "", options = {}) =>
    resolveProfile({
      env: { HOME: "/h", ...env },
      readFile: (p) => Promise.resolve(p === "/h/.aws/config" ? config : undefined),
      ...options,
    }).then(webIdentity);
  const role = "role_arn = arn:aws:iam::123456789012:role/ci";

  it("reads web_identity_token_env and web_identity_token_process (and their env vars)", async () => {
    assert.deepEqual((await resolve({}, `[default]\n${role}\nweb_identity_token_env = MY_OIDC`)).token, {
      type: "env",
      name: "MY_OIDC",
    });
    assert.deepEqual(
      (await resolve(
        {},
        `[default]\n${role}\nweb_identity_token_process = buildkite-agent oidc request-token --audience "sts.amazonaws.com"`,
      )).token,
      {
        type: "process",
        command: ["buildkite-agent", "oidc", "request-token", "--audience", "sts.amazonaws.com"],
      },
    );
    assert.deepEqual(
      (await resolve({ AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/ci", AWS_WEB_IDENTITY_TOKEN_ENV: "X_TOKEN" }))
        .token,
      { type: "env", name: "X_TOKEN" },
    );
  });

  it("refuses two token sources at once, naming every origin", async () => {
    await assert.rejects(
      resolve(
        { AWS_WEB_IDENTITY_TOKEN_ENV: "X" },
        `[default]\n${role}\nweb_identity_token_server = GitLab\nweb_identity_token_process = x`,
      ),
      {
        code: "ERR_CONFIG_INVALID",
        message:
          /^web_identity_token_server in profile "default" .* and AWS_WEB_IDENTITY_TOKEN_ENV and web_identity_token_process in profile "default" .* are all set/,
      },
    );
  });

  it("refuses malformed values", async () => {
    await assert.rejects(resolve({}, `[default]\n${role}\nweb_identity_token_env = not a name`), {
      message: /web_identity_token_env in profile "default" .* use the name of the environment variable/,
    });
    await assert.rejects(resolve({}, `[default]\n${role}\nweb_identity_token_process = "unbalanced`), {
      message: /quotes must be balanced/,
    });
  });

  it("uses the default token server only when no source is configured (the CLI's auto)", async () => {
    assert.deepEqual((await resolve({}, `[default]\n${role}`, { defaultTokenServer: "auto" })).token, {
      type: "auto",
      audience: "sts.amazonaws.com",
    });
    assert.equal(
      (await resolve({}, `[default]\n${role}\nweb_identity_token_server = Bitbucket`, { defaultTokenServer: "auto" }))
        .token.type,
      "env",
    );
    await assert.rejects(resolve({}, `[default]\n${role}`), { code: "ERR_NOT_WEB_IDENTITY" });
  });
});
