// Secret hygiene: no token, bearer or AWS secret ever leaves the library in an error (message, String,
// inspect, JSON, fields, causes) or in a printed credentials object. Recognizable fake secrets are planted
// in every place the library reads them from, every error path it can reach is driven, and every
// rendering of the outcome is scanned for any 16-character piece of a secret in raw, URL-encoded and
// base64 form. The one place a secret may appear is a credentials object's own secretAccessKey and
// sessionToken properties.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { format, inspect } from "node:util";
import { createServer } from "node:net";
import { readFile as fsReadFile } from "node:fs/promises";
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  type Credentials,
  decodeClaims,
  type Fetch,
  fromWebIdentity,
  getToken,
  loadConfig,
  Oidc2AwsError,
  parseConfig,
  parseTokenServer,
  resolveProfile,
  type TokenSpec,
  type WebIdentityProfile,
} from "../../mod.ts";
import { instantClock, type Reply, scriptedFetch, type SeenRequest } from "../_helpers.ts";
import { webIdentity } from "../_profile.ts";
import { deadPort, hasOpenssl, makeTestCerts, startProxy } from "../_tls.ts";
import { startEmulator } from "../../emulator/mod.ts";
import { request } from "../../lib/_runtime/node_http.ts";

// ---------------------------------------------------------------------------------------------
// The planted secrets
// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder();
const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

/**
 * A base64url JWT part whose encoding shows `marker` verbatim: the JSON before it is padded to a
 * multiple of 3 bytes, and the marker's 4-character groups decode to bytes that are legal in a JSON string.
 */
function partWithMarker(before: string, marker: string, after: string): string {
  let head = before;
  while (encoder.encode(head).length % 3) head += "x";
  return base64url(encoder.encode(head)) + marker + base64url(encoder.encode(after));
}

const MARKERS = { header: "OIDCheadMarkQ7zz", payload: "OIDCPaylLoadMarkZq7x", signature: "OIDCSignMarkSig0" };
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const CLAIMS = {
  iss: "https://token.actions.githubusercontent.com",
  aud: "sts.amazonaws.com",
  sub: "repo:octo-org/app:ref:refs/heads/main",
  repository: "octo-org/app",
  repository_owner: "octo-org",
  workflow_ref: "octo-org/app/.github/workflows/deploy.yml@refs/heads/main",
  job_workflow_ref: "octo-org/app/.github/workflows/deploy.yml@refs/heads/main",
  runner_environment: "github-hosted",
  ref: "refs/heads/main",
  sha: "0123456789abcdef0123456789abcdef01234567",
  iat: NOW / 1000,
  nbf: NOW / 1000 - 600,
  exp: NOW / 1000 + 300,
};
function pseudoRandomBase64(length: number, seed: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let s = seed;
  let out = "";
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out += alphabet[(s >>> 16) % 64];
  }
  return out;
}
/** The OIDC token: a realistic ~900-character RS256 JWT with a marker in each part. */
const TOKEN = [
  partWithMarker('{"alg":"RS256","typ":"JWT","x5t":"', MARKERS.header, '","kid":"k1"}'),
  partWithMarker(JSON.stringify(CLAIMS).slice(0, -1) + ',"jti":"', MARKERS.payload, '"}'),
  MARKERS.signature + pseudoRandomBase64(326, 7),
].join(".");
/** ACTIONS_ID_TOKEN_REQUEST_TOKEN: not JWT-shaped, with characters that URL-encoding changes. */
const BEARER = "Rq7~BEARERxMARK/p+Zt=9vWq";
/** What STS returns. */
const SECRET_KEY = "SAKxMARK/7wJalrXUtnFEMIK7MDENGbPxRfiCYk2";
const SESSION_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ" + "SESSIONxMARKa" +
  pseudoRandomBase64(300, 11).replace(/-/g, "+").replace(/_/g, "/") + "SESSIONxMARKz" + "Rw==";

/**
 * An opaque (non-JWT) token, as `--token-env` may hand one over, and a bearer a manual token-server form
 * names by an innocent variable: plain letters and digits, short enough that no "looks random" rule
 * catches them, and shaped like an AWS error code or request id, so only knowing them keeps them out.
 */
const OPAQUE_TOKEN = "OpaqueTOKENxMARK7f3k9a2bQw";
const PLAIN_BEARER = "plainBEARERxMARK4q8w2zR";

