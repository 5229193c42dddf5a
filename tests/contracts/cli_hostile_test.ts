// A hostile token server and STS that echo what they were sent into every field they choose, and put
// CI workflow commands in their text: the CLI must print no piece of the token or the bearer (an opaque
// token from --token-env, a bearer whose variable's name looks innocent), and no line of its output may
// start with anything but its own words (a GitHub runner executes a line starting with `::`).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type CliRun, runCli, RUNTIME } from "../_cli.ts";

/** Plain letters and digits, shaped like an AWS error code or a request id: only knowing them hides them. */
const OPAQUE_TOKEN = "OpaqueTOKENxMARK7f3k9a2bQw";
const PLAIN_BEARER = "plainBEARERxMARK4q8w2zR";
const ROLE = "arn:aws:iam::123456789012:role/deploy";

/** Every 12-character piece of each secret: what must not appear in any output. */
const PIECES = [OPAQUE_TOKEN, PLAIN_BEARER].flatMap((secret) =>
  Array.from({ length: secret.length - 11 }, (_, i) => secret.slice(i, i + 12))
);

const success = (expiration: string) =>
  `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>` +
  `<AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>k</SecretAccessKey><SessionToken>t</SessionToken>` +
  `<Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser>` +
  `<Arn>arn:aws:sts::123456789012:assumed-role/deploy/s</Arn></AssumedRoleUser>` +
  `</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`;
const refusal = (code: string, message: string, requestId = "r-1") =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
  `<RequestId>${requestId}</RequestId></ErrorResponse>`;

/** Workflow commands a server may plant in its text, behind each kind of line break. */
const COMMANDS = ["&#10;::warning::planted", "&#13;::stop-commands::planted", "&#x2028;::error::planted"];

type Answer = { status: number; headers?: Record<string, string>; body?: string };

/** What STS answers in each mode, given the token it received. */
const STS: Record<string, (token: string) => Answer> = {
  "the token as the error code": (t) => ({ status: 400, body: refusal(t, "no") }),
  "the token as the request id": (t) => ({ status: 403, body: refusal("AccessDenied", "no", t) }),
  "the token as the request id header": (t) => ({
    status: 403,
    headers: { "x-amzn-requestid": t },
    body: refusal("AccessDenied", "no", ""),
  }),
  "the token as the root element": (t) => ({ status: 200, body: `<${t}/>` }),
  "the token as the content type": (t) => ({ status: 200, headers: { "content-type": `text/${t}` }, body: "<X/>" }),
  "the token in the Location": (t) => ({ status: 302, headers: { location: `https://evil.test/${t}` }, body: "" }),
  "the token as the Expiration": (t) => ({ status: 200, body: success(t) }),
  "an Expiration in the past": () => ({ status: 200, body: success("2001-01-01T00:00:00Z") }),
  "workflow commands in the message": (t) => ({ status: 400, body: refusal("ValidationError", COMMANDS.join(t)) }),
  "workflow commands in the code": () => ({ status: 400, body: refusal("Bad&#10;::warning::planted", "no") }),
  "a workflow command in the assumed role ARN": () => ({
    status: 200,
    body: success("2099-01-01T00:00:00Z").replace("deploy/s<", "deploy/s&#10;::warning::planted<"),
  }),
  ok: () => ({ status: 200, body: success("2099-01-01T00:00:00Z") }),
  "a NEL and an escape sequence in the message": () => ({
    status: 400,
    body: refusal("ValidationError", "a&#x85;::warning::planted b&#x9b;2K"),
  }),
};

/** What the token server answers in each mode, given the bearer it received. */
const TOKEN: Record<string, (bearer: string) => Answer> = {
  ok: () => ({ status: 200, headers: { "content-type": "application/json" }, body: '{"value":"opaque-token-1"}' }),
  "the bearer as a JSON key": (b) => ({ status: 200, body: JSON.stringify({ [b]: 1 }) }),
  "the bearer as the content type": (b) => ({
    status: 200,
    headers: { "content-type": `application/${b}` },
    body: "{}",
  }),
  "the bearer in the Location": (b) => ({ status: 307, headers: { location: `https://evil.test/?b=${b}` }, body: "" }),
  "the bearer in an error body": (b) => ({ status: 401, body: `bad bearer ${b}` }),
  "workflow commands in an error body": () => ({
    status: 403,
    body: "denied\r::stop-commands::planted\u2028::warning::planted\u0085::error::planted",
  }),
};

let server: Server;
let base: string;
const runs: Array<[string, CliRun]> = [];

