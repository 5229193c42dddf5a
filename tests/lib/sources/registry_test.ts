import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { inspect } from "node:util";
import { detectTokenSource, getToken, parseTokenServer, resolveProfile, type TokenSpec } from "../../../mod.ts";
import { fakeJwt, instantClock, scriptedFetch } from "../../_helpers.ts";

const TOKEN = fakeJwt({ sub: "x", aud: "sts.amazonaws.com" });

describe("parseTokenServer: a name for every platform", () => {
  const cases: Array<[string, TokenSpec]> = [
    ["Forgejo", {
      type: "server",
      name: "Forgejo",
      urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
      tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      audience: "sts.amazonaws.com",
    }],
    ["gitea,aud", {
      type: "server",
      name: "Forgejo",
      urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
      tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      audience: "aud",
    }],
    ["GHES", {
      type: "server",
      name: "GHES",
      urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
      tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      audience: "sts.amazonaws.com",
    }],
    ["GitLab", { type: "env", name: "STS_AMAZONAWS_COM_ID_TOKEN", platform: "GitLab" }],
    ["gitlab,https://aws.example/x-y", { type: "env", name: "HTTPS___AWS_EXAMPLE_X_Y_ID_TOKEN", platform: "GitLab" }],
    ["Buildkite", { type: "buildkite", audience: "sts.amazonaws.com" }],
    ["Buildkite,", { type: "buildkite", audience: undefined }],
    ["CircleCI", {
      type: "env",
      name: "CIRCLE_OIDC_TOKEN_V2",
      alternatives: ["CIRCLE_OIDC_TOKEN"],
      platform: "CircleCI",
    }],
    ["CircleCI,sts.amazonaws.com", {
      type: "process",
      command: ["circleci", "run", "oidc", "get", "--claims", '{"aud":"sts.amazonaws.com"}'],
      platform: "CircleCI",
    }],
    ["Bitbucket", { type: "env", name: "BITBUCKET_STEP_OIDC_TOKEN", platform: "Bitbucket" }],
    ["AzureDevOps", { type: "azure", serviceConnectionId: undefined }],
    ["azure,0d5c6f1e-aaaa", { type: "azure", serviceConnectionId: "0d5c6f1e-aaaa" }],
    ["TerraformCloud", { type: "env", name: "TFC_WORKLOAD_IDENTITY_TOKEN", platform: "TerraformCloud" }],
    ["HCP,AWS", { type: "env", name: "TFC_WORKLOAD_IDENTITY_TOKEN_AWS", platform: "TerraformCloud" }],
    ["Spacelift", { type: "env", name: "SPACELIFT_OIDC_TOKEN", platform: "Spacelift" }],
    ["GoogleCloud", { type: "google", audience: "sts.amazonaws.com" }],
    ["gcp,https://aud", { type: "google", audience: "https://aud" }],
    ["auto", { type: "auto", audience: "sts.amazonaws.com" }],
    ["AUTO,my-aud", { type: "auto", audience: "my-aud" }],
  ];
  for (const [value, expected] of cases) {
    it(`parses ${JSON.stringify(value)}`, () => assert.deepEqual(parseTokenServer(value), expected));
  }

  it("refuses second parts a platform cannot take", () => {
    assert.throws(() => parseTokenServer("Bitbucket,aud"), { code: "ERR_CONFIG_INVALID", message: /oidc\.audiences/ });
    assert.throws(() => parseTokenServer("Spacelift,x"), { message: /audience is fixed/ });
    assert.throws(() => parseTokenServer("GoogleCloud,"), { message: /metadata server needs one/ });
    assert.throws(() => parseTokenServer("TerraformCloud,a-b"), { message: /a tag is letters, digits and _/ });
  });
});

