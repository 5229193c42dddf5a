// Names that exist on Object.prototype (constructor, toString, __proto__, ...) chosen by the user as an
// environment variable, a token-server part, a `$VAR` in a path, a profile, a command or a flag value.
// Every lookup by such a name is an own-property lookup: a name that is not there is the normal clear
// error, and a variable that really has that name is used. Node's and Bun's process.env and a caller's
// plain-object env inherit from Object.prototype, so `env[name]` alone would find its methods.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  type Env,
  getToken,
  loadConfig,
  type LoadedConfig,
  Oidc2AwsError,
  resolveProfile,
  TokenError,
} from "../../mod.ts";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { fakeJwt, scriptedFetch } from "../_helpers.ts";
import { webIdentity } from "../_profile.ts";
import { cliCommand, type CliRun, runCli, RUNTIME } from "../_cli.ts";

/** The names of Object.prototype's properties a user might type. */
const NAMES = [
  "constructor",
  "toString",
  "__proto__",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "isPrototypeOf",
];
const ROLE = "arn:aws:iam::123456789012:role/deploy";
const TOKEN = fakeJwt({ sub: "repo:octo-org/octo-repo:ref:refs/heads/main", aud: "sts.amazonaws.com" });
const TOKEN_URL = "http://127.0.0.1:9/token";
const BEARER = "bearer-SECRET-abc123";

/** An env object holding `name` as its own variable (a computed `__proto__` key in a literal would be too, but say it plainly). */
function envWith(base: Record<string, string>, name: string, value: string): Env {
  return Object.defineProperty({ ...base }, name, { value, enumerable: true });
}

