#!/usr/bin/env node
// Checks the user docs (README.md, CONTRIBUTING.md, docs/*.md) as users read them:
// - every ```ts / ```typescript block is type-checked with `deno check`, as its own module, its
//   `oidc2aws` imports (bare, `jsr:@oidc2aws/oidc2aws@…`, `npm:oidc2aws@…`) pointed at this repository's
//   mod.ts (and `…/cli` at cli.ts). A block that cannot compile says so, with a reason, in its info
//   string: ```ts ignore: a fragment of a larger file. It is skipped and counted.
// - every relative link points at a file that exists, and every `#anchor` at a heading of that file
//   (GitHub's slugs).
// Prints how many blocks were checked and skipped; exits 1 on any failure. Run by `npm test`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, ".cache", "docs-check");
const docs = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort()
    .map((f) => `docs/${f}`),
].filter((f) => existsSync(join(root, f)));

/** The fenced blocks of a markdown text, with their info string and the line of their opening fence. */
function fences(text) {
  const blocks = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j].trimStart().startsWith(fence) && lines[j].trim() === fence)) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
      j++;
    }
    blocks.push({ info: info.trim(), line: i + 1, end: j + 1, body: body.join("\n") });
    i = j;
  }
  return blocks;
}

/** The text outside fenced blocks (fenced lines blanked, so line numbers hold). */
function prose(text) {
  const lines = text.split("\n");
  for (const block of fences(text)) for (let l = block.line - 1; l < block.end; l++) lines[l] = "";
  return lines;
}

/** GitHub's anchor for a heading's text. */
function slug(heading) {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, "").replace(/ /g, "-");
}

/** The anchors of a markdown file's headings, with GitHub's -1, -2 suffixes for repeats. */
function anchors(file) {
  const seen = new Map();
  const result = new Set();
  for (const line of prose(readFileSync(file, "utf8"))) {
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count ? `${base}-${count}` : base);
  }
  return result;
}

const failures = [];
let checked = 0;
let skipped = 0;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const written = [];

for (const doc of docs) {
  const text = readFileSync(join(root, doc), "utf8");
  for (const block of fences(text)) {
    const [lang, ...rest] = block.info.split(/\s+/);
    if (lang !== "ts" && lang !== "typescript") continue;
    const where = `${doc}:${block.line}`;
    if (rest.length) {
      const reason = rest.join(" ").replace(/^ignore\b:?\s*/, "");
      if (!/^ignore\b/.test(rest[0]) || !reason) {
        failures.push(`${where}: a block's info string is \`${lang}\` alone, or \`${lang} ignore: REASON\``);
      } else skipped++;
      continue;
    }
    const file = join(out, `${doc.replace(/[^\w]/g, "_")}_L${block.line}.ts`);
    const mod = relative(out, join(root, "mod.ts"));
    const cli = relative(out, join(root, "cli.ts"));
    const source = block.body.replace(
      /(["'])(?:jsr:@oidc2aws\/oidc2aws|npm:oidc2aws|oidc2aws)(?:@[\w.^~-]+)?(\/cli)?\1/g,
      (_, quote, sub) => `${quote}${sub ? cli : mod}${quote}`,
    );
    writeFileSync(file, `// ${where} (written by scripts/check_docs.mjs)\n${source}\nexport {};\n`);
    written.push(file);
    checked++;
  }

  // Relative links and their anchors.
  const lines = prose(text);
  lines.forEach((line, index) => {
    for (const [, target] of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][\w+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split("#");
      const file = path ? resolve(dirname(join(root, doc)), path) : join(root, doc);
      const at = `${doc}:${index + 1}: ${target}`;
      if (!existsSync(file)) failures.push(`${at}: no such file`);
      else if (anchor !== undefined && file.endsWith(".md") && !anchors(file).has(anchor)) {
        failures.push(`${at}: no heading with that anchor in ${relative(root, file)}`);
      }
    }
  });
}

if (written.length) {
  const deno = join(root, "node_modules", ".bin", "deno");
  const result = spawnSync(deno, ["check", "--quiet", ...written], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`);
    failures.push(
      `deno check failed on the code blocks above (files in ${relative(root, out)}, named after each block)`,
    );
  }
}

process.stdout.write(
  `docs: ${checked} TypeScript blocks type-checked, ${skipped} skipped (marked ignore), ${docs.length} files' links checked\n`,
);
if (failures.length) {
  process.stderr.write(`${failures.map((f) => `docs: ${f}`).join("\n")}\n`);
  process.exit(1);
}