const SECRETS: Record<string, string> = {
  token: TOKEN,
  "opaque token": OPAQUE_TOKEN,
  "request bearer": BEARER,
  "plain request bearer": PLAIN_BEARER,
  "secret access key": SECRET_KEY,
  "session token": SESSION_TOKEN,
};
const WINDOW = 16;
/** Every 16-character piece of every secret, in every form, to what it came from. */
const PIECES = new Map<string, string>();
for (const [name, secret] of Object.entries(SECRETS)) {
  const forms: Record<string, string> = {
    raw: secret,
    "URL-encoded": encodeURIComponent(secret),
    base64: btoa(secret),
    base64url: btoa(secret).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_"),
  };
  for (const [form, text] of Object.entries(forms)) {
    for (let i = 0; i + WINDOW <= text.length; i++) {
      const piece = text.slice(i, i + WINDOW);
      if (!PIECES.has(piece)) PIECES.set(piece, `${name} (${form})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scanning
// ---------------------------------------------------------------------------------------------

const counts = { paths: 0, scans: 0 };
const runtime = globalThis as unknown as {
  Deno?: { inspect(value: unknown, options?: object): string };
  Bun?: { inspect(value: unknown, options?: object): string };
};

/** Where a secret shows in a text, if anywhere: "<secret> (<form>) at <offset>". */
function findSecret(text: string): string | undefined {
  for (let i = 0; i + WINDOW <= text.length; i++) {
    const source = PIECES.get(text.slice(i, i + WINDOW));
    if (source) return `${source} at offset ${i}: ...${JSON.stringify(text.slice(Math.max(0, i - 40), i + 8))}...`;
  }
  return undefined;
}

/** Every way an error (or any value) gets printed, serialized or inspected, with its cause chain. */
function renderings(value: unknown): Array<[string, () => string]> {
  const out: Array<[string, () => string]> = [];
  const seen = new Set<unknown>();
  let current: unknown = value;
  for (let depth = 0; current !== undefined && current !== null && depth < 10 && !seen.has(current); depth++) {
    seen.add(current);
    const item = current;
    const at = depth === 0 ? "error" : `cause #${depth}`;
    out.push(
      [`${at}.message`, () => String((item as Error).message)],
      [`String(${at})`, () => String(item)],
      [`util.inspect(${at})`, () => inspect(item, { depth: 10 })],
      [`util.inspect(${at}, showHidden)`, () => inspect(item, { depth: 10, showHidden: true })],
      [`JSON.stringify(${at})`, () => JSON.stringify(item) ?? ""],
      [`${at}.stack`, () => String((item as Error).stack)],
    );
    if (runtime.Deno) out.push([`Deno.inspect(${at})`, () => runtime.Deno!.inspect(item, { depth: 10 })]);
    if (runtime.Bun) out.push([`Bun.inspect(${at})`, () => runtime.Bun!.inspect(item, { depth: 10 })]);
    if (typeof item === "object") {
      for (const name of Object.getOwnPropertyNames(item)) {
        if (name === "message" || name === "stack" || name === "cause") continue;
        out.push([`${at}.${name}`, () => {
          const field = (item as Record<string, unknown>)[name];
          return typeof field === "string" ? field : inspect(field, { depth: 10 });
        }]);
      }
    }
    current = (item as { cause?: unknown }).cause;
  }
  return out;
}

/** Scans every rendering of `value`; returns what leaked. */
function leaks(value: unknown): string[] {
  const found: string[] = [];
  for (const [name, render] of renderings(value)) {
    let text: string;
    try {
      text = render();
    } catch (err) {
      text = `(rendering threw ${String(err)})`;
    }
    counts.scans++;
    const where = findSecret(text);
    if (where) found.push(`${name} shows the ${where}`);
  }
  return found;
}

/** Collects the problems of many error paths, then asserts there were none. */
function audit() {
  const problems: string[] = [];
  return {
    /** Runs one error path: it must fail with an oidc2aws error (of `code`, if given) that shows no secret. */
    async fails(label: string, run: () => Promise<unknown>, code?: string): Promise<void> {
      counts.paths++;
      let error: unknown;
      try {
        await run();
        problems.push(`${label}: did not fail`);
        return;
      } catch (err) {
        error = err;
      }
      if (!(error instanceof Oidc2AwsError)) {
        problems.push(`${label}: threw ${String(error).slice(0, 100)}, not an oidc2aws error`);
      } else if (code && error.code !== code) {
        problems.push(`${label}: ${error.code} instead of ${code}: ${error.message.slice(0, 100)}`);
      }
      for (const leak of leaks(error)) problems.push(`${label}: ${leak}`);
    },
    /** Runs a path that may succeed (a truncated answer can still be whole); a failure must show no secret. */
    async mayFail(label: string, run: () => Promise<unknown>): Promise<void> {
      try {
        await run();
      } catch (error) {
        counts.paths++;
        if (!(error instanceof Oidc2AwsError)) problems.push(`${label}: threw ${String(error).slice(0, 100)}`);
        for (const leak of leaks(error)) problems.push(`${label}: ${leak}`);
      }
    },
    done(): void {
      const shown = problems.slice(0, 12).map((p) => `  ${p}`).join("\n");
      assert.ok(problems.length === 0, `${problems.length} problems:\n${shown}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const ROLE = "arn:aws:iam::123456789012:role/deploy";
const TOKEN_URL = "https://token.example.test/idtoken?api-version=2.0";
const ENV = { ACTIONS_ID_TOKEN_REQUEST_URL: TOKEN_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER, GITHUB_ACTIONS: "true" };
const GITHUB = parseTokenServer("GitHub");
const PROFILE: WebIdentityProfile = {
  name: "ci",
  roleArn: ROLE,
  token: GITHUB,
  roleSessionName: "GitHubActions-7-1",
  stsEndpoint: "https://sts.example.test/",
};
const XML = { "content-type": "text/xml" };
const JSON_TYPE = { "content-type": "application/json" };
const HTML = { "content-type": "text/html" };

type Script = Reply[] | ((request: SeenRequest) => Reply | Promise<Reply>);
const tokenOk: Reply = { status: 200, body: JSON.stringify({ count: 1, value: TOKEN }), headers: JSON_TYPE };

function stsSuccess(): string {
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLEEXAMPLE01</AccessKeyId>
      <SecretAccessKey>${SECRET_KEY}</SecretAccessKey>
      <SessionToken>${SESSION_TOKEN}</SessionToken>
      <Expiration>2026-11-26T13:00:00Z</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>repo:octo-org/app:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions-7-1</Arn>
      <AssumedRoleId>AROAEXAMPLE:GitHubActions-7-1</AssumedRoleId>
    </AssumedRoleUser>
    <Audience>sts.amazonaws.com</Audience>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ok-1</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`;
}

function stsError(code: string, message: string, wrapped = false): string {
  const error = `<Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>`;
  return wrapped
    ? `<Response><Errors>${error}</Errors><RequestID>r-1</RequestID></Response>`
    : `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">${error}<RequestId>r-1</RequestId></ErrorResponse>`;
}

/** assumeRole against a scripted token server and STS, with an instant clock. */
function trade(
  routes: { token?: Script; sts?: Script },
  options: { env?: Record<string, string>; profile?: WebIdentityProfile } = {},
) {
  const clock = instantClock(NOW);
  const script = scriptedFetch({ "/idtoken": routes.token ?? [tokenOk], "/": routes.sts ?? [{ body: stsSuccess() }] });
  return () =>
    assumeRole(options.profile ?? PROFILE, {
      env: options.env ?? ENV,
      fetch: script.fetch,
      now: clock.now,
      sleep: clock.sleep,
      random: clock.random,
    });
}

/** getToken against a scripted token server. */
function token(script: Script, options: { env?: Record<string, string>; spec?: TokenSpec } = {}) {
  const clock = instantClock(NOW);
  const { fetch } = scriptedFetch({ "/idtoken": script, "/": [new Error("no such route")] });
  return () =>
    getToken(options.spec ?? GITHUB, {
      env: options.env ?? ENV,
      fetch,
      now: clock.now,
      sleep: clock.sleep,
      random: clock.random,
    });
}

/** Both ways of reaching the token server: getToken, and assumeRole (which adds its own wording). */
function bothWays(script: Script): Array<[string, () => Promise<unknown>]> {
  return [["getToken", token(script)], ["assumeRole", trade({ token: script })]];
}

/** resolveProfile with an in-memory file system. */
function resolve(env: Record<string, string>, files: Record<string, string> = {}, profile?: string) {
  return () =>
    resolveProfile({
      env: { HOME: "/home/runner", AWS_CONFIG_FILE: "/cfg/aws_config", ...env },
      readFile: (path) => Promise.resolve(files[path]),
      now: () => NOW,
      profile,
    });
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** A fetch that never answers until its signal aborts (for timeouts); like a real socket, it holds the event loop. */
const hangingFetch: Fetch = (_url, init) =>
  new Promise((_, reject) => {
    const socket = setInterval(() => {}, 1000);
    init.signal?.addEventListener("abort", () => {
      clearInterval(socket);
      reject(init.signal!.reason);
    });
  });

// A bearer that spans two lines (a secret pasted with a line break, a file with a second line) is not a
// valid header value. undici (Node's fetch) and Deno's fetch then throw an error that quotes the
// header, bearer included; Bun's and node:http's errors do not.
const twoLineBearer = `${BEARER}\nsecond line`;

/** Error bodies that echo what the request carried. */
const echoes: Record<string, { body: string; headers?: Record<string, string> }> = {
  "JSON echo": {
    body: JSON.stringify({ message: "Bad credentials", authorization: `Bearer ${BEARER}`, token: TOKEN }),
    headers: JSON_TYPE,
  },
  "HTML echo": {
    body: `<html><body><h1>Error</h1><p>Bearer ${BEARER}</p><pre>${TOKEN}</pre></body></html>`,
    headers: HTML,
  },
  "text echo": { body: `token=${TOKEN}; bearer=${BEARER}. Request rejected` },
};

// ---------------------------------------------------------------------------------------------
// The paths
// ---------------------------------------------------------------------------------------------

describe("secrets: the planted values are what the library really handles", () => {
  it("the token is a readable JWT whose claims are the ones planted, with a marker in every part", () => {
    assert.deepEqual(decodeClaims(TOKEN), {
      iss: CLAIMS.iss,
      aud: CLAIMS.aud,
      sub: CLAIMS.sub,
      exp: CLAIMS.exp,
      nbf: CLAIMS.nbf,
      iat: CLAIMS.iat,
    });
    const parts = TOKEN.split(".");
    assert.ok(parts[0].includes(MARKERS.header) && parts[1].includes(MARKERS.payload));
    assert.ok(parts[2].startsWith(MARKERS.signature) && TOKEN.length > 800);
    assert.ok(findSecret(`x ${parts[2].slice(100, 117)} y`)?.startsWith("token (raw)"));
    assert.ok(findSecret(`x ${encodeURIComponent(BEARER)} y`)?.startsWith("request bearer (URL-encoded)"));
    assert.equal(findSecret("Cannot assume role arn:aws:iam::123456789012:role/deploy: AccessDenied"), undefined);
  });
});

describe("secrets: the token server's failures", () => {
  it("token unavailable: variables missing, in and out of GitHub Actions, or holding the wrong thing", async () => {
    const paths = audit();
    const cases: Record<string, [Record<string, string>, TokenSpec]> = {
      "nothing set": [{}, GITHUB],
      "URL missing in GitHub Actions": [{ GITHUB_ACTIONS: "true", ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER }, GITHUB],
      "bearer missing": [{ ACTIONS_ID_TOKEN_REQUEST_URL: TOKEN_URL }, GITHUB],
      "manual form, URL missing": [{ MY_TOKEN: BEARER }, parseTokenServer("MY_URL,MY_TOKEN")],
      "URL variable holds the token": [{ ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: TOKEN }, GITHUB],
      "URL variable holds the bearer": [{ ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: BEARER }, GITHUB],
      "plain-http URL with secrets in its query": [
        { ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: `http://token.example.test/idtoken?t=${TOKEN}&b=${BEARER}` },
        GITHUB,
      ],
      "plain-http URL with the bearer as its password": [
        { ...ENV, ACTIONS_ID_TOKEN_REQUEST_URL: `http://x:${encodeURIComponent(BEARER)}@token.example.test/` },
        GITHUB,
      ],
    };
    for (const [label, [env, spec]] of Object.entries(cases)) {
      await paths.fails(`getToken, ${label}`, token([tokenOk], { env, spec }));
      await paths.fails(`assumeRole, ${label}`, trade({}, { env, profile: { ...PROFILE, token: spec } }));
    }
    paths.done();
  });

  for (const status of [400, 401, 403, 404, 405, 408, 429, 500, 502, 503]) {
    it(`HTTP ${status} whose body echoes the bearer and the token`, async () => {
      const paths = audit();
      for (const [kind, reply] of Object.entries(echoes)) {
        for (const [way, run] of bothWays([{ ...reply, status }])) {
          await paths.fails(`${way}, ${kind}`, run, "ERR_TOKEN_HTTP");
        }
      }
      paths.done();
    });
  }

  it("an answer without value, with the token under another key or in another shape", async () => {
    const paths = audit();
    const bodies: Record<string, string> = {
      '{"token": TOKEN}': JSON.stringify({ token: TOKEN }),
      '{"id_token": TOKEN, "count": 1}': JSON.stringify({ id_token: TOKEN, count: 1 }),
      '{"value": "", "token": TOKEN}': JSON.stringify({ value: "", token: TOKEN }),
      '{"value": null, "oidcToken": TOKEN}': JSON.stringify({ value: null, oidcToken: TOKEN }),
      '{"value": 123, "note": TOKEN}': JSON.stringify({ value: 123, note: TOKEN }),
      '{"data": {"value": TOKEN}}': JSON.stringify({ data: { value: TOKEN } }),
      "[TOKEN]": JSON.stringify([TOKEN]),
      '"TOKEN"': JSON.stringify(TOKEN),
      "TOKEN as plain text": TOKEN,
      "value=TOKEN": `value=${TOKEN}`,
      "{TOKEN: true} (the token as a key)": JSON.stringify({ [TOKEN]: true }),
      '{"Bearer BEARER": "echo"} (the bearer as a key)': JSON.stringify({ [`Bearer ${BEARER}`]: "echo" }),
    };
    for (const [label, body] of Object.entries(bodies)) {
      for (const [way, run] of bothWays([{ status: 200, body, headers: JSON_TYPE }])) {
        await paths.fails(`${way}, ${label}`, run, "ERR_TOKEN_RESPONSE");
      }
    }
    paths.done();
  });

  it("redirects, which carry the bearer and the token in their Location and body", async () => {
    const paths = audit();
    const location = `https://login.example.test/?next=${encodeURIComponent(TOKEN_URL)}&auth=${
      encodeURIComponent(BEARER)
    }&t=${TOKEN}`;
    for (const status of [301, 302, 303, 307, 308]) {
      const body = `<a href="${location}">Redirecting</a> for Bearer ${BEARER}`;
      for (const [way, run] of bothWays([{ status, body, headers: { location, ...HTML } }])) {
        await paths.fails(`${way}, HTTP ${status}`, run, "ERR_TOKEN_HTTP");
      }
    }
    paths.done();
  });

  it("network errors whose messages carry the URL", async () => {
    const paths = audit();
    const failures: Record<string, (request: SeenRequest) => Error> = {
      "undici's fetch failed": () =>
        new TypeError("fetch failed", {
          cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
        }),
      "Deno's error sending request": (r) =>
        new TypeError("fetch failed", {
          cause: new Error(`error sending request for url (${r.url.href}): client error (Connect): Connection refused`),
        }),
      "node-fetch's request to URL failed": (r) => new Error(`request to ${r.url.href} failed, reason: socket hang up`),
      "a bare ECONNRESET": () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
    };
    for (const [label, fail] of Object.entries(failures)) {
      for (const [way, run] of bothWays((request) => fail(request))) {
        await paths.fails(`${way}, ${label}`, run, "ERR_NETWORK");
      }
    }
    paths.done();
  });

  it("a bearer on two lines, refused by fetch with the header in its message (as undici and Deno word it)", async () => {
    const paths = audit();
    const env = { ...ENV, ACTIONS_ID_TOKEN_REQUEST_TOKEN: twoLineBearer };
    const failures: Record<string, (request: SeenRequest) => Error> = {
      undici: (r) => new TypeError(`Headers.append: "${r.headers.authorization}" is an invalid header value.`),
      Deno: (r) => new TypeError(`Invalid header value: "${r.headers.authorization}"`),
    };
    for (const [label, fail] of Object.entries(failures)) {
      await paths.fails(`getToken, ${label}`, token((request) => fail(request), { env }));
      await paths.fails(`assumeRole, ${label}`, trade({ token: (request) => fail(request) }, { env }));
    }
    paths.done();
  });

  it("a bearer on two lines, sent through this runtime's own fetch to 127.0.0.1", async () => {
    const paths = audit();
    const port = await closedPort();
    const env = {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/idtoken`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: twoLineBearer,
    };
    const clock = instantClock(NOW);
    const options = { env, now: clock.now, sleep: clock.sleep, random: clock.random, retry: { maxAttempts: 2 } };
    const fetch = globalThis.fetch as unknown as Fetch;
    await paths.fails("this runtime's fetch, injected", () => getToken(GITHUB, { ...options, fetch }));
    await paths.fails("the library's default HTTP client", () => getToken(GITHUB, options));
    paths.done();
  });

  it("a fetch whose errors carry the request, headers and body included (as axios-style clients do)", async () => {
    const paths = audit();
    const failing: Fetch = (url, init) =>
      Promise.reject(Object.assign(new Error("Request failed: ECONNRESET"), {
        code: "ECONNRESET",
        config: { url, method: init.method, headers: init.headers, data: init.body },
      }));
    const tokenFirst: Fetch = (url, init) =>
      url.includes("/idtoken") ? scriptedFetch({ "/": [tokenOk] }).fetch(url, init) : failing(url, init);
    const clock = instantClock(NOW);
    const common = { env: ENV, now: clock.now, sleep: clock.sleep, random: clock.random };
    await paths.fails("getToken", () => getToken(GITHUB, { ...common, fetch: failing }), "ERR_NETWORK");
    await paths.fails("assumeRole, at the token server", () => assumeRole(PROFILE, { ...common, fetch: failing }));
    await paths.fails("assumeRole, at STS", () => assumeRole(PROFILE, { ...common, fetch: tokenFirst }), "ERR_NETWORK");
    paths.done();
  });

  it("timeouts", async () => {
    const paths = audit();
    const clock = instantClock(NOW);
    const retry = { attemptTimeoutMs: 5, maxAttempts: 2 };
    const common = { env: ENV, fetch: hangingFetch, now: clock.now, sleep: clock.sleep, random: clock.random, retry };
    await paths.fails("getToken", () => getToken(GITHUB, common), "ERR_TIMEOUT");
    await paths.fails("assumeRole", () => assumeRole(PROFILE, common), "ERR_TIMEOUT");
    paths.done();
  });

  it("oversized answers full of tokens, announced or streamed", async () => {
    const paths = audit();
    const huge = `{"value":"${TOKEN}","echo":"${`${TOKEN} Bearer ${BEARER} `.repeat(100)}"}`;
    const replies: Record<string, Reply> = {
      announced: {
        status: 200,
        body: huge,
        headers: { "content-length": String(encoder.encode(huge).length), ...JSON_TYPE },
      },
      streamed: { status: 200, body: huge, headers: JSON_TYPE },
      "streamed at HTTP 500": { status: 500, body: huge },
    };
    for (const [label, reply] of Object.entries(replies)) {
      for (const [way, run] of bothWays([reply])) await paths.fails(`${way}, ${label}`, run, "ERR_TOKEN_RESPONSE");
    }
    paths.done();
  });

  it("answers truncated at every point", async () => {
    const paths = audit();
    const full = JSON.stringify({ count: 1, value: TOKEN });
    for (let end = 0; end < full.length; end += 3) {
      await paths.mayFail(`cut at ${end}`, token([{ status: 200, body: full.slice(0, end), headers: JSON_TYPE }]));
    }
    paths.done();
  });

  it("token files: missing, empty, unreadable", async () => {
    const paths = audit();
    const spec: TokenSpec = { type: "file", path: "/var/run/secrets/token" };
    const readers: Record<string, () => Promise<string | undefined>> = {
      missing: () => Promise.resolve(undefined),
      empty: () => Promise.resolve("  \n"),
      unreadable: () =>
        Promise.reject(
          Object.assign(new Error("EACCES: permission denied, open '/var/run/secrets/token'"), { code: "EACCES" }),
        ),
    };
    for (const [label, readFile] of Object.entries(readers)) {
      await paths.fails(label, () => getToken(spec, { readFile }), "ERR_TOKEN_UNAVAILABLE");
    }
    paths.done();
  });
});

describe("secrets: other platforms' token sources", () => {
  // Each platform's request bearer (none for Google's metadata server, which takes no secret).
  const platforms: Record<string, { env: Record<string, string>; route: string; field: string; bearerEnv?: string }> = {
    Buildkite: {
      env: {
        BUILDKITE: "true",
        BUILDKITE_AGENT_ACCESS_TOKEN: BEARER,
        BUILDKITE_JOB_ID: "0190-job",
        BUILDKITE_AGENT_ENDPOINT: "https://agent.example.test/v3",
      },
      route: "/v3/jobs/",
      field: "token",
      bearerEnv: "BUILDKITE_AGENT_ACCESS_TOKEN",
    },
    AzureDevOps: {
      env: { TF_BUILD: "True", SYSTEM_OIDCREQUESTURI: "https://dev.example.test/oidc", SYSTEM_ACCESSTOKEN: BEARER },
      route: "/oidc",
      field: "oidcToken",
      bearerEnv: "SYSTEM_ACCESSTOKEN",
    },
    GoogleCloud: { env: { GCE_METADATA_HOST: "metadata.example.test" }, route: "/computeMetadata/", field: "" },
  };

  for (const [name, { env, route, field, bearerEnv }] of Object.entries(platforms)) {
    it(`${name}: error answers echoing the bearer and the token, and answers without a token`, async () => {
      const paths = audit();
      const run = (script: Script, extraEnv: Record<string, string> = {}) => {
        const clock = instantClock(NOW);
        const { fetch } = scriptedFetch({ [route]: script });
        return () =>
          getToken(parseTokenServer(name), {
            env: { ...env, ...extraEnv },
            fetch,
            now: clock.now,
            sleep: clock.sleep,
            random: clock.random,
          });
      };
      for (const status of [400, 401, 403, 404, 500, 302]) {
        for (const [kind, reply] of Object.entries(echoes)) {
          // A server can only echo the bearer it was sent.
          const body = bearerEnv ? reply.body : reply.body.replaceAll(BEARER, "(no bearer)");
          await paths.fails(`HTTP ${status}, ${kind}`, run([{ ...reply, body, status }]), "ERR_TOKEN_HTTP");
        }
      }
      const answers: Record<string, string> = {
        "the token under another key": JSON.stringify({ value: TOKEN, jwt: TOKEN }),
        "the token as a key": JSON.stringify({ [TOKEN]: true }),
        "an empty token": JSON.stringify(field ? { [field]: "" } : ""),
        "the token after Bearer": `Bearer ${TOKEN}`,
      };
      for (const [label, body] of Object.entries(answers)) {
        await paths.fails(`HTTP 200, ${label}`, run([{ status: 200, body, headers: JSON_TYPE }]), "ERR_TOKEN_RESPONSE");
      }
      if (bearerEnv) {
        const undici = (r: SeenRequest) =>
          new TypeError(`Headers.append: "${r.headers.authorization}" is an invalid header value.`);
        const quoting = run((request) => undici(request), { [bearerEnv]: twoLineBearer });
        await paths.fails("a bearer on two lines, quoted by fetch's error", quoting);
      }
      paths.done();
    });
  }

  it("tokens handed over in env vars, and platforms detected without one", async () => {
    const paths = audit();
    const cases: Record<string, [string, Record<string, string>]> = {
      "GitLab without id_tokens": ["GitLab", { GITLAB_CI: "true", CI_JOB_JWT: "", SECRET: BEARER }],
      "CircleCI without a context": ["CircleCI", { CIRCLECI: "true" }],
      "Bitbucket without oidc": ["Bitbucket", { BITBUCKET_BUILD_NUMBER: "7" }],
      "HCP Terraform without the audience variable": ["TerraformCloud", {}],
      "Spacelift outside a run": ["Spacelift", {}],
      "auto, nothing detected": ["auto", { SOME_TOKEN: TOKEN }],
      "auto, Buildkite without its agent token": ["auto", { BUILDKITE: "true", BUILDKITE_JOB_ID: "1" }],
      "auto, GitLab without id_tokens": ["auto", { GITLAB_CI: "true" }],
      "auto, Azure DevOps without the access token": ["auto", { TF_BUILD: "True", SYSTEM_OIDCREQUESTURI: "https://x" }],
      "auto, GitHub Actions without id-token: write": ["auto", { GITHUB_ACTIONS: "true" }],
    };
    for (const [label, [value, env]] of Object.entries(cases)) {
      const clock = instantClock(NOW);
      const { fetch } = scriptedFetch({ "/": [new Error("no network here")] });
      await paths.fails(label, () =>
        getToken(parseTokenServer(value), {
          env,
          fetch,
          now: clock.now,
          sleep: clock.sleep,
          random: clock.random,
          readFile: () => Promise.resolve(undefined),
        }));
    }
    paths.done();
  });

  it("token commands that fail, print nothing, print more than a token, or hang", async () => {
    const paths = audit();
    type Outcome = { code: number | null; stdout: string; stderr: string; timedOut: boolean };
    const outcomes: Record<string, Outcome | Error> = {
      "exit 1, stderr echoing the token": {
        code: 1,
        stdout: "",
        stderr: `error: token ${TOKEN} rejected`,
        timedOut: false,
      },
      "exit 1, stderr with a cut token": {
        code: 1,
        stdout: "",
        stderr: `error: bad token ${TOKEN.slice(0, 300)}...`,
        timedOut: false,
      },
      "exit 0, the token and a warning": { code: 0, stdout: `${TOKEN}\nwarning: x`, stderr: "", timedOut: false },
      "exit 0, Bearer and the token": { code: 0, stdout: `Bearer ${TOKEN}`, stderr: `got ${TOKEN}`, timedOut: false },
      "exit 0, nothing": { code: 0, stdout: "", stderr: `no token; last one was ${TOKEN}`, timedOut: false },
      "timed out": { code: null, stdout: TOKEN.slice(0, 100), stderr: "", timedOut: true },
      "not found": Object.assign(new Error("spawn circleci ENOENT"), { code: "ENOENT" }),
      "spawn failure": Object.assign(new Error("spawn EACCES"), { code: "EACCES" }),
    };
    for (const [label, outcome] of Object.entries(outcomes)) {
      const clock = instantClock(NOW);
      const runCommand = () => outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
      await paths.fails(label, () =>
        getToken(parseTokenServer("CircleCI,my-audience"), {
          env: { CIRCLECI: "true" },
          runCommand,
          now: clock.now,
          sleep: clock.sleep,
          random: clock.random,
        }));
    }
    paths.done();
  });
});

describe("secrets: STS's failures", () => {
  const codes: Array<[string, number]> = [
    ["AccessDenied", 403],
    ["InvalidIdentityToken", 400],
    ["ExpiredTokenException", 400],
    ["IDPRejectedClaim", 403],
    ["IDPCommunicationError", 400],
    ["ValidationError", 400],
    ["Throttling", 400],
    ["RegionDisabledException", 403],
    ["InternalFailure", 500],
  ];

  it("error documents (with the token's claims shown where they explain the failure)", async () => {
    const paths = audit();
    for (const [code, status] of codes) {
      for (const wrapped of [false, true]) {
        const sts = [{ status, body: stsError(code, "Not authorized", wrapped), headers: XML }];
        await paths.fails(`${code}${wrapped ? ", wrapped" : ""}`, trade({ sts }), "ERR_STS");
      }
    }
    paths.done();
  });

  for (const [code, status] of codes) {
    it(`${code} whose Message echoes the token`, async () => {
      const paths = audit();
      const messages = { "as text": `Token ${TOKEN} is invalid`, "in CDATA": `<![CDATA[bad token: ${TOKEN}]]>` };
      for (const [label, message] of Object.entries(messages)) {
        await paths.fails(label, trade({ sts: [{ status, body: stsError(code, message), headers: XML }] }), "ERR_STS");
      }
      paths.done();
    });
  }

  it("an error document at HTTP 200, echoing the token", async () => {
    const paths = audit();
    const sts = [{ status: 200, body: stsError("AccessDenied", `for ${TOKEN}`), headers: XML }];
    await paths.fails("AccessDenied at 200", trade({ sts }), "ERR_STS");
    paths.done();
  });

  const pages: Record<string, string> = {
    "HTML page quoting the token": `<html><body><h1>502 Bad Gateway</h1><p>token: ${TOKEN}</p><hr></body></html>`,
    "HTML5 page": `<!DOCTYPE html><html><body><p>${TOKEN}</p></body></html>`,
    "page linking with the token": `<html><body><a href="/retry?t=${TOKEN}&amp;x=1">retry</a><br></body></html>`,
    "page quoting the token in angle brackets": `<html><body><p>Rejected token <${TOKEN}></p></body></html>`,
    "XML error quoting the token in angle brackets":
      `<Error><Code>Rejected</Code><Message>token <${TOKEN}></Message></Error>`,
    "unclosed tag named by the token": `<${TOKEN}`,
    "JSON error echoing the token": JSON.stringify({ message: `invalid token ${TOKEN}` }),
    "plain text echoing the token": `Invalid WebIdentityToken=${TOKEN}`,
    "empty body": "",
  };
  // Proxies label their pages every which way: HTML, XML, or not at all.
  const types: Record<string, Record<string, string>> = { "text/html": HTML, "text/xml": XML, "no type": {} };
  for (const [name, body] of Object.entries(pages)) {
    it(`a proxy's ${name}`, async () => {
      const paths = audit();
      for (const [type, headers] of Object.entries(types)) {
        for (const status of [403, 502]) {
          await paths.fails(`assumeRole, HTTP ${status}, ${type}`, trade({ sts: [{ status, body, headers }] }));
        }
        // The one-call API, where no retry or explanation wraps the error.
        const { fetch } = scriptedFetch({ "/": [{ status: 400, body, headers }] });
        await paths.fails(`assumeRoleWithWebIdentity, HTTP 400, ${type}`, () =>
          assumeRoleWithWebIdentity(
            { roleArn: ROLE, roleSessionName: "s1", webIdentityToken: TOKEN },
            { endpoint: "https://sts.example.test/", fetch },
          ));
      }
      paths.done();
    });
  }

  it("success documents that cannot be used, while holding the secret key and session token", async () => {
    const paths = audit();
    const ok = stsSuccess();
    const broken: Record<string, string> = {
      "no AccessKeyId": ok.replace(/<AccessKeyId>.*?<\/AccessKeyId>/, ""),
      "no Expiration": ok.replace(/<Expiration>.*?<\/Expiration>/, ""),
      "unreadable Expiration": ok.replace("2026-11-26T13:00:00Z", "tomorrow"),
      "no account in the assumed-role ARN": ok.replace("arn:aws:sts::123456789012:", "arn:aws:sts::x:"),
      "another operation's answer": ok.replaceAll("AssumeRoleWithWebIdentityResponse", "AssumeRoleResponse"),
      "a mismatched closing tag": ok.replace("</SessionToken>", "</SessionTokn>"),
    };
    for (const [label, body] of Object.entries(broken)) {
      await paths.fails(label, trade({ sts: [{ status: 200, body, headers: XML }] }), "ERR_STS_RESPONSE");
    }
    await paths.fails("a success document at HTTP 400", trade({ sts: [{ status: 400, body: ok, headers: XML }] }));
    paths.done();
  });

  it("success documents truncated at every point", async () => {
    const paths = audit();
    const ok = stsSuccess();
    for (let end = 0; end < ok.length; end += 5) {
      await paths.mayFail(`cut at ${end}`, trade({ sts: [{ status: 200, body: ok.slice(0, end), headers: XML }] }));
    }
    paths.done();
  });

  it("oversized answers holding the secrets, announced or streamed", async () => {
    const paths = audit();
    const huge = stsSuccess() + `<!-- ${`${TOKEN} ${SECRET_KEY} ${SESSION_TOKEN} `.repeat(1000)} -->`;
    const announced = { ...XML, "content-length": String(huge.length) };
    await paths.fails(
      "announced",
      trade({ sts: [{ status: 200, body: huge, headers: announced }] }),
      "ERR_STS_RESPONSE",
    );
    await paths.fails("streamed", trade({ sts: [{ status: 200, body: huge, headers: XML }] }), "ERR_STS_RESPONSE");
    paths.done();
  });

  it("redirects carrying the token", async () => {
    const paths = audit();
    const location = `https://signin.example.test/login?WebIdentityToken=${TOKEN}`;
    for (const status of [301, 302, 307, 308]) {
      const sts = [{ status, body: `Moved to ${location}`, headers: { location } }];
      await paths.fails(`HTTP ${status}`, trade({ sts }), "ERR_STS_RESPONSE");
    }
    paths.done();
  });

  it("network errors and timeouts", async () => {
    const paths = audit();
    const refused = (r: SeenRequest) =>
      new TypeError("fetch failed", { cause: new Error(`request to ${r.url} failed`) });
    await paths.fails("network error", trade({ sts: refused }), "ERR_NETWORK");
    const clock = instantClock(NOW);
    const fetch: Fetch = (url, init) =>
      url.includes("/idtoken") ? scriptedFetch({ "/": [tokenOk] }).fetch(url, init) : hangingFetch(url, init);
    const retry = { attemptTimeoutMs: 5, maxAttempts: 2 };
    const options = { env: ENV, fetch, now: clock.now, sleep: clock.sleep, random: clock.random, retry };
    await paths.fails("timeout", () => assumeRole(PROFILE, options), "ERR_TIMEOUT");
    paths.done();
  });
});

describe("secrets: configuration mistakes", () => {
  const server = { AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub" };
  const withRole = { AWS_ROLE_ARN: ROLE, ...server };

  const pasted: Record<string, string> = {
    "the token": TOKEN,
    "the token with a trailing newline": `${TOKEN}\n`,
    "the token between spaces": ` ${TOKEN} `,
    "the token after Bearer": `Bearer ${TOKEN}`,
    "the token in quotes": `"${TOKEN}"`,
  };

  for (const [what, value] of Object.entries(pasted)) {
    it(`${what} pasted into a setting`, async () => {
      const paths = audit();
      const invalid = "ERR_CONFIG_INVALID";
      const oneLine = value.trim();
      const profile = (lines: string) =>
        resolve({}, {
          "/cfg/aws_config": `[profile p]\nrole_arn = ${ROLE}\nweb_identity_token_server = GitHub\n${lines}\n`,
        }, "p");
      await paths.fails("AWS_ROLE_ARN", resolve({ ...server, AWS_ROLE_ARN: value }), invalid);
      await paths.fails(
        "role_arn in a profile",
        resolve(
          {},
          { "/cfg/aws_config": `[profile p]\nweb_identity_token_server = GitHub\nrole_arn = ${oneLine}\n` },
          "p",
        ),
        invalid,
      );
      await paths.fails("AWS_ROLE_SESSION_NAME", resolve({ ...withRole, AWS_ROLE_SESSION_NAME: value }), invalid);
      await paths.fails("role_session_name", profile(`role_session_name = ${oneLine}`), invalid);
      await paths.fails(
        "AWS_WEB_IDENTITY_TOKEN_SERVER",
        resolve({ AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: value }),
        invalid,
      );
      await paths.fails(
        "web_identity_token_server",
        resolve(
          {},
          { "/cfg/aws_config": `[profile p]\nrole_arn = ${ROLE}\nweb_identity_token_server = ${oneLine}\n` },
          "p",
        ),
        invalid,
      );
      await paths.fails("AWS_ENDPOINT_URL_STS", resolve({ ...withRole, AWS_ENDPOINT_URL_STS: value }), invalid);
      await paths.fails("AWS_USE_FIPS_ENDPOINT", resolve({ ...withRole, AWS_USE_FIPS_ENDPOINT: value }), invalid);
      await paths.fails("sts_regional_endpoints", profile(`sts_regional_endpoints = ${oneLine}`), invalid);
      await paths.fails(
        "policy_arns",
        profile(`policy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess,${oneLine}`),
        invalid,
      );
      await paths.fails("duration_seconds", profile(`duration_seconds = ${oneLine}`), invalid);
      paths.done();
    });
  }

  it("the token as the manual form's parts, and the bearer where its variable's name belongs", async () => {
    const paths = audit();
    const values: Record<string, string> = {
      "TOKEN,TOKEN_ENV": `${TOKEN},ACTIONS_ID_TOKEN_REQUEST_TOKEN`,
      "URL_ENV,TOKEN,AUDIENCE": `ACTIONS_ID_TOKEN_REQUEST_URL,${TOKEN},sts.amazonaws.com`,
      "the URL and the bearer themselves": `${TOKEN_URL},${BEARER}`,
      "URL_ENV,BEARER": `ACTIONS_ID_TOKEN_REQUEST_URL,${BEARER}`,
      "URL_ENV, BEARER ,AUDIENCE": `MY_URL, ${BEARER} ,audience`,
    };
    for (const [label, value] of Object.entries(values)) {
      const run = resolve({ AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: value });
      await paths.fails(label, run, "ERR_CONFIG_INVALID");
    }
    paths.done();
  });

  it("the AWS secrets and the bearer pasted where a role ARN or session name belongs", async () => {
    const paths = audit();
    for (const [name, secret] of Object.entries({ SECRET_KEY, SESSION_TOKEN, BEARER })) {
      await paths.fails(`${name} in AWS_ROLE_ARN`, resolve({ ...server, AWS_ROLE_ARN: secret }), "ERR_CONFIG_INVALID");
      const session = resolve({ ...withRole, AWS_ROLE_SESSION_NAME: secret });
      await paths.fails(`${name} in AWS_ROLE_SESSION_NAME`, session, "ERR_CONFIG_INVALID");
      const files = {
        "/cfg/aws_config": `[profile p]\nweb_identity_token_server = GitHub\n`,
        "/cfg/credentials": `[p]\nrole_arn = ${secret}\n`,
      };
      const fromCredentials = resolve({ AWS_SHARED_CREDENTIALS_FILE: "/cfg/credentials" }, files, "p");
      await paths.fails(`${name} in role_arn of the credentials file`, fromCredentials, "ERR_CONFIG_INVALID");
    }
    paths.done();
  });

  it("the token pasted into AWS_WEB_IDENTITY_TOKEN_FILE", async () => {
    const paths = audit();
    // A JWT is one path component longer than 255 bytes: reading it fails with ENAMETOOLONG on a real
    // file system (this machine's, here), or the file is simply missing.
    const realReadFile = async (path: string) => {
      try {
        return await fsReadFile(path, "utf8");
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return undefined;
        throw err;
      }
    };
    const readers = { "a missing file": () => Promise.resolve(undefined), "the real file system": realReadFile };
    for (const [label, readFile] of Object.entries(readers)) {
      const env = { HOME: "/home/runner", AWS_CONFIG_FILE: "", AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN };
      const run = () =>
        resolveProfile({ env, readFile, now: () => NOW }).then((p) => getToken(webIdentity(p).token, { readFile }));
      await paths.fails(`resolveProfile + getToken, ${label}`, run, "ERR_TOKEN_UNAVAILABLE");
      const clock = instantClock(NOW);
      const provider = fromWebIdentity({ env, readFile, now: clock.now, sleep: clock.sleep, random: clock.random });
      await paths.fails(`fromWebIdentity, ${label}`, () => provider(), "ERR_TOKEN_UNAVAILABLE");
    }
    paths.done();
  });

  it("a credentials file with aws_secret_access_key on a malformed line", async () => {
    const paths = audit();
    const texts: Record<string, string> = {
      "no delimiter": `[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key ${SECRET_KEY}\n`,
      "before any section": `aws_secret_access_key = ${SECRET_KEY}\n[default]\n`,
      "twice": `[default]\naws_secret_access_key = ${SECRET_KEY}\naws_secret_access_key = ${SECRET_KEY}\n`,
      "in a nested block": `[default]\naws_secret_access_key =\n    ${SECRET_KEY}\n`,
      "alone on a line": `[default]\naws_access_key_id = AKIAEXAMPLE\n${SECRET_KEY}\n`,
      "a session token wrapped onto a second line": `[default]\naws_session_token = ${SESSION_TOKEN.slice(0, 60)}\n${
        SESSION_TOKEN.slice(60, -4)
      }\n`,
      "after a repeated section": `[default]\n[default]\naws_secret_access_key = ${SECRET_KEY}\n`,
    };
    for (const [label, text] of Object.entries(texts)) {
      const syntax = "ERR_CONFIG_SYNTAX";
      await paths.fails(
        `parseConfig, ${label}`,
        () => Promise.resolve(parseConfig(text, { kind: "credentials" })),
        syntax,
      );
      const env = { HOME: "/home/runner", AWS_CONFIG_FILE: "", AWS_SHARED_CREDENTIALS_FILE: "/cfg/credentials" };
      const readFile = (path: string) => Promise.resolve(path === "/cfg/credentials" ? text : undefined);
      await paths.fails(`loadConfig, ${label}`, () => loadConfig({ env, readFile }), syntax);
      await paths.fails(
        `resolveProfile, ${label}`,
        () => resolveProfile({ env: { ...env, ...withRole }, readFile }),
        syntax,
      );
    }
    paths.done();
  });

  it("profiles that are missing or hold static keys, next to a credentials file full of secrets", async () => {
    const paths = audit();
    const files = {
      "/cfg/aws_config": "[profile other]\nregion = eu-west-1\n",
      "/cfg/credentials": `[default]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = ${SECRET_KEY}\n` +
        `aws_session_token = ${SESSION_TOKEN}\n`,
    };
    const env = { AWS_SHARED_CREDENTIALS_FILE: "/cfg/credentials" };
    await paths.fails("missing", resolve({ ...env, AWS_PROFILE: "missing" }, files), "ERR_PROFILE_NOT_FOUND");
    await paths.fails("static keys", resolve(env, files), "ERR_NOT_WEB_IDENTITY");
    await paths.fails("static keys, named", resolve(env, files, "default"), "ERR_NOT_WEB_IDENTITY");
    paths.done();
  });
});

describe("secrets: the credential provider", () => {
  it("fails to resolve, to get a token, to assume the role, and to refresh, without a secret", async () => {
    const paths = audit();
    const clock = instantClock(NOW);
    const provider = (env: Record<string, string>, routes: { token?: Script; sts?: Script }) => {
      const { fetch } = scriptedFetch({
        "/idtoken": routes.token ?? [tokenOk],
        "/": routes.sts ?? [{ body: stsSuccess() }],
      });
      return fromWebIdentity({
        env: { HOME: "/home/runner", AWS_CONFIG_FILE: "", ...env },
        readFile: () => Promise.resolve(undefined),
        fetch,
        now: clock.now,
        sleep: clock.sleep,
        random: clock.random,
      });
    };
    const fromEnv = { ...ENV, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub" };
    const denied = (message: string) => [{ status: 403, body: stsError("AccessDenied", message), headers: XML }];
    await paths.fails("resolution", () => provider({ ...fromEnv, AWS_ROLE_ARN: `${TOKEN}\n` }, {})());
    await paths.fails(
      "token",
      () => provider(fromEnv, { token: [{ status: 401, body: `Bearer ${BEARER} ${TOKEN}` }] })(),
    );
    await paths.fails("AccessDenied", () => provider(fromEnv, { sts: denied("no") })());
    await paths.fails("AccessDenied echoing the token", () => provider(fromEnv, { sts: denied(TOKEN) })());

    // A forced refresh that fails, and a refresh that fails after the cached credentials expired.
    let calls = 0;
    const refreshing = provider(fromEnv, {
      sts: () => (++calls === 1 ? { body: stsSuccess() } : { status: 502, body: `<html><p>${TOKEN}</p></html>` }),
    });
    const first = await refreshing();
    assert.deepEqual(leaksOfCredentials(first), []);
    await paths.fails("forced refresh", () => refreshing({ forceRefresh: true }));
    clock.advance(2 * 3600_000);
    await paths.fails("refresh after expiry", () => refreshing());
    paths.done();
  });
});

/** Every way a credentials object gets printed or serialized: none may show the secret parts. */
function leaksOfCredentials(credentials: Credentials): string[] {
  const views: Array<[string, () => string]> = [
    ["util.inspect", () => inspect(credentials)],
    ["util.inspect depth 10", () => inspect(credentials, { depth: 10 })],
    ["util.inspect showHidden", () => inspect(credentials, { showHidden: true, depth: 10 })],
    ["util.inspect colors", () => inspect(credentials, { colors: true })],
    ["util.inspect in an object", () => inspect({ credentials }, { depth: 10 })],
    ["util.inspect in an array", () => inspect([credentials], { depth: 10 })],
    ["util.inspect in a Map", () => inspect(new Map([["c", credentials]]), { depth: 10 })],
    ["format %o", () => format("%o", credentials)],
    ["format %O", () => format("%O", credentials)],
    ["format %j", () => format("%j", credentials)],
    ["format %s", () => format("%s", credentials)],
    ["JSON.stringify", () => JSON.stringify(credentials)],
    ["JSON.stringify in an object", () => JSON.stringify({ credentials })],
    ["JSON.stringify indented", () => JSON.stringify(credentials, null, 2)],
    ["String", () => String(credentials)],
    ["template", () => `${credentials}`],
  ];
  if (runtime.Deno) {
    views.push(
      ["Deno.inspect", () => runtime.Deno!.inspect(credentials, { depth: 10 })],
      ["Deno.inspect in an object", () => runtime.Deno!.inspect({ credentials }, { depth: 10 })],
    );
  }
  if (runtime.Bun) {
    views.push(
      ["Bun.inspect", () => runtime.Bun!.inspect(credentials)],
      ["Bun.inspect in an object", () => runtime.Bun!.inspect({ credentials })],
    );
  }
  const found: string[] = [];
  for (const [name, view] of views) {
    counts.scans++;
    const where = findSecret(view());
    if (where) found.push(`${name} shows the ${where}`);
  }
  return found;
}

describe("secrets: credentials objects", () => {
  it("keep the secret key and session token as properties, and out of every printout", async () => {
    const fromAssume = await trade({})();
    const clock = instantClock(NOW);
    const { fetch } = scriptedFetch({ "/idtoken": [tokenOk], "/": [{ body: stsSuccess() }] });
    const fromProvider = await fromWebIdentity({
      resolved: PROFILE,
      env: ENV,
      fetch,
      now: clock.now,
      sleep: clock.sleep,
      random: clock.random,
    })();
    for (const credentials of [fromAssume, fromProvider]) {
      counts.paths++;
      assert.equal(credentials.secretAccessKey, SECRET_KEY, "the secret key is where an SDK reads it");
      assert.equal(credentials.sessionToken, SESSION_TOKEN, "the session token is where an SDK reads it");
      assert.deepEqual(leaksOfCredentials(credentials), []);
      assert.equal(findSecret(inspect(credentials.claims, { depth: 10 })), undefined, "claims, never the token");
    }
  });
});

describe("secrets: servers that echo what they were sent into every field", () => {
  // The token server echoes the bearer, STS the token, into fields that are shown without a body
  // excerpt's redaction: error codes, request ids, element names, JSON keys, content types,
  // redirect targets, expiration times.
  const MANUAL = { type: "server", name: undefined, urlEnv: "MY_URL", tokenEnv: "MY_BEARER", audience: "sts" } as const;
  const manualEnv = { MY_URL: "https://token.example.test/idtoken", MY_BEARER: PLAIN_BEARER };
  const OPAQUE_SPEC: TokenSpec = { type: "env", name: "MY_TOKEN" };
  const opaqueEnv = { MY_TOKEN: OPAQUE_TOKEN };

  it("a token server echoing the bearer into the JSON keys, the content type and the Location", async () => {
    const paths = audit();
    const encoded = encodeURIComponent(BEARER);
    const replies: Record<string, Reply> = {
      "the bearer as a JSON key": { status: 200, body: JSON.stringify({ [PLAIN_BEARER]: 1 }), headers: JSON_TYPE },
      "the bearer in a JSON key": {
        status: 200,
        body: JSON.stringify({ [`k${PLAIN_BEARER}`]: 1 }),
        headers: JSON_TYPE,
      },
      "the bearer as the content type": { status: 200, body: "{}", headers: { "content-type": PLAIN_BEARER } },
      "the bearer as the content type of an oversized answer": {
        status: 200,
        body: " ".repeat(64 * 1024 + 1),
        headers: { "content-type": `application/${PLAIN_BEARER}` },
      },
      "the bearer as a content type parameter": {
        status: 200,
        body: "{}",
        headers: { "content-type": `application/json; charset=${PLAIN_BEARER}` },
      },
      "the bearer in a redirect": { status: 302, body: "", headers: { location: `https://x.test/${PLAIN_BEARER}` } },
      "the bearer as the error body and type": {
        status: 401,
        body: PLAIN_BEARER,
        headers: { "content-type": `text/${PLAIN_BEARER}` },
      },
    };
    for (const [label, reply] of Object.entries(replies)) {
      const spec = MANUAL as TokenSpec;
      await paths.fails(label, token([reply], { env: manualEnv, spec }));
    }
    // The other bearer (with characters URL-encoding changes), echoed URL-encoded as a key.
    const echo = { status: 200, body: JSON.stringify({ [encoded]: 1 }), headers: JSON_TYPE };
    await paths.fails("the bearer URL-encoded as a JSON key", token([echo]), "ERR_TOKEN_RESPONSE");
    paths.done();
  });

  it("STS echoing the token into the code, the request id, the root element, the type, the Location", async () => {
    const paths = audit();
    const errorDoc = (code: string, requestId = "r-1") =>
      `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>no</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    for (
      const [name, secret, options] of [
        ["opaque token", OPAQUE_TOKEN, { env: opaqueEnv, profile: { ...PROFILE, token: OPAQUE_SPEC } }],
        ["JWT", TOKEN, {}],
      ] as const
    ) {
      const replies: Record<string, Reply> = {
        "as the error code": { status: 400, body: errorDoc(secret), headers: XML },
        "in the error code": { status: 400, body: errorDoc(`Bad.${secret}`), headers: XML },
        "as the request id": { status: 403, body: errorDoc("AccessDenied", secret), headers: XML },
        "as the request id header": {
          status: 403,
          body: errorDoc("AccessDenied", ""),
          headers: { ...XML, "x-amzn-requestid": secret },
        },
        "as the root element of an answer": { status: 200, body: `<${secret}/>`, headers: XML },
        "as the root element of a refusal": { status: 400, body: `<${secret}>x</${secret}>`, headers: XML },
        "as the content type": { status: 200, body: "<Nope/>", headers: { "content-type": `text/${secret}` } },
        "as the content type of an oversized answer": {
          status: 200,
          body: "<".repeat(1024 * 1024 + 1),
          headers: { "content-type": `text/${secret}` },
        },
        "as the Location": { status: 307, body: "", headers: { location: `https://evil.test/${secret}` } },
        "as the Expiration": {
          status: 200,
          body: stsSuccess().replace("2026-11-26T13:00:00Z", secret.slice(0, 40)),
          headers: XML,
        },
        "as an element name the XML reader trips on": {
          status: 400,
          body: `<ErrorResponse><${secret}></ErrorResponse>`,
          headers: XML,
        },
      };
      for (const [label, reply] of Object.entries(replies)) {
        await paths.fails(`${name} ${label}`, trade({ sts: [reply] }, options));
      }
    }
    paths.done();
  });

  it("an STS error code is shown only when it is a plain code, and then as the code", async () => {
    const sts = [{ status: 400, body: stsError("ValidationError", "bad"), headers: XML }];
    await assert.rejects(trade({ sts }), (err: Oidc2AwsError & { awsCode?: string }) => {
      assert.equal(err.awsCode, "ValidationError");
      assert.match(err.message, /: ValidationError \(bad\)/);
      return true;
    });
    const echoed = [{ status: 400, body: stsError(TOKEN.slice(0, 30), "bad"), headers: XML }];
    await assert.rejects(trade({ sts: echoed }), (err: Oidc2AwsError & { awsCode?: string }) => {
      assert.equal(err.awsCode, "HTTP400", "a code holding a piece of the token is replaced by the status");
      return true;
    });
  });
});

describe("secrets: proxies and CA bundles", { skip: hasOpenssl() ? false : "openssl is not on this machine" }, () => {
  // The fetch every runtime uses when a proxy variable or a CA bundle is set (lib/_runtime/network.ts),
  // against a loopback CONNECT proxy and the emulator serving https: the proxy's password joins the
  // secrets, in every form it could take (raw, URL-encoded, and inside the Basic credentials).
  const PASSWORD = "PROXYxMARKpa55w0rd/+=";
  const forms = [PASSWORD, encodeURIComponent(PASSWORD), btoa(`ci-user:${PASSWORD}`), btoa(PASSWORD)];
  const withPassword = (url: string) => url.replace("http://", `http://ci-user:${encodeURIComponent(PASSWORD)}@`);

  it("refusals, unreachable and malformed proxies, TLS failures and bad bundles show no secret and no proxy password", async () => {
    const certs = await makeTestCerts();
    const emulator = await startEmulator({ tls: { key: certs.key, cert: certs.cert } });
    const port = Number(new URL(emulator.url).port);
    const targets = { "token.example.test:443": port, "sts.example.test:443": port };
    const open = await startProxy({ targets, auth: `ci-user:${PASSWORD}` });
    const refusing = await startProxy({ targets: {}, auth: `ci-user:${PASSWORD}` });
    const failing = await startProxy({ targets, status: 502 });
    const dead = await deadPort();
    try {
      const paths = audit();
      const readFile = (path: string) => fsReadFile(path, "utf8").catch(() => undefined);
      const run = (proxyEnv: Record<string, string>, caBundle?: string) => {
        const env = { ...ENV, ...proxyEnv, AWS_MAX_ATTEMPTS: "1" };
        const bundle = caBundle ? { path: caBundle, origin: { envVar: "AWS_CA_BUNDLE" } } : undefined;
        const fetch: Fetch = (url, init) => request(url, init, undefined, { env, caBundle: bundle, readFile });
        return async () => {
          try {
            return await assumeRole(PROFILE, { env, fetch });
          } catch (err) {
            for (const [where, render] of renderings(err)) {
              const text = render();
              for (const form of forms) assert.ok(!text.includes(form), `the proxy password in ${where}: ${text}`);
            }
            throw err;
          }
        };
      };
      await paths.fails("407 without credentials", run({ HTTPS_PROXY: open.url }), "ERR_NETWORK");
      await paths.fails(
        "407 with the wrong password",
        run({ HTTPS_PROXY: open.url.replace("http://", `http://ci-user:${encodeURIComponent(PASSWORD)}x@`) }),
        "ERR_NETWORK",
      );
      await paths.fails(
        "403: a target the proxy refuses",
        run({ HTTPS_PROXY: withPassword(refusing.url) }),
        "ERR_NETWORK",
      );
      await paths.fails("502 from the proxy", run({ https_proxy: withPassword(failing.url) }), "ERR_NETWORK");
      await paths.fails(
        "a proxy that cannot be reached",
        run({ HTTPS_PROXY: withPassword(`http://127.0.0.1:${dead}`) }),
        "ERR_NETWORK",
      );
      for (
        const bad of ["http://[bad", "socks5://127.0.0.1:1080", "https://127.0.0.1:3128", "http://127.0.0.1:1/path"]
      ) {
        await paths.fails(`the proxy URL ${bad}`, run({ HTTPS_PROXY: withPassword(bad) }), "ERR_CONFIG_INVALID");
      }
      await paths.fails(
        "TLS not trusted through the tunnel",
        run({ HTTPS_PROXY: withPassword(open.url) }),
        "ERR_NETWORK",
      );
      await paths.fails(
        "TLS through the tunnel with another CA",
        run({ HTTPS_PROXY: withPassword(open.url) }, certs.otherCaFile),
        "ERR_NETWORK",
      );
      // Trusted and tunnelled: the emulator refuses the planted bearer, the answer comes back through the proxy.
      await paths.fails(
        "the token server's refusal, through the tunnel",
        run({ HTTPS_PROXY: withPassword(open.url) }, certs.caFile),
        "ERR_TOKEN_HTTP",
      );
      await paths.fails(
        "a CA bundle that does not exist",
        run({ HTTPS_PROXY: withPassword(open.url) }, `${certs.dir}/missing.pem`),
        "ERR_CONFIG_READ",
      );
      assert.ok(open.seen.length >= 4);
      // What the proxy saw in cleartext: CONNECT lines, never the bearer.
      assert.ok(!open.tunnelled().includes(BEARER));
      for (const seen of open.seen) assert.doesNotMatch(seen.line, /BEARER|idtoken/);
      paths.done();
    } finally {
      await Promise.all([open.stop(), refusing.stop(), failing.stop(), emulator.stop()]);
      await certs.remove();
    }
  });
});

describe("secrets: coverage", () => {
  // Runs last: guards against the suite silently losing paths (the counts go into reports).
  it("drove every planned error path and scanned every rendering", () => {
    assert.ok(counts.paths >= 950, `only ${counts.paths} error paths were driven`);
    assert.ok(counts.scans >= 9000, `only ${counts.scans} renderings were scanned`);
  });
});