/** The error is an oidc2aws error with this code and a message matching `pattern` (never ERR_UNEXPECTED's TypeError). */
function isError(code: string, pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof Oidc2AwsError, `expected ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

/**
 * Runs the CLI (as runCli does) with `env` plus the variable `name`=`value`, set by env(1): an env
 * object cannot carry a variable named __proto__ everywhere (Bun's child_process drops that key).
 */
function runCliWith(args: string[], env: Record<string, string>, name: string, value: string): Promise<CliRun> {
  const [command, ...prefix] = cliCommand();
  const childEnv: Record<string, string> = {
    ...env,
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/nonexistent",
    DENO_NO_UPDATE_CHECK: "1",
  };
  if (process.env.DENO_DIR) childEnv.DENO_DIR = process.env.DENO_DIR;
  return new Promise((resolve, reject) => {
    execFile("env", [`${name}=${value}`, command, ...prefix, ...args], { env: childEnv }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? Number(error.code) : 0, signal: null, stdout, stderr });
    });
  });
}

const escape = (text: string) => text.replace(/[$()*+.?[\\\]^{|}]/g, "\\$&");
const noFiles = () => Promise.resolve(undefined);

describe("library: a variable name from the user is looked up as the env's own variable", () => {
  for (const name of NAMES) {
    it(`web_identity_token_env = ${name}, unset, in a plain-object env: ERR_TOKEN_UNAVAILABLE naming it`, async () => {
      for (
        const [options, env] of [
          [{ overrides: { tokenEnv: name } }, { AWS_ROLE_ARN: ROLE }],
          [{}, { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_ENV: name }],
        ] as const
      ) {
        const profile = webIdentity(await resolveProfile({ ...options, env, readFile: noFiles }));
        assert.deepEqual(profile.token, { type: "env", name });
        await assert.rejects(
          getToken(profile.token, { env }),
          isError("ERR_TOKEN_UNAVAILABLE", new RegExp(`variable ${escape(name)} .*is not set or empty`)),
        );
      }
    });

    it(`web_identity_token_env = ${name}, set: its value is the token`, async () => {
      assert.equal(await getToken({ type: "env", name }, { env: envWith({}, name, ` ${TOKEN}\n`) }), TOKEN);
    });

    it(`token server ACTIONS_ID_TOKEN_REQUEST_URL,${name} / ${name},ACTIONS_ID_TOKEN_REQUEST_TOKEN: nothing sent`, async () => {
      const env = { ACTIONS_ID_TOKEN_REQUEST_URL: TOKEN_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER };
      for (const value of [`ACTIONS_ID_TOKEN_REQUEST_URL,${name}`, `${name},ACTIONS_ID_TOKEN_REQUEST_TOKEN`]) {
        const scripted = scriptedFetch({ "/token": [{ body: JSON.stringify({ value: TOKEN }) }] });
        const profile = webIdentity(
          await resolveProfile({
            env: { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: value, ...env },
            readFile: noFiles,
          }),
        );
        await assert.rejects(
          getToken(profile.token, { env, fetch: scripted.fetch }),
          isError("ERR_TOKEN_UNAVAILABLE", new RegExp(`${escape(name)} named by the token server setting is not set`)),
          value,
        );
        assert.equal(scripted.requests.length, 0, `${value}: no request without a URL and a bearer`);
      }
    });

    it(`token-server forms that name a variable after ${name}: ERR_TOKEN_UNAVAILABLE, nothing sent`, async () => {
      const env = { ACTIONS_ID_TOKEN_REQUEST_URL: TOKEN_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER };
      for (const value of [`${name},${name}`, `${name},${name},aud`, `TerraformCloud,${name}`, `GitLab,${name}`]) {
        const scripted = scriptedFetch({ "/token": [{ body: JSON.stringify({ value: TOKEN }) }] });
        const profile = webIdentity(
          await resolveProfile({
            env: { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: value, ...env },
            readFile: noFiles,
          }),
        );
        await assert.rejects(
          getToken(profile.token, { env, fetch: scripted.fetch }),
          isError("ERR_TOKEN_UNAVAILABLE"),
          value,
        );
        assert.equal(scripted.requests.length, 0, value);
      }
    });

    it(`$${name} and \${${name}} in a path stay as written when there is no such variable`, async () => {
      const reads: string[] = [];
      const readFile = (path: string) => (reads.push(path), Promise.resolve(undefined));
      await loadConfig({
        env: { AWS_CONFIG_FILE: `$${name}/config`, AWS_SHARED_CREDENTIALS_FILE: `\${${name}}/credentials` },
        readFile,
      });
      assert.deepEqual(reads.sort(), [`$${name}/config`, `\${${name}}/credentials`].sort());
      const profile = webIdentity(
        await resolveProfile({
          env: { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: `$${name}/token`, AWS_CONFIG_FILE: "" },
          readFile: noFiles,
        }),
      );
      assert.deepEqual(profile.token, { type: "file", path: `$${name}/token` });
      // ... and a variable that has that name is expanded.
      const set = webIdentity(
        await resolveProfile({
          env: envWith(
            { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: `$${name}/token`, AWS_CONFIG_FILE: "" },
            name,
            "/run",
          ),
          readFile: noFiles,
        }),
      );
      assert.deepEqual(set.token, { type: "file", path: "/run/token" });
    });

    it(`profile ${name}: ERR_PROFILE_NOT_FOUND in parsed and in plain-object configs, found when the file has it`, async () => {
      const files: Record<string, string> = {
        "/cfg/config": `[profile deploy]\nrole_arn = ${ROLE}\nweb_identity_token_server = GitHub\n`,
      };
      const readFile = (path: string) => Promise.resolve(files[path]);
      const env = { AWS_CONFIG_FILE: "/cfg/config", AWS_SHARED_CREDENTIALS_FILE: "" };
      const parsed = await loadConfig({ env, readFile });
      // What loadConfig returns, as a caller may keep it (JSON, a plain copy): ordinary objects.
      const plain = JSON.parse(JSON.stringify(parsed)) as LoadedConfig;
      for (const config of [undefined, parsed, plain]) {
        await assert.rejects(
          resolveProfile({ profile: name, env, readFile, config }),
          isError("ERR_PROFILE_NOT_FOUND", new RegExp(`Profile "${escape(name)}" is not in`)),
        );
        await assert.rejects(
          resolveProfile({ env: { ...env, AWS_PROFILE: name }, readFile, config }),
          isError("ERR_PROFILE_NOT_FOUND", new RegExp(`Profile "${escape(name)}" \\(from AWS_PROFILE\\) is not in`)),
        );
      }
      files["/cfg/config"] += `[profile ${name}]\nrole_arn = ${ROLE}\nweb_identity_token_env = ${name}\n`;
      const profile = webIdentity(await resolveProfile({ profile: name, env, readFile }));
      assert.equal(profile.name, name);
      assert.deepEqual(profile.token, { type: "env", name });
    });

    it(`web_identity_token_server = ${name} is an unknown token server`, async () => {
      await assert.rejects(
        resolveProfile({ env: { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: name }, readFile: noFiles }),
        (err: unknown) => err instanceof ConfigError && isError("ERR_CONFIG_INVALID", /unknown token server/)(err),
      );
    });
  }

  it("a name on Object.prototype that the env does not own is never a token, even when polluted", async () => {
    // Prototype pollution elsewhere in the process must not hand oidc2aws a token or a role.
    const proto = Object.prototype as Record<string, unknown>;
    proto.OIDC2AWS_TEST_POLLUTED = TOKEN;
    try {
      await assert.rejects(
        getToken({ type: "env", name: "OIDC2AWS_TEST_POLLUTED" }, { env: {} }),
        (err: unknown) => err instanceof TokenError && err.code === "ERR_TOKEN_UNAVAILABLE",
      );
    } finally {
      delete proto.OIDC2AWS_TEST_POLLUTED;
    }
  });
});

describe(`CLI on ${RUNTIME}: names on Object.prototype in flags, variables and profiles`, () => {
  let emulator: Emulator;
  let dir: string;
  let configFile: string;
  let env: Record<string, string>;

  before(async () => {
    emulator = await startEmulator({ roles: { [ROLE]: { sub: "repo:octo-org/*" } } });
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-names-"));
    configFile = join(dir, "aws_config");
    await writeFile(
      configFile,
      NAMES.map((name) => `[profile env-${name}]\nrole_arn = ${ROLE}\nweb_identity_token_env = ${name}\n`).join(""),
    );
    env = { ...emulator.env, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: "" };
  });
  after(async () => {
    await emulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI; the exit code and the one line of stderr must match. */
  async function expectError(args: string[], runEnv: Record<string, string>, code: number, pattern: RegExp) {
    const run = await runCli(args, { env: runEnv });
    assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, pattern, args.join(" "));
    assert.doesNotMatch(run.stderr, /ERR_UNEXPECTED|is not a function|native code/);
    assert.equal(run.stdout, "");
  }

  const cp = ["credential-process", "--no-cache"];
  for (const name of NAMES) {
    const unset = new RegExp(`^oidc2aws: ERR_TOKEN_UNAVAILABLE: .*variable ${escape(name)} .*is not set or empty`);

    it(`--token-env ${name}, AWS_WEB_IDENTITY_TOKEN_ENV=${name}, web_identity_token_env = ${name}: not set`, async () => {
      await expectError([...cp, "--role-arn", ROLE, "--token-env", name], env, 1, unset);
      // The CLI keeps the values of variables named like *TOKEN* out of its messages, so this one may show
      // the name as <redacted>: only what is wrong is checked here.
      await expectError(
        cp,
        { ...env, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_ENV: name },
        1,
        /^oidc2aws: ERR_TOKEN_UNAVAILABLE: .*\(web_identity_token_env\) is not set or empty/,
      );
      await expectError([...cp, "--profile", `env-${name}`], env, 1, unset);
    });

    it(`--token-env ${name} with a variable of that name: its token is used`, async () => {
      const token = await emulator.mintToken();
      const run = await runCliWith([...cp, "--role-arn", ROLE, "--token-env", name], env, name, token);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(emulator.issued.get(JSON.parse(run.stdout).AccessKeyId)?.roleArn, ROLE);
    });

    it(`--token-server with ${name} as the URL or bearer variable: ERR_TOKEN_UNAVAILABLE, no request`, async () => {
      const before = emulator.count("token");
      for (const server of [`ACTIONS_ID_TOKEN_REQUEST_URL,${name}`, `${name},ACTIONS_ID_TOKEN_REQUEST_TOKEN`]) {
        await expectError(
          [...cp, "--role-arn", ROLE, "--token-server", server],
          env,
          1,
          new RegExp(
            `^oidc2aws: ERR_TOKEN_UNAVAILABLE: .*${escape(name)} named by the token server setting is not set`,
          ),
        );
      }
      assert.equal(emulator.count("token"), before, "no token request was sent");
    });

    it(`--token-file '$${name}/token': the path as written does not exist`, async () => {
      await expectError(
        [...cp, "--role-arn", ROLE, "--token-file", `$${name}/token`],
        env,
        1,
        new RegExp(
          `^oidc2aws: ERR_TOKEN_UNAVAILABLE: The web identity token file \\$${escape(name)}/token does not exist`,
        ),
      );
    });

    it(`--profile ${name}, AWS_PROFILE=${name}: ERR_PROFILE_NOT_FOUND`, async () => {
      const notFound = new RegExp(`^oidc2aws: ERR_PROFILE_NOT_FOUND: Profile "${escape(name)}"`);
      await expectError([...cp, "--profile", name], env, 2, notFound);
      await expectError(cp, { ...env, AWS_PROFILE: name }, 2, notFound);
    });

    it(`${name} as a command, --${name} as a flag, --format ${name}: ERR_USAGE`, async () => {
      await expectError([name], env, 2, new RegExp(`^oidc2aws: ERR_USAGE: Unknown command "${escape(name)}"`));
      await expectError(
        [...cp, `--${name}`],
        env,
        2,
        new RegExp(`^oidc2aws: ERR_USAGE: Unknown flag "--${escape(name)}"`),
      );
      await expectError(["env", "--format", name], env, 2, /^oidc2aws: ERR_USAGE: --format must be one of /);
    });
  }
});
