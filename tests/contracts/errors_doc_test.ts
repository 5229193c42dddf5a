// docs/errors.md documents every error code oidc2aws can report, and only those: each code of the
// `ErrorCode` type in lib/errors.ts, and each code the CLI writes itself (ERR_UNEXPECTED, ERR_EXEC), has
// a section of its own and a row in the summary table with the CLI's exit code.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const DOC = read("docs/errors.md");

/** The runtimes' own codes that oidc2aws matches in a caught error, but never reports as its own. */
const RUNTIME_CODES = new Set(["ERR_INVALID_ARG", "ERR_TLS"]);

/** Every .ts file under a directory of the repository, as a path relative to the root. */
function sources(dir: string): string[] {
  return readdirSync(new URL(dir, root)).map(String).flatMap((name) => {
    const path = `${dir}${name}`;
    if (statSync(new URL(path, root)).isDirectory()) return sources(`${path}/`);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The codes in the `ErrorCode` union (and the unions it names) of lib/errors.ts. */
function typedCodes(): Set<string> {
  const errors = read("lib/errors.ts");
  const types = errors.slice(errors.indexOf("export type ErrorCode"), errors.indexOf("/** Options shared"));
  return new Set([...types.matchAll(/"(ERR_[A-Z_]+)"/g)].map((m) => m[1]));
}

/** Every ERR_ code the library and the CLI mention, but for the runtimes' own. */
function mentionedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of [...sources("lib/"), ...sources("cli/")]) {
    for (const [code] of read(file).matchAll(/\bERR_[A-Z_]*[A-Z]\b/g)) if (!RUNTIME_CODES.has(code)) codes.add(code);
  }
  return codes;
}

/** The codes with a `## \`ERR_…\`` section in docs/errors.md. */
const sections = new Set([...DOC.matchAll(/^## `(ERR_[A-Z_]+)`$/gm)].map((m) => m[1]));
/** The summary table's rows: code → its exit code cell. */
const rows = new Map(
  [...DOC.matchAll(/^\| \[`(ERR_[A-Z_]+)`\]\(#[a-z_]+\) *\|[^|]*\| *([^|]*?) *\|$/gm)].map((m) => [m[1], m[2]]),
);

describe("docs/errors.md", () => {
  it("has a section for every code of the ErrorCode type", () => {
    const codes = typedCodes();
    assert.ok(codes.size >= 18, `lib/errors.ts's ErrorCode union is read (${codes.size} codes)`);
    assert.deepEqual([...codes].filter((code) => !sections.has(code)), []);
  });

  it("has a section for every code lib/ and cli/ mention (the CLI's own ERR_UNEXPECTED too)", () => {
    const codes = mentionedCodes();
    assert.ok(codes.has("ERR_UNEXPECTED") && codes.has("ERR_EXEC"));
    assert.deepEqual([...codes].filter((code) => !sections.has(code)), []);
  });

  it("documents no code that does not exist", () => {
    const known = new Set([...typedCodes(), ...mentionedCodes()]);
    assert.deepEqual([...sections].filter((code) => !known.has(code)), []);
  });

  it("gives each code a row in the table with the CLI's exit code", () => {
    const main = read("cli/main.ts");
    const usage = new Set(
      [...(/const USAGE_CODES = new Set\(\[([\s\S]*?)\]\)/.exec(main)?.[1] ?? "").matchAll(/"(ERR_[A-Z_]+)"/g)].map((
        m,
      ) => m[1]),
    );
    assert.ok(usage.has("ERR_USAGE"), "cli/main.ts's USAGE_CODES is read");
    assert.deepEqual([...rows.keys()].sort(), [...sections].sort());
    for (const [code, exit] of rows) {
      const expected = usage.has(code) ? "2" : code === "ERR_EXEC" ? "126, 127" : "1";
      assert.equal(exit, expected, code);
    }
  });
});