async function body(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

before(async () => {
  server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const [, kind, mode] = new URL(request.url ?? "/", "http://x").pathname.split("/").map(decodeURIComponent);
    let answer: Answer = { status: 404, body: "no such mode" };
    if (kind === "sts" && Object.hasOwn(STS, mode)) {
      const token = new URLSearchParams(await body(request)).get("WebIdentityToken") ?? "";
      answer = STS[mode](token);
    } else if (kind === "token" && Object.hasOwn(TOKEN, mode)) {
      const bearer = (request.headers.authorization ?? "").replace(/^Bearer /, "");
      answer = TOKEN[mode](bearer);
    }
    response.writeHead(answer.status, { "content-type": "text/xml", ...answer.headers });
    response.end(answer.body ?? "");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => new Promise<void>((done) => server.close(() => done())));

const ENV = {
  AWS_CONFIG_FILE: "/nonexistent/oidc2aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/oidc2aws-credentials",
  AWS_REGION: "eu-west-1",
  AWS_MAX_ATTEMPTS: "1",
  MY_OIDC: OPAQUE_TOKEN,
  MY_BEARER: PLAIN_BEARER,
};

/** Runs the CLI (plain and with --debug); returns what is wrong with its output: secrets, lines it did not write. */
async function hostile(label: string, args: string[], env: Record<string, string>): Promise<string[]> {
  const problems: string[] = [];
  for (const debug of [false, true]) {
    const run = await runCli([...args, ...(debug ? ["--debug"] : [])], { env: { ...ENV, ...env } });
    const what = `${label}${debug ? " (--debug)" : ""}`;
    runs.push([what, run]);
    if (run.code === 0 || !/^oidc2aws: ERR_[A-Z_]+: /m.test(run.stderr)) {
      problems.push(`${what}: exit ${run.code} without an error line: ${run.stderr}`);
    }
    for (const [stream, text] of [["stdout", run.stdout], ["stderr", run.stderr]]) {
      if (PIECES.some((piece) => text.includes(piece))) problems.push(`${what}: ${stream} shows a secret: ${text}`);
      // A runner reads lines split at \n, \r\n, a lone \r (and some tools at U+0085, U+2028, U+2029).
      for (const line of text.split(/\r\n|[\r\n\u0085\u2028\u2029]/)) {
        if (/^\s*(::|##)/.test(line)) problems.push(`${what}: ${stream} has a line a runner would run: ${line}`);
        // deno-lint-ignore no-control-regex -- finding control characters is the point
        if (/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(line)) problems.push(`${what}: ${stream} has a control character`);
      }
    }
    const foreign = run.stderr.split("\n").slice(0, -1).filter((line) => !line.startsWith("oidc2aws: "));
    if (foreign.length) problems.push(`${what}: stderr lines oidc2aws did not start: ${foreign.join(" | ")}`);
  }
  return problems;
}

/** Runs every mode; asserts that none had a problem, listing them all. */
async function all(modes: string[], run: (mode: string) => Promise<string[]>): Promise<void> {
  const problems: string[] = [];
  for (const mode of modes) problems.push(...await run(mode));
  assert.deepEqual(problems, []);
}

describe(`CLI on ${RUNTIME}: servers that echo secrets and plant workflow commands`, () => {
  it("STS, given an opaque token from --token-env", async () => {
    await all(
      Object.keys(STS).filter((mode) => mode !== "ok"),
      (mode) =>
        hostile(mode, ["credential-process", "--no-cache", "--role-arn", ROLE, "--token-env", "MY_OIDC"], {
          AWS_ENDPOINT_URL_STS: `${base}/sts/${encodeURIComponent(mode)}`,
        }),
    );
  });

  it("STS, through whoami, which prints the claims and the role it assumed", async () => {
    await all(
      ["a workflow command in the assumed role ARN", "workflow commands in the message"],
      (mode) =>
        hostile(`whoami: ${mode}`, ["whoami", "--role-arn", ROLE, "--token-env", "MY_OIDC"], {
          AWS_ENDPOINT_URL_STS: `${base}/sts/${encodeURIComponent(mode)}`,
        }),
    );
  });

  it("a token server named by a manual form whose bearer variable has an innocent name", async () => {
    const args = ["credential-process", "--no-cache", "--role-arn", ROLE, "--token-server", "MY_URL,MY_BEARER"];
    await all(
      Object.keys(TOKEN).filter((mode) => mode !== "ok"),
      (mode) =>
        hostile(mode, args, {
          MY_URL: `${base}/token/${encodeURIComponent(mode)}`,
          AWS_ENDPOINT_URL_STS: `${base}/sts/x`,
        }),
    );
  });

  it("--debug shows every URL's scheme, host and path, and never its query", async () => {
    const run = await runCli(["credential-process", "--no-cache", "--debug", "--role-arn", ROLE], {
      env: {
        ...ENV,
        AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
        // No query string, in a variable whose name holds TOKEN: not a secret, and shown.
        ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token/ok`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: PLAIN_BEARER,
        AWS_ENDPOINT_URL_STS: `${base}/sts/ok?X-Private=querypartQ9`,
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`^oidc2aws: debug: GET ${base}/token/ok → HTTP 200`, "m"));
    assert.match(run.stderr, new RegExp(`^oidc2aws: debug: POST ${base}/sts/ok → HTTP 200`, "m"));
    assert.match(run.stderr, new RegExp(`, STS ${base}/sts/ok\n`));
    assert.doesNotMatch(run.stderr, /querypartQ9|X-Private|<redacted>/);
  });

  it("settings in variables whose names hold TOKEN are shown: which variable holds the token, a file's path", async () => {
    const base = { ...ENV, AWS_ROLE_ARN: ROLE };
    const byEnv = await runCli(["credential-process", "--no-cache"], {
      env: { ...base, AWS_WEB_IDENTITY_TOKEN_ENV: "MY_UNSET_ID" },
    });
    assert.match(byEnv.stderr, /^oidc2aws: ERR_TOKEN_UNAVAILABLE: .*the environment variable MY_UNSET_ID \(/);
    const path = "/home/runner/work/MyService2/MyService2/token";
    const byFile = await runCli(["credential-process", "--no-cache"], {
      env: { ...base, AWS_WEB_IDENTITY_TOKEN_FILE: path },
    });
    assert.match(
      byFile.stderr,
      new RegExp(`^oidc2aws: ERR_TOKEN_UNAVAILABLE: The web identity token file ${path} does not exist`),
    );
  });

  it("ran every mode, plain and with --debug", () => {
    assert.equal(runs.length, 2 * (Object.keys(STS).length - 1 + 2 + Object.keys(TOKEN).length - 1));
  });
});
