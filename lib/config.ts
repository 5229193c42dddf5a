/**
 * The AWS config and credentials file reader, following botocore (`configloader.py` on top of
 * Python's `configparser` in strict mode) rule for rule.
 *
 * @module
 */
import { ConfigSyntaxError } from "./errors.ts";

/** One section: lowercased keys to values; a nested block (`s3 =` + indented lines) is a map. */
export type ConfigSection = Record<string, string | Record<string, string>>;

/** A parsed file: profiles, `[sso-session]` and `[services]` sections, by name (null-prototype maps). */
export interface ParsedConfig {
  /** The profiles by name: `[default]` is `default`, `[profile NAME]` is `NAME` (in a credentials file, `[NAME]`). */
  profiles: Record<string, ConfigSection>;
  /** The `[sso-session NAME]` sections by NAME (read, not used by oidc2aws). */
  ssoSessions: Record<string, ConfigSection>;
  /** The `[services NAME]` sections by NAME: a nested map per service, e.g. `sts` with its `endpoint_url`. */
  services: Record<string, ConfigSection>;
}

/** Options of {@linkcode parseConfig}. */
export interface ParseConfigOptions {
  /** `config` (`[profile NAME]` sections) or `credentials` (`[NAME]` sections). Default `config`. */
  kind?: "config" | "credentials";
  /** How to name the file in errors. Default "config file" / "credentials file". */
  source?: string;
}

interface RawOption {
  /** The value on the key's line, stripped. */
  first: string;
  /** The key's line number. */
  line: number;
  /** Empty lines since the value's last line: part of the value if a line continues it after them. */
  blank: number;
  /**
   * The lines that continue the value, if any: stripped, "" for an empty one; and the numbers of the
   * lines that are not empty.
   */
  more?: { lines: string[]; lineNumbers: number[] };
}

interface RawSection {
  name: string;
  /** The line of its header (the first one, for a reopened `[DEFAULT]`). */
  line: number;
  /** Its options by key, in order (a Map: for…in would put integer-like keys first). */
  options: Map<string, RawOption>;
}

// Python's whitespace (str.isspace, \s in its regexes): JavaScript's plus \x1c-\x1f and \x85, minus \ufeff.
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const PY_RSTRIP = new RegExp(`[${PY_SPACE}]+$`);
const PY_NONSPACE = new RegExp(`[^${PY_SPACE}]`);
const PY_SPACE_CHAR = new RegExp(`^[${PY_SPACE}]$`);
/** Whether the UTF-16 code unit `c` is Python whitespace (no regex for the common characters). */
const isPySpace = (c: number) =>
  c <= 0x20 ? c >= 0x1c || (c >= 9 && c <= 13) : c >= 0x85 && PY_SPACE_CHAR.test(String.fromCharCode(c));
/** `text` without Python whitespace at either end (`text` itself when it has none: most lines). */
const pyStrip = (text: string) =>
  text !== "" && (isPySpace(text.charCodeAt(0)) || isPySpace(text.charCodeAt(text.length - 1)))
    ? text.replace(PY_STRIP, "")
    : text;

/** A null-prototype record, safe for keys such as `__proto__`. @internal */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * The entry `key` of a map of sections or keys, if the map has it as its own: parsed maps have no
 * prototype, but a caller's (a `LoadedConfig` built by hand, or kept as JSON) are plain objects, where
 * `map.constructor` or `map.toString` would be Object.prototype's. @internal
 */
