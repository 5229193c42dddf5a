// Giving up on a response releases its connection, on every path (size cap announced or streamed,
// bad content, timeout, the caller's abort, a broken answer), and the CLI exits as soon as it has
// answered: a `credential_process` caller must never wait on a socket we abandoned. Every server
// here is a raw loopback socket that stalls or drips; the checks are "the server saw the client
// close" and "the process exited on its own" (bounded waits; a hang fails the test).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { getToken, parseTokenServer } from "../../mod.ts";
import { cliCommand, RUNTIME } from "../_cli.ts";
import { fakeJwt } from "../_helpers.ts";
import { drip, runBounded, startRawServer } from "../_bounded.ts";

const JSON_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";

/** Each way a server can make us give up, as the bytes it sends (and then it stalls or drips). */
const GIVE_UPS: Record<string, Scenario> = {
  "announces more than the cap and stalls": {
    serve: (s) => s.write(`${JSON_HEAD}Content-Length: 100000\r\n\r\n{`),
    code: "ERR_TOKEN_RESPONSE",
  },
  "announces more than the cap and drips": {
    serve: (s) => drip(s, `${JSON_HEAD}Content-Length: 100000\r\n\r\n{`),
    code: "ERR_TOKEN_RESPONSE",
  },
  "streams more than the cap (chunked) and stalls": {
    serve: (s) => {
      const chunk = "x".repeat(16 * 1024);
      s.write(`${JSON_HEAD}Transfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < 5; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    },
    code: "ERR_TOKEN_RESPONSE",
  },
  "sends a complete answer that is not JSON and keeps the connection open": {
    serve: (s) => s.write("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>"),
    code: "ERR_TOKEN_RESPONSE",
    // Read in full: the connection may go back to the keep-alive pool (which does not hold the
    // process), so only the CLI's exit is checked.
    pooled: true,
  },
  "announces a small body, sends part of it and drips (timeout)": {
    serve: (s) => drip(s, `${JSON_HEAD}Content-Length: 1000\r\n\r\n{"value":"`),
    code: "ERR_TIMEOUT",
    timeoutMs: 600,
  },
  "streams a chunked body that never ends (timeout)": {
    serve: (s) => drip(s, `${JSON_HEAD}Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`, "1\r\n \r\n"),
    code: "ERR_TIMEOUT",
    timeoutMs: 600,
  },
  "never answers (timeout)": { serve: () => {}, code: "ERR_TIMEOUT", timeoutMs: 600 },
  "is stopped by the caller's abort mid-body": {
    serve: (s) => drip(s, `${JSON_HEAD}Content-Length: 1000\r\n\r\n{"value":"`),
    code: "ABORTED",
    abortMs: 400,
  },
  "sends a broken chunk and stalls": {
    serve: (s) => s.write(`${JSON_HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\n{`),
    code: "ERR_NETWORK",
  },
};

interface Scenario {
  serve: (socket: Socket) => void;
  code: string;
  timeoutMs?: number;
  abortMs?: number;
  pooled?: true;
}

/** Bun's default test timeout (5 s) is shorter than the kill-timer of a bounded run. */
const BOUND = { timeout: 30_000 };

describe(`giving up on a response releases the connection (${RUNTIME})`, () => {
  for (const [name, scenario] of Object.entries(GIVE_UPS).filter(([, s]) => !s.pooled)) {
    it(`library: a token server that ${name}`, BOUND, async () => {
      const server = await startRawServer((socket) => scenario.serve(socket));
      try {
        const controller = new AbortController();
        const timer = scenario.abortMs
          ? setTimeout(() => controller.abort(Object.assign(new Error("stop"), { code: "ABORTED" })), scenario.abortMs)
          : undefined;
        const error = await getToken(parseTokenServer("GitHub"), {
          env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${server.url}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "bearer" },
          retry: { maxAttempts: 1, attemptTimeoutMs: scenario.timeoutMs ?? 30_000 },
          signal: scenario.abortMs ? controller.signal : undefined,
        }).then(() => undefined, (err) => err);
        clearTimeout(timer);
        assert.equal((error as { code?: string })?.code, scenario.code, String(error));
        assert.equal(server.connections(), 1);
        assert.ok(await server.clientsClosed(5000), "the client closed the connection");
      } finally {
        await server.stop();
      }
    });
  }
});

describe(`CLI on ${RUNTIME}: exits once it has given up on a response`, () => {
  let dir: string;
  let tokenFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-release-"));
    tokenFile = join(dir, "token");
    await writeFile(tokenFile, fakeJwt({ sub: "repo:o/r:ref:refs/heads/main", aud: "sts.amazonaws.com" }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cli = (args: string[], env: Record<string, string>) => {
    const [command, ...prefix] = cliCommand();
    return runBounded(command, [...prefix, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
      killAfterMs: 8000,
    });
  };

  // The paths the CLI gives up on at once (a timeout takes 10 s, a network error is retried).
  const immediate = Object.entries(GIVE_UPS).filter(([, s]) => !s.timeoutMs && !s.abortMs && s.code !== "ERR_NETWORK");
  for (const [name, scenario] of immediate) {
    it(`whoami, a token server that ${name}`, BOUND, async () => {
      const server = await startRawServer((socket) => scenario.serve(socket));
      try {
        const run = await cli(["whoami", "--role-arn", "arn:aws:iam::123456789012:role/r"], {
          GITHUB_ACTIONS: "true",
          ACTIONS_ID_TOKEN_REQUEST_URL: `${server.url}/token`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: "bearer",
          AWS_REGION: "eu-west-1",
        });
        assert.equal(run.hung, false, `the process did not exit; stderr: ${run.stderr}`);
        assert.equal(run.code, 1);
        assert.match(run.stderr, new RegExp(`oidc2aws: ${scenario.code}: `));
      } finally {
        await server.stop();
      }
    });
  }

  for (
    const [name, head] of [
      ["announces more than 1 MiB and stalls", `Content-Length: ${2 * 1024 * 1024}\r\n\r\n<`],
      ["streams more than 1 MiB (chunked) and stalls", "Transfer-Encoding: chunked\r\n\r\n"],
    ]
  ) {
    it(`credential-process, STS ${name}`, BOUND, async () => {
      const server = await startRawServer((socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n${head}`);
        if (head.includes("chunked")) {
          const chunk = "<".repeat(64 * 1024);
          for (let i = 0; i < 20; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        }
      });
      try {
        const run = await cli(["credential-process", "--no-cache", "--role-arn", "arn:aws:iam::123456789012:role/r"], {
          AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
          AWS_ENDPOINT_URL_STS: server.url,
          AWS_REGION: "eu-west-1",
        });
        assert.equal(run.hung, false, `the process did not exit; stderr: ${run.stderr}`);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /oidc2aws: ERR_STS_RESPONSE: .*larger than 1048576 bytes/);
      } finally {
        await server.stop();
      }
    });
  }
});