describe("detectTokenSource: platforms in a fixed order", () => {
  const platforms: Array<[string, Record<string, string>, string, string?]> = [
    ["GitHub", {
      GITHUB_ACTIONS: "true",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://t.test/x",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b",
    }, "server"],
    ["Forgejo", {
      GITHUB_ACTIONS: "true",
      FORGEJO_ACTIONS: "true",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://f.test/x",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b",
    }, "server"],
    ["GitLab", { GITLAB_CI: "true", STS_AMAZONAWS_COM_ID_TOKEN: TOKEN }, "env", "STS_AMAZONAWS_COM_ID_TOKEN"],
    ["Buildkite", { BUILDKITE: "true", BUILDKITE_AGENT_ACCESS_TOKEN: "a", BUILDKITE_JOB_ID: "j" }, "buildkite"],
    ["CircleCI", { CIRCLECI: "true", CIRCLE_OIDC_TOKEN: TOKEN }, "env", "CIRCLE_OIDC_TOKEN_V2"],
    [
      "Bitbucket",
      { BITBUCKET_BUILD_NUMBER: "7", BITBUCKET_STEP_OIDC_TOKEN: TOKEN },
      "env",
      "BITBUCKET_STEP_OIDC_TOKEN",
    ],
    [
      "AzureDevOps",
      { TF_BUILD: "True", SYSTEM_OIDCREQUESTURI: "https://dev.azure.test/oidc", SYSTEM_ACCESSTOKEN: "a" },
      "azure",
    ],
    ["TerraformCloud", { TFC_WORKLOAD_IDENTITY_TOKEN: TOKEN }, "env", "TFC_WORKLOAD_IDENTITY_TOKEN"],
    ["Spacelift", { SPACELIFT_OIDC_TOKEN: TOKEN }, "env", "SPACELIFT_OIDC_TOKEN"],
    ["Kubernetes", { AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token" }, "file"],
    ["GoogleCloud", { OIDC2AWS_DETECT_GOOGLE: "true" }, "google"],
  ];
  for (const [platform, env, type, variable] of platforms) {
    it(`detects ${platform}`, async () => {
      const spec = await detectTokenSource(env);
      assert.equal(spec.type, type);
      if (variable) assert.equal((spec as { name: string }).name, variable);
      if (spec.type === "server") assert.equal(spec.name, platform);
    });
  }

  it("takes the first platform in the order when two are present", async () => {
    const gitlabAndBuildkite = {
      GITLAB_CI: "true",
      STS_AMAZONAWS_COM_ID_TOKEN: TOKEN,
      BUILDKITE: "true",
      BUILDKITE_AGENT_ACCESS_TOKEN: "a",
      BUILDKITE_JOB_ID: "j",
    };
    assert.equal((await detectTokenSource(gitlabAndBuildkite)).type, "env");
    const terraformAndFile = { TFC_WORKLOAD_IDENTITY_TOKEN: TOKEN, AWS_WEB_IDENTITY_TOKEN_FILE: "/t" };
    assert.deepEqual(await detectTokenSource(terraformAndFile), {
      type: "env",
      name: "TFC_WORKLOAD_IDENTITY_TOKEN",
      platform: "TerraformCloud",
    });
    // A GitHub job inside which a token file is also configured: GitHub first.
    assert.equal(
      (await detectTokenSource({
        GITHUB_ACTIONS: "true",
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://t/x",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b",
        AWS_WEB_IDENTITY_TOKEN_FILE: "/t",
      })).type,
      "server",
    );
  });

  it("falls through 'not this platform' but stops at 'this platform, misconfigured' with its fix", async () => {
    const fails = (env: Record<string, string>, pattern: RegExp) =>
      assert.rejects(
        detectTokenSource(env),
        (err: Error & { code?: string }) => err.code === "ERR_TOKEN_UNAVAILABLE" && pattern.test(err.message),
      );
    await fails({ GITHUB_ACTIONS: "true" }, /permissions:\n {4}id-token: write/);
    await fails({ GITHUB_ACTIONS: "true", FORGEJO_ACTIONS: "true" }, /enable-openid-connect: true/);
    await fails(
      { GITLAB_CI: "true" },
      /^GitLab did not give this job an OIDC token: STS_AMAZONAWS_COM_ID_TOKEN is not set.*id_tokens:\n {4}STS_AMAZONAWS_COM_ID_TOKEN:\n {6}aud: sts\.amazonaws\.com/s,
    );
    await fails({ BUILDKITE: "true" }, /BUILDKITE_AGENT_ACCESS_TOKEN or BUILDKITE_JOB_ID is not set/);
    await fails({ CIRCLECI: "true" }, /use a context/);
    await fails({ BITBUCKET_BUILD_NUMBER: "3" }, /add oidc: true to the step/);
    await fails(
      { TF_BUILD: "True", SYSTEM_OIDCREQUESTURI: "https://x/oidc" },
      /SYSTEM_ACCESSTOKEN: \$\(System\.AccessToken\)/,
    );
    await fails({}, /^No CI platform that issues OIDC tokens was detected \(checked GitHub Actions/);
    // Azure Pipelines without OIDC (no SYSTEM_OIDCREQUESTURI) is "not this platform": it falls through.
    assert.equal((await detectTokenSource({ TF_BUILD: "True", SPACELIFT_OIDC_TOKEN: TOKEN })).type, "env");
  });

  it("uses circleci run oidc get when a custom audience is asked for on CircleCI", async () => {
    assert.deepEqual(await detectTokenSource({ CIRCLECI: "true" }, "my-aud"), {
      type: "process",
      command: ["circleci", "run", "oidc", "get", "--claims", '{"aud":"my-aud"}'],
      platform: "CircleCI",
    });
  });
});

describe("getToken: each kind of source", () => {
  const clock = instantClock();
  const host = (env: Record<string, string>, fetch = scriptedFetch({}).fetch) => ({
    env,
    fetch,
    now: clock.now,
    sleep: clock.sleep,
    random: clock.random,
  });

  it("env: reads the variable (or its alternative) at each call, trimmed", async () => {
    const spec = parseTokenServer("CircleCI");
    assert.equal(await getToken(spec, host({ CIRCLE_OIDC_TOKEN: ` ${TOKEN}\n` })), TOKEN);
    assert.equal(await getToken({ type: "env", name: "MY_TOKEN" }, host({ MY_TOKEN: TOKEN })), TOKEN);
    await assert.rejects(getToken({ type: "env", name: "MY_TOKEN" }, host({ MY_TOKEN: " " })), {
      code: "ERR_TOKEN_UNAVAILABLE",
      message: /the environment variable MY_TOKEN \(web_identity_token_env\) is not set or empty/,
    });
    // In a GitLab job any variable is an id_tokens entry: the error shows the one to add.
    await assert.rejects(getToken({ type: "env", name: "MY_TOKEN" }, host({ GITLAB_CI: "true" })), {
      code: "ERR_TOKEN_UNAVAILABLE",
      message:
        /^GitLab did not give this job an OIDC token: MY_TOKEN is not set\. .*add to the job:\n {2}id_tokens:\n {4}MY_TOKEN:\n {6}aud: <the audience>$/s,
    });
  });

  it("Buildkite: POSTs the audience to the agent API with the agent token", async () => {
    const script = scriptedFetch({ "/v3/jobs/": [{ status: 201, body: JSON.stringify({ token: TOKEN }) }] });
    const env = {
      BUILDKITE_AGENT_ACCESS_TOKEN: "agent-SECRET",
      BUILDKITE_JOB_ID: "0190-abc",
      BUILDKITE_AGENT_ENDPOINT: "https://agent.buildkite.test/v3/",
    };
    assert.equal(await getToken(parseTokenServer("Buildkite"), host(env, script.fetch)), TOKEN);
    const [request] = script.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.url.href, "https://agent.buildkite.test/v3/jobs/0190-abc/oidc/tokens");
    assert.equal(request.headers.authorization, "Token agent-SECRET");
    assert.deepEqual(JSON.parse(request.body), { audience: "sts.amazonaws.com" });
    const refused = scriptedFetch({ "/v3/jobs/": [{ status: 401, body: '{"message":"bad agent-SECRET"}' }] });
    await assert.rejects(
      getToken(parseTokenServer("Buildkite"), host(env, refused.fetch)),
      (err: Error & { code: string }) =>
        err.code === "ERR_TOKEN_HTTP" &&
        /Buildkite agent API .* HTTP 401 .*agent token in BUILDKITE_AGENT_ACCESS_TOKEN was refused/.test(err.message) &&
        !err.message.includes("agent-SECRET"),
    );
  });

  it("Azure DevOps: POSTs to SYSTEM_OIDCREQUESTURI with api-version and the service connection", async () => {
    const script = scriptedFetch({ "/org/": [{ body: JSON.stringify({ oidcToken: TOKEN }) }] });
    const env = {
      SYSTEM_OIDCREQUESTURI: "https://dev.azure.test/org/_apis/oidc?x=1",
      SYSTEM_ACCESSTOKEN: "ado-SECRET",
    };
    assert.equal(await getToken(parseTokenServer("AzureDevOps,sc-1"), host(env, script.fetch)), TOKEN);
    const [request] = script.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.url.searchParams.get("api-version"), "7.1");
    assert.equal(request.url.searchParams.get("serviceConnectionId"), "sc-1");
    assert.equal(request.url.searchParams.get("x"), "1");
    assert.equal(request.headers.authorization, "Bearer ado-SECRET");
    assert.equal(request.headers["content-type"], "application/json");
  });

  it("Google Cloud: GETs the metadata server's identity endpoint with Metadata-Flavor and reads the raw JWT", async () => {
    const script = scriptedFetch({
      "/computeMetadata/": [{ body: `${TOKEN}\n`, headers: { "content-type": "application/text" } }],
    });
    assert.equal(
      await getToken(parseTokenServer("GoogleCloud"), host({ GCE_METADATA_HOST: "127.0.0.1:8080" }, script.fetch)),
      TOKEN,
    );
    const [request] = script.requests;
    assert.equal(
      request.url.href,
      "http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/identity?audience=sts.amazonaws.com&format=full",
    );
    assert.equal(request.headers["metadata-flavor"], "Google");
    const html = scriptedFetch({ "/computeMetadata/": [{ body: "<html>captive portal</html>" }] });
    await assert.rejects(getToken(parseTokenServer("GoogleCloud"), host({}, html.fetch)), {
      code: "ERR_TOKEN_RESPONSE",
      message: /expected a JWT as plain text, got not a JWT/,
    });
    assert.equal(
      html.requests[0].url.host,
      "metadata.google.internal",
      "the default host (the fetch is scripted: nothing leaves)",
    );
  });

  it("process: runs the command without a shell and takes what it prints", async () => {
    const calls: Array<{ command: string; args: string[] }> = [];
    const runCommand = (command: string, args: string[]) => {
      calls.push({ command, args });
      return Promise.resolve({ code: 0, stdout: `${TOKEN}\n`, stderr: "", timedOut: false });
    };
    assert.equal(
      await getToken({ type: "process", command: ["buildkite-agent", "oidc", "request-token", "--audience", "a b"] }, {
        ...host({}),
        runCommand,
      }),
      TOKEN,
    );
    assert.deepEqual(calls, [{ command: "buildkite-agent", args: ["oidc", "request-token", "--audience", "a b"] }]);
    const failing = () =>
      Promise.resolve({ code: 3, stdout: "", stderr: `error: not in a job (token ${TOKEN})\n`, timedOut: false });
    await assert.rejects(
      getToken({ type: "process", command: ["tok"] }, { ...host({}), runCommand: failing }),
      (err: Error & { code: string }) =>
        err.code === "ERR_TOKEN_UNAVAILABLE" &&
        /"tok" exited with code 3: error: not in a job \(token <redacted>\)/.test(err.message) &&
        !err.message.includes(TOKEN),
    );
    const slow = () => Promise.resolve({ code: null, stdout: "", stderr: "", timedOut: true });
    await assert.rejects(getToken({ type: "process", command: ["tok"] }, { ...host({}), runCommand: slow }), {
      code: "ERR_TOKEN_UNAVAILABLE",
      message: /^The token command "tok" did not finish within \d+ ms: it must print the OIDC token and exit$/,
    });
  });

  it("process: a real command on this machine (the runtime's child_process, no shell)", async () => {
    const token = await getToken(
      { type: "process", command: ["node", "-e", `console.log(${JSON.stringify(TOKEN)})`] },
      host({ PATH: process.env.PATH ?? "" }),
    );
    assert.equal(token, TOKEN);
    await assert.rejects(
      getToken({ type: "process", command: ["no-such-oidc2aws-command"] }, host({ PATH: process.env.PATH ?? "" })),
      {
        code: "ERR_TOKEN_UNAVAILABLE",
        message: /command not found/,
      },
    );
  });

  it("auto: detects at each call and gets the token from the platform found", async () => {
    assert.equal(
      await getToken(
        { type: "auto", audience: "sts.amazonaws.com" },
        host({ GITLAB_CI: "true", STS_AMAZONAWS_COM_ID_TOKEN: TOKEN }),
      ),
      TOKEN,
    );
  });
});

describe("resolveProfile: the new keys", () => {
  const resolve = (env: Record<string, string>, config = "", options = {}) =>
    resolveProfile({
      env: { HOME: "/h", ...env },
      readFile: (p) => Promise.resolve(p === "/h/.aws/config" ? config : undefined),
      ...options,
    });
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

describe("getToken: token commands that misbehave (real processes)", () => {
  const PATH = process.env.PATH ?? "";
  const gone = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };

  it("a command that ignores SIGTERM is stopped at the deadline, its whole process group too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "oidc2aws-proc-"));
    try {
      const pidFile = join(dir, "pid");
      const script = `echo $$ > '${pidFile}'; trap '' TERM; sleep 30 & while :; do sleep 1; done`;
      const started = Date.now();
      await assert.rejects(
        getToken({ type: "process", command: ["sh", "-c", script] }, {
          env: { PATH },
          retry: { totalTimeoutMs: 600, attemptTimeoutMs: 600, baseDelayMs: 1 },
        }),
        (err: Error & { code?: string }) =>
          err.code === "ERR_TOKEN_UNAVAILABLE" && /did not finish within \d+ ms/.test(err.message),
      );
      // Without the group kill this would wait for the 30 s sleep, or forever.
      assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
      const pid = Number((await readFile(pidFile, "utf8")).trim());
      for (let waited = 0; !gone(pid) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.ok(gone(pid), "the command was killed (SIGKILL after SIGTERM was ignored)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a command that exits but leaves a child holding stdout: its token is read, the child stopped", async () => {
    const started = Date.now();
    const token = await getToken({ type: "process", command: ["sh", "-c", `sleep 30 & echo ${TOKEN}`] }, {
      env: { PATH },
    });
    assert.equal(token, TOKEN);
    assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms, not after the child's 30 s`);
  });

  it("neither the job's secrets a command echoes, nor a token pasted as the command, reach the error", async () => {
    const bearer = "plain-bearer-value-0123456789";
    const echoing = getToken(
      { type: "process", command: ["sh", "-c", `echo "debug: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" >&2; exit 1`] },
      { env: { PATH, ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer } },
    );
    await assert.rejects(echoing, (err: Error & { code?: string }) => {
      assert.equal(err.code, "ERR_TOKEN_UNAVAILABLE");
      assert.match(err.message, /exited with code 1: debug: bearer <redacted>/);
      assert.ok(!inspect(err).includes(bearer));
      return true;
    });
    const pasted = getToken({ type: "process", command: [TOKEN] }, { env: { PATH } });
    await assert.rejects(pasted, (err: Error & { code?: string }) => {
      assert.equal(err.code, "ERR_TOKEN_UNAVAILABLE");
      assert.match(err.message, /Cannot run the token command "<a token, not shown>": command not found/);
      assert.ok(!inspect(err).includes(TOKEN), "nor in the error's cause");
      return true;
    });
  });
});
