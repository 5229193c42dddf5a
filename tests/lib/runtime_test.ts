// The runtime adapter of the runtime running the tests (Deno, Bun or Node): its file reader, which
// each runtime implements its own fastest way (Deno.readTextFileSync, Bun.mmap, fs.readFileSync).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, type Runtime } from "../../lib/_runtime/mod.ts";

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
    await assert.rejects(runtime.readFile(join(dir, "sub")));
  });
});
