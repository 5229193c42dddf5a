// Shared test helpers: a scripted fetch that records requests, fake tokens, an instant clock.
import { execFile } from "node:child_process";
import process from "node:process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Fetch, FetchInit } from "../mod.ts";

/** A request as the scripted fetch saw it. */
export interface SeenRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** What a route answers: a response description, or an error to throw (a transport failure). */
export type Reply = { status?: number; body?: string; headers?: Record<string, string> } | Error;

/**
 * A fetch that answers from a script per path prefix (`/token`, `/sts`), one reply per call
 * (the last one repeats), and records every request.
 */
export function scriptedFetch(routes: Record<string, Reply[] | ((request: SeenRequest) => Reply | Promise<Reply>)>) {
  const requests: SeenRequest[] = [];
  const counts: Record<string, number> = {};
  const fetch: Fetch = async (url: string, init: FetchInit) => {
    const request: SeenRequest = {
      url: new URL(url),
      method: init.method,
      headers: { ...init.headers },
      body: init.body ?? "",
    };
    requests.push(request);
    const route = Object.keys(routes).find((prefix) => request.url.pathname.startsWith(prefix));
    if (!route) throw new Error(`no route for ${url}`);
    const script = routes[route];
    const index = counts[route] = (counts[route] ?? 0) + 1;
    const reply = typeof script === "function" ? await script(request) : script[Math.min(index, script.length) - 1];
    if (reply instanceof Error) throw reply;
    return new Response(reply.body ?? "", { status: reply.status ?? 200, headers: reply.headers });
  };
  return {
    fetch,
    requests,
    count: (prefix: string) => requests.filter((r) => r.url.pathname.startsWith(prefix)).length,
  };
}

/** An unsigned JWT-shaped token with these claims (STS is scripted, so no signature is needed). */
export function fakeJwt(claims: Record<string, unknown>, marker = "sig"): string {
  const b64 = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "RS256", kid: "k1" })}.${b64(claims)}.${b64(marker)}`;
}

/** A clock that only moves when the code under test sleeps; records every sleep. */
export function instantClock(start = Date.UTC(2026, 10, 26, 12, 0, 0)) {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: (ms: number) => {
      sleeps.push(ms);
      time += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    sleeps,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** A transport failure as fetch reports one. */
export function connectionRefused(): Error {
  return new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
  });
}

/** An STS error document. */
export function stsErrorXml(code: string, message = `${code} happened`, requestId = "req-1"): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** An STS success document. */
export function stsSuccessXml(options: { expiration?: string; account?: string; session?: string } = {}): string {
  const account = options.account ?? "123456789012";
  const session = options.session ?? "s1";
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
    `<Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE01</AccessKeyId><SecretAccessKey>SECRETKEY-do-not-print</SecretAccessKey>` +
    `<SessionToken>SESSIONTOKEN-do-not-print</SessionToken><Expiration>${
      options.expiration ?? "2026-11-26T13:00:00Z"
    }</Expiration></Credentials>` +
    `<SubjectFromWebIdentityToken>repo:o/r:ref:refs/heads/main</SubjectFromWebIdentityToken>` +
    `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/ci/${session}</Arn><AssumedRoleId>AROAEXAMPLE:${session}</AssumedRoleId></AssumedRoleUser>` +
    `<Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult>` +
    `<ResponseMetadata><RequestId>ok-1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
}

/** Reads a test fixture. */
export async function testdata(name: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(new URL(`./testdata/${name}`, import.meta.url), "utf8");
}

/** A loopback HTTP server for the scenarios the emulator cannot play: redirect targets, taps, streams. */
export interface Loopback {
  url: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }>;
  stop(): Promise<void>;
}

export async function startLoopback(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void> = (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("you should not be here\n");
  },
): Promise<Loopback> {
  const sockets = new Set<Socket>();
  const requests: Loopback["requests"] = [];
  const server = createServer((req, res) => {
    if (req.socket) sockets.add(req.socket);
    const decoder = new TextDecoder();
    let body = "";
    req.on("data", (chunk: Uint8Array) => (body += decoder.decode(chunk, { stream: true })));
    req.on("end", () => {
      body += decoder.decode();
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      Promise.resolve(handler(req, res, body)).catch(() => res.destroy());
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Parses a $GITHUB_ENV file the way the Actions runner does (single-line NAME=value and NAME<<DELIM blocks). */
export function parseGithubEnv(text: string): Record<string, string> {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const result: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      result[line.slice(0, eq)] = line.slice(eq + 1);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
      if (i >= lines.length) throw new Error(`unterminated block for ${name}`);
      result[name] = value.join("\n");
    } else {
      throw new Error(`invalid line ${JSON.stringify(line)}`);
    }
  }
  return result;
}

/** What {@linkcode run} returns: the exit code (1 when killed or not started) and the output. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell (2 minutes at most); never rejects on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/**
 * Packs the repository's package (dist/ already built: --ignore-scripts skips prepack's second build)
 * into `dir` and installs the tarball, offline, into a new ES module project `dir`/consumer, as a user
 * would; resolves the project's path and the packed files' paths (sorted).
 */
export async function installPacked(root: string, dir: string): Promise<{ project: string; files: string[] }> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout);
  const project = join(dir, "consumer");
  await mkdir(project);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const installed = await run(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, info.filename)],
    { cwd: project },
  );
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed: ${installed.stderr}`);
  return { project, files: info.files.map((f: { path: string }) => f.path).sort() };
}

/**
 * Why a test whose subject does not depend on the Node version skips in this run, or false. npm test
 * runs the whole suite on Node 20, 22 and 24 and sets OIDC2AWS_TEST_NODE_AGAIN=1 in the second and
 * third: such a test (what tsc makes of the package, the bench harness's smoke run) runs in the first.
 */
export function onceAcrossNode(): string | false {
  return process.env.OIDC2AWS_TEST_NODE_AGAIN === "1" &&
    "its subject does not depend on the Node version: it ran in this npm test's first Node suite";
}

/**
 * The compiler options of a TypeScript consumer of the packed package (Node's ES module resolution,
 * strict, the package's .d.ts files checked), as package_test and typescript_versions_test write them.
 */
export const CONSUMER_COMPILER_OPTIONS = {
  module: "nodenext",
  moduleResolution: "nodenext",
  target: "es2022",
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  types: [],
  lib: ["es2022", "dom"],
};