export function own<T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * Parses the text of an AWS config or credentials file the way botocore does.
 *
 * Rules (botocore 1.43 on `configparser`): sections `[default]`, `[profile NAME]` (NAME may be
 * shell-quoted), `[sso-session NAME]`, `[services NAME]`; in a credentials file `[NAME]` is profile
 * NAME. Keys are lowercased; `key = value` or `key: value`, split at the first delimiter; whole-line
 * `#`/`;` comments only (an inline `# x` stays part of the value); indented lines continue a value;
 * a key with an empty value followed by indented `k = v` lines is a nested map; `[DEFAULT]` keys are
 * inherited by every section; a repeated section or key in one file is an error; when `[default]` and
 * `[profile default]` both appear, the later one wins whole. A leading byte-order mark is ignored
 * (botocore would reject the file).
 *
 * @example
 * ```ts
 * import { parseConfig } from "oidc2aws";
 * const { profiles } = parseConfig("[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\n");
 * console.log(profiles.ci.role_arn); // "arn:aws:iam::123456789012:role/ci"
 * ```
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): ParsedConfig {
  const kind = options.kind ?? "config";
  const source = options.source ?? `${kind} file`;
  const sections = readSections(text, source);
  const result: ParsedConfig = { profiles: record(), ssoSessions: record(), services: record() };
  const defaults = sections.get("DEFAULT");
  for (const section of sections.values()) {
    if (section === defaults) continue;
    const values = sectionValues(section, defaults, source);
    if (kind === "credentials") {
      result.profiles[section.name] = values;
      continue;
    }
    const name = section.name;
    if (name.startsWith("profile")) assignNamed(result.profiles, name, values);
    else if (name.startsWith("sso-session")) assignNamed(result.ssoSessions, name, values);
    else if (name.startsWith("services")) assignNamed(result.services, name, values);
    else if (name === "default") result.profiles.default = values;
    // Any other section is not a profile; botocore keeps it aside and so do we (by ignoring it).
  }
  return result;
}

/** `[profile NAME]`: botocore splits the header shell-style and wants exactly two words. */
function assignNamed(target: Record<string, ConfigSection>, header: string, values: ConfigSection): void {
  const words = shellSplit(header);
  if (words && words.length === 2) target[words[1]] = values;
}

/**
 * The sections of one file, in order, with raw multi-line values (configparser's `_read`). Made for
 * a cold start: a line is read with string methods, not a regular expression per line, and keeps no
 * array of its own unless a value goes on past it (parsing 200 profiles allocates 362 kB on Node,
 * 812 before; see docs/speed.md).
 */
function readSections(text: string, source: string): Map<string, RawSection> {
  const sections = new Map<string, RawSection>();
  let current: RawSection | undefined;
  let option: RawOption | undefined;
  let indentLevel = 0;
  // Lines end at "\r\n", "\r" or "\n"; split on a string: a first split on a regex costs Deno ~0.4 ms,
  // Node and Bun ~0.1 ms more.
  const unmarked = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = (unmarked.includes("\r") ? unmarked.replaceAll("\r\n", "\n").replaceAll("\r", "\n") : unmarked)
    .split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineNumber = i + 1;
    const stripped = pyStrip(raw);
    const lead = stripped[0]; // undefined for an empty line
    if (stripped === "" || lead === "#" || lead === ";") {
      // An empty line inside a value is kept (and trimmed off the end later); a comment line is skipped.
      if (stripped === "" && option) option.blank++;
      continue;
    }
    const indent = stripped === raw || !isPySpace(raw.charCodeAt(0)) ? 0 : raw.search(PY_NONSPACE);
    if (current && option && indent > indentLevel) {
      continued(option, stripped, lineNumber);
      continue;
    }
    indentLevel = indent;
    // configparser's `\[(?P<header>.+)\]`: up to the last "]", with at least one character inside.
    const close = lead === "[" ? stripped.lastIndexOf("]") : -1;
    if (close > 1) {
      current = openSection(sections, stripped.slice(1, close), lineNumber, source);
      option = undefined;
    } else {
      option = addOption(current, stripped, lineNumber, source);
    }
  }
  return sections;
}

/** A line that continues `option`'s value, after the empty lines read since its last one. */
function continued(option: RawOption, line: string, lineNumber: number): void {
  const more = option.more ??= { lines: [], lineNumbers: [] };
  for (; option.blank > 0; option.blank--) more.lines.push("");
  more.lines.push(line);
  more.lineNumbers.push(lineNumber);
}

