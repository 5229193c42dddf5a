// The runtime adapter of the runtime running the tests (Deno, Bun or Node): its file reader, which
// each runtime implements its own fastest way (Deno.readTextFileSync, Bun.mmap, fs.readFileSync),
// and Node's fetch, which enforces a time limit itself (see TIMED in lib/host.ts).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRuntime, type Runtime } from "../../lib/_runtime/mod.ts";
import { TIMED, type TimedFetch } from "../../lib/host.ts";

describe("the runtime adapter's readFile", () => {
  let dir: string;
  let runtime: Runtime;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-runtime-"));
    runtime = await createRuntime();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads a file as UTF-8 text, exactly", async () => {
    const text = "[profile é]\nrole_arn = arn:aws:iam::123456789012:role/ü\n# 😀 \r\n".repeat(500);
    await writeFile(join(dir, "config"), text);
    assert.equal(await runtime.readFile(join(dir, "config")), text);
  });

  it("reads an empty file as an empty string (mmap refuses one)", async () => {
    await writeFile(join(dir, "empty"), "");
    assert.equal(await runtime.readFile(join(dir, "empty")), "");
  });

  it("reads a missing file, or a path through a file, as undefined", async () => {
    await writeFile(join(dir, "plain"), "x");
    assert.equal(await runtime.readFile(join(dir, "missing")), undefined);
    assert.equal(await runtime.readFile(join(dir, "plain", "below")), undefined);
  });

  it("rejects for a directory: it exists, and is not a file to read", async () => {
    await mkdir(join(dir, "sub"));
    await assert.rejects(runtime.readFile(join(dir, "sub")), /^Error: it is a directory, not a regular file$/);
  });

  it("reads a file of exactly 1 MiB, and refuses one a byte larger, saying the cap", async () => {
    const text = "x".repeat(1024 * 1024 - 2) + "é"; // multi-byte at the very end
    await writeFile(join(dir, "at-cap"), text);
    assert.equal(await runtime.readFile(join(dir, "at-cap")), text);
    await writeFile(join(dir, "over-cap"), text + "y");
    await assert.rejects(runtime.readFile(join(dir, "over-cap")), /larger than 1 MiB \(1048576 bytes\)/);
  });

  it("refuses a character device, naming it", async (t) => {
    if (process.platform === "win32") return t.skip("POSIX only");
    // /dev/null, not /dev/zero: a reader that regressed would return "" here, not hang this process
    // (tests/contracts/bounded_files_test.ts runs /dev/zero and FIFOs in a subprocess with a kill-timer).
    await assert.rejects(runtime.readFile("/dev/null"), /^Error: it is a character device, not a regular file$/);
  });

  it("reads a /proc file, a regular file whose size says 0", async (t) => {
    if (process.platform !== "linux") return t.skip("Linux only");
    // Bun.file reads as many bytes as the size says: 0 (a known limit, left as it was).
    if (runtime.name === "bun") return t.skip("Bun reads a /proc file as empty");
    assert.match((await runtime.readFile("/proc/self/status")) ?? "", /^Name:/);
  });
});

describe("the runtime adapter's file writes", () => {
  let dir: string;
  let runtime: Runtime;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "oidc2aws-runtime-fs-"));
    runtime = await createRuntime();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("mkdir creates the missing levels, and accepts one that exists", async () => {
    await runtime.fs.mkdir(join(dir, "a", "b", "c"), 0o700);
    await runtime.fs.mkdir(join(dir, "a", "b", "c"), 0o700);
    assert.equal((await runtime.fs.lstat(join(dir, "a", "b", "c")))?.isDirectory, true);
  });

  it("mkdir under a regular file fails", async () => {
    await writeFile(join(dir, "plain"), "x");
    await assert.rejects(runtime.fs.mkdir(join(dir, "plain", "sub"), 0o700), { code: "ENOTDIR" });
    // Where mkdir says ENOENT under a parent that exists (/proc/1/x), Node's recursive mkdir loops
    // forever: that case runs in a subprocess with a kill-timer (RUNNER_TEMP=/proc/1 in
    // tests/contracts/bounded_files_test.ts), not here, where a regression would hang the suite.
  });

  it("append adds to a file, creating it; a directory or a missing directory fails saying why", async () => {
    await runtime.fs.append(join(dir, "env"), "A=1\n");
    await runtime.fs.append(join(dir, "env"), "B=2\n");
    assert.equal(await runtime.readFile(join(dir, "env")), "A=1\nB=2\n");
    await mkdir(join(dir, "d"));
    await assert.rejects(runtime.fs.append(join(dir, "d"), "x"), /^Error: it is a directory$/);
    await assert.rejects(runtime.fs.append(join(dir, "none", "env"), "x"), /^Error: its directory does not exist$/);
  });
});

describe("a fetch that enforces its own time limit (Node's)", () => {
  let runtime: Runtime;
  let server: Server;
  let url: string;
  let timed: TimedFetch | undefined;

  before(async () => {
    runtime = await createRuntime();
    timed = (runtime.fetch as { [TIMED]?: TimedFetch })[TIMED];
    server = createServer((req, res) => {
      if (req.url === "/stall") {
        res.writeHead(200, { "content-length": "10" });
        res.write("12345"); // and never the rest
        return;
      }
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("is Node's only: Deno and Bun take the AbortSignal path with their own fetch", () => {
    assert.equal(timed !== undefined, runtime.name === "node");
  });

  it("stops its timer once the answer is read: the limit never fires on a finished exchange", async (t) => {
    if (!timed) return t.skip("not Node");
    const limit = { ms: 150, expired: false };
    const answer = await timed(`${url}/ok`, { method: "GET", headers: {}, redirect: "manual" }, limit);
    assert.equal(await answer.text!(), "ok");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(limit.expired, false);
    // The connection the timer could have destroyed serves the next request.
    const next = await timed(`${url}/ok`, { method: "GET", headers: {}, redirect: "manual" }, {
      ms: 1000,
      expired: false,
    });
    assert.equal(await next.text!(), "ok");
  });

  it("cuts off an answer whose body stalls, and says the limit did", async (t) => {
    if (!timed) return t.skip("not Node");
    const limit = { ms: 150, expired: false };
    const answer = await timed(`${url}/stall`, { method: "GET", headers: {}, redirect: "manual" }, limit);
    await assert.rejects(answer.text!());
    assert.equal(limit.expired, true);
  });
});
