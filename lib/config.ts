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
  lines: string[];
  lineNumbers: number[];
}

interface RawSection {
  name: string;
  options: Map<string, RawOption>;
}

// Python's whitespace (str.isspace, \s in its regexes): JavaScript's plus \x1c-\x1f and \x85, minus \ufeff.
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const PY_RSTRIP = new RegExp(`[${PY_SPACE}]+$`);
const PY_NONSPACE = new RegExp(`[^${PY_SPACE}]`);
const pyStrip = (text: string) => text.replace(PY_STRIP, "");
// configparser's "." matches everything but "\n", so U+2028 and U+2029 stay inside a line ("s" flag).
const SECTION_RE = /^\[(.+)\]/s;
const OPTION_RE = new RegExp(`^(.*?)[${PY_SPACE}]*([=:])[${PY_SPACE}]*(.*)$`, "s");

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

/** The sections of one file, in order, with raw multi-line values (configparser's `_read`). */
function readSections(text: string, source: string): Map<string, RawSection> {
  const state: ReadState = { source, sections: new Map(), seen: new Map(), current: undefined, option: undefined };
  let indentLevel = 0;
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineNumber = i + 1;
    const stripped = pyStrip(raw);
    const isComment = stripped.startsWith("#") || stripped.startsWith(";");
    const value = isComment ? "" : stripped;
    if (value === "") {
      // An empty line inside a value is kept (and trimmed off the end later); a comment line is skipped.
      if (!isComment && state.option) {
        state.option.lines.push("");
        state.option.lineNumbers.push(lineNumber);
      }
      continue;
    }
    const indent = raw.search(PY_NONSPACE);
    if (state.current && state.option && indent > indentLevel) {
      state.option.lines.push(value);
      state.option.lineNumbers.push(lineNumber);
      continue;
    }
    indentLevel = indent;
    const header = SECTION_RE.exec(value);
    if (header) openSection(state, header[1], lineNumber);
    else addOption(state, value, lineNumber);
  }
  return state.sections;
}

/** Where reading a file stands: the sections so far, the one being read and its last option. */
interface ReadState {
  source: string;
  sections: Map<string, RawSection>;
  /** The line each section header first appeared on. */
  seen: Map<string, number>;
  current: RawSection | undefined;
  option: RawOption | undefined;
}

/** A `[NAME]` line: a new section (a repeated one is an error, but for `[DEFAULT]`). */
function openSection(state: ReadState, name: string, lineNumber: number): void {
  const first = state.seen.get(name);
  // configparser reopens [DEFAULT] silently; only its keys must stay unique.
  if (first !== undefined && name !== "DEFAULT") {
    throw new ConfigSyntaxError(state.source, lineNumber, `section [${name}] appears twice (first at line ${first})`);
  }
  if (first === undefined) state.seen.set(name, lineNumber);
  state.current = state.sections.get(name) ?? { name, options: new Map() };
  state.sections.set(name, state.current);
  state.option = undefined;
}

/** A `key = value` line of the current section (a repeated key is an error). */
function addOption(state: ReadState, value: string, lineNumber: number): void {
  const { current, source } = state;
  if (!current) {
    throw new ConfigSyntaxError(
      source,
      lineNumber,
      'expected a section header such as [default] or [profile NAME] before the first "key = value" line',
    );
  }
  const match = OPTION_RE.exec(value);
  if (!match || match[1] === "") throw new ConfigSyntaxError(source, lineNumber, 'expected "key = value"');
  const name = match[1].replace(PY_RSTRIP, "").toLowerCase();
  if (current.options.has(name)) {
    const first = current.options.get(name)!.lineNumbers[0];
    throw new ConfigSyntaxError(
      source,
      lineNumber,
      `key "${name}" appears twice in [${current.name}] (first at line ${first})`,
    );
  }
  state.option = { lines: [pyStrip(match[3])], lineNumbers: [lineNumber] };
  current.options.set(name, state.option);
}

/** Joins each option's lines, parses nested blocks, and adds the `[DEFAULT]` keys. */
function sectionValues(section: RawSection, defaults: RawSection | undefined, source: string): ConfigSection {
  const values: ConfigSection = record();
  const options = defaults ? [...defaults.options, ...section.options] : [...section.options];
  for (const [name, option] of options) values[name] = optionValue(name, option, source);
  return values;
}

function optionValue(name: string, option: RawOption, source: string): string | Record<string, string> {
  const joined = option.lines.join("\n").replace(PY_RSTRIP, "");
  if (!joined.startsWith("\n")) return joined;
  // botocore's _parse_nested: one level of `key = value` lines, split at the first "=".
  const nested: Record<string, string> = record();
  for (let i = 1; i < option.lines.length; i++) {
    const line = option.lines[i].trim();
    if (line === "") continue;
    const at = line.indexOf("=");
    if (at < 0) {
      throw new ConfigSyntaxError(source, option.lineNumbers[i], `expected "key = value" in the block under "${name}"`);
    }
    nested[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return nested;
}

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
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