/** A `[NAME]` line: a new section (a repeated one is an error, but for `[DEFAULT]`). */
function openSection(sections: Map<string, RawSection>, name: string, line: number, source: string): RawSection {
  const section = sections.get(name);
  if (section === undefined) {
    const opened: RawSection = { name, line, options: new Map() };
    sections.set(name, opened);
    return opened;
  }
  // configparser reopens [DEFAULT] silently; only its keys must stay unique.
  if (name === "DEFAULT") return section;
  throw new ConfigSyntaxError(source, line, `section [${name}] appears twice (first at line ${section.line})`);
}

/**
 * A `key = value` line of the current section (a repeated key is an error). configparser's
 * `(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$` on a stripped line: the key ends at the first
 * "=" or ":", and is empty only when the line starts with one.
 */
function addOption(section: RawSection | undefined, line: string, lineNumber: number, source: string): RawOption {
  if (!section) {
    throw new ConfigSyntaxError(
      source,
      lineNumber,
      'expected a section header such as [default] or [profile NAME] before the first "key = value" line',
    );
  }
  const equals = line.indexOf("=");
  const colon = line.indexOf(":");
  const at = equals < 0 ? colon : colon < 0 ? equals : Math.min(equals, colon);
  if (at <= 0) throw new ConfigSyntaxError(source, lineNumber, 'expected "key = value"');
  // The spaces around the delimiter, skipped one character at a time (usually one each).
  let end = at;
  while (isPySpace(line.charCodeAt(end - 1))) end--;
  let start = at + 1;
  while (isPySpace(line.charCodeAt(start))) start++;
  const name = line.slice(0, end).toLowerCase();
  const first = section.options.get(name);
  if (first) {
    throw new ConfigSyntaxError(
      source,
      lineNumber,
      `key "${name}" appears twice in [${section.name}] (first at line ${first.line})`,
    );
  }
  const option: RawOption = { first: line.slice(start), line: lineNumber, blank: 0 };
  section.options.set(name, option);
  return option;
}

/** Joins each option's lines, parses nested blocks, and adds the `[DEFAULT]` keys. */
function sectionValues(section: RawSection, defaults: RawSection | undefined, source: string): ConfigSection {
  const values: ConfigSection = record();
  // for…of, not Map's forEach, whose first call costs Bun ~0.4 ms.
  if (defaults) { for (const [name, option] of defaults.options) values[name] = optionValue(name, option, source); }
  for (const [name, option] of section.options) values[name] = optionValue(name, option, source);
  return values;
}

function optionValue(name: string, option: RawOption, source: string): string | Record<string, string> {
  const { first, more } = option;
  if (!more) return first;
  const joined = `${first}\n${more.lines.join("\n")}`.replace(PY_RSTRIP, "");
  if (!joined.startsWith("\n")) return joined;
  // botocore's _parse_nested: one level of `key = value` lines, split at the first "=".
  const nested: Record<string, string> = record();
  let numbered = 0;
  for (const raw of more.lines) {
    if (raw === "") continue;
    const lineNumber = more.lineNumbers[numbered++];
    const line = raw.trim();
    if (line === "") continue;
    const at = line.indexOf("=");
    if (at < 0) {
      throw new ConfigSyntaxError(source, lineNumber, `expected "key = value" in the block under "${name}"`);
    }
    nested[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return nested;
}

const ORDINARY = /[^ \t\r\n\\'"]+/y;
/** Python's `shlex.split` (POSIX mode, no comments); `undefined` where shlex raises. @internal */
export function shellSplit(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "\\") {
      if (i + 1 >= text.length) return undefined;
      word = (word ?? "") + text[++i];
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let part = "";
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\")) j++;
        part += text[j];
      }
      if (j >= text.length) return undefined;
      word = (word ?? "") + part;
      i = j;
    } else {
      // A run of ordinary characters at once (a profile's name is usually all of them).
      ORDINARY.lastIndex = i;
      ORDINARY.test(text);
      word = (word ?? "") + text.slice(i, ORDINARY.lastIndex);
      i = ORDINARY.lastIndex - 1;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
