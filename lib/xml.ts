/**
 * A small, strict XML reader for STS answers: elements by local name, text, CDATA, comments, the
 * five named entities and numeric references. It refuses DOCTYPE and entity declarations (no
 * entity expansion), bounds the input's length and nesting, and throws {@linkcode XmlError} on
 * anything malformed, never another exception.
 *
 * @module
 */
import { XmlError } from "./errors.ts";

/** An element: its local name (namespace prefix removed), attributes, child elements and text. */
export interface XmlElement {
  /** The local name, e.g. `Credentials` for `<sts:Credentials>`. */
  name: string;
  /** Attributes by their qualified name. */
  attributes: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /** The element's own text (its text and CDATA children, concatenated), entities decoded. */
  text: string;
}

/** Options of {@linkcode parseXml}. */
export interface ParseXmlOptions {
  /** The longest text accepted, in characters. Default 1 MiB. */
  maxLength?: number;
  /** The deepest nesting accepted. Default 64. */
  maxDepth?: number;
}

// Every expression is compiled once, here, and the parser makes no closure per tag and no match array
// per name (`test`, then a slice): a regex literal in a loop is a new RegExp object each time. A parse
// of a 1.3 kB STS answer allocated 26 kB, now 13; its first parse in a process takes Bun 1.7 ms instead
// of 2.4, Deno 2.5 instead of 2.9, Node 1.0 instead of 1.1 (round-robin, medians of 30). Scanning names
// and attributes by character code instead was slower on Bun (4.3 ms): its interpreter runs a first
// loop over the text slower than its compiled regular expressions do.
const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*/y;
const ATTRIBUTE = /\s+([A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const SPACE = /\s/;
const ENTITY = /&([^;&\s]{0,10});?/g;
const NUMERIC_ENTITY = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/;

/**
 * Parses an XML document and returns its root element.
 *
 * @example
 * ```ts
 * import { childText, parseXml } from "./xml.ts";
 * const root = parseXml('<?xml version="1.0"?><a xmlns="urn:x"><b>1 &amp; 2</b></a>');
 * console.log(root.name, childText(root, "b")); // "a" "1 & 2"
 * ```
 */
export function parseXml(text: string, options: ParseXmlOptions = {}): XmlElement {
  const maxLength = options.maxLength ?? 1024 * 1024;
  if (text.length > maxLength) throw new XmlError(`The document is longer than ${maxLength} characters`, maxLength);
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const reader: Reader = { text, start, pos: start, stack: [], root: undefined, maxDepth: options.maxDepth ?? 64 };
  while (reader.pos < text.length) {
    const lt = text.indexOf("<", reader.pos);
    const textEnd = lt < 0 ? text.length : lt;
    if (textEnd > reader.pos) {
      const chunk = text.slice(reader.pos, textEnd);
      const open = reader.stack[reader.stack.length - 1];
      if (open) open.text += decodeEntities(chunk, reader.pos, reader);
      else if (chunk.trim() !== "") fail(reader, "text outside the root element");
      reader.pos = textEnd;
      if (lt < 0) break;
    }
    readMarkup(reader); // reader.pos is at "<"
  }
  if (reader.stack.length) fail(reader, "the document ends early", text.length);
  if (!reader.root) fail(reader, "no root element", text.length);
  return strip(reader.root!);
}

/** The parser's state: the text, where it is, the open elements. */
interface Reader {
  text: string;
  /** Where the document starts (after a byte order mark). */
  start: number;
  pos: number;
  stack: OpenElement[];
  root: OpenElement | undefined;
  maxDepth: number;
}

/** Throws ERR_XML at an offset (the current one by default), naming the open element at a truncation. */
function fail(reader: Reader, problem: string, at: number = reader.pos): never {
  if (at >= reader.text.length && reader.stack.length) {
    problem = `the document ends inside <${reader.stack[reader.stack.length - 1].qname}> (truncated?)`;
  }
  throw new XmlError(`Malformed XML at offset ${at}: ${problem}`, at);
}

/** Where `terminator` starts at or after `from`; fails with `problem` if it does not occur. */
function skipTo(reader: Reader, terminator: string, from: number, problem: string): number {
  const end = reader.text.indexOf(terminator, from);
  if (end < 0) fail(reader, problem);
  return end;
}

/** Reads one piece of markup at `<`: a comment, CDATA, a processing instruction, a closing or an opening tag. */
function readMarkup(reader: Reader): void {
  const { text, pos } = reader;
  if (text.startsWith("<!--", pos)) {
    reader.pos = skipTo(reader, "-->", pos + 4, "unterminated comment") + 3;
  } else if (text.startsWith("<![CDATA[", pos)) {
    if (!reader.stack.length) fail(reader, "CDATA outside the root element");
    const end = skipTo(reader, "]]>", pos + 9, "unterminated CDATA section");
    reader.stack[reader.stack.length - 1].text += text.slice(pos + 9, end);
    reader.pos = end + 3;
  } else if (text.startsWith("<!", pos)) {
    fail(reader, "DOCTYPE and entity declarations are not accepted");
  } else if (text.startsWith("<?", pos)) {
    const end = skipTo(reader, "?>", pos + 2, "unterminated processing instruction");
    if (text.startsWith("<?xml", pos) && SPACE.test(text[pos + 5] ?? "") && pos !== reader.start) {
      fail(reader, "the XML declaration must come first");
    }
    reader.pos = end + 2;
  } else if (text.startsWith("</", pos)) {
    readClosingTag(reader);
  } else {
    readOpeningTag(reader);
  }
}

function readClosingTag(reader: Reader): void {
  const { text, pos } = reader;
  NAME.lastIndex = pos + 2;
  if (!NAME.test(text)) fail(reader, "expected an element name after </");
  const name = text.slice(pos + 2, NAME.lastIndex);
  let end = pos + 2 + name.length;
  while (end < text.length && SPACE.test(text[end])) end++;
  if (text[end] !== ">") fail(reader, `expected ">" to close </${name}`, end);
  const open = reader.stack.pop();
  if (!open) fail(reader, `closing tag </${name}> without an open element`);
  if (open!.qname !== name) fail(reader, `closing tag </${name}> does not match <${open!.qname}>`);
  reader.pos = end + 1;
}

function readOpeningTag(reader: Reader): void {
  const { text, pos, stack } = reader;
  if (reader.root && !stack.length) fail(reader, "a second root element");
  NAME.lastIndex = pos + 1;
  if (!NAME.test(text)) fail(reader, "expected an element name after <");
  const qname = text.slice(pos + 1, NAME.lastIndex);
  const element: OpenElement = {
    name: localName(qname),
    qname,
    attributes: Object.create(null),
    children: [],
    text: "",
  };
  let at = pos + 1 + qname.length;
  for (;;) {
    ATTRIBUTE.lastIndex = at;
    const attribute = ATTRIBUTE.exec(text);
    if (!attribute) break;
    if (attribute[1] in element.attributes) fail(reader, `attribute ${attribute[1]} appears twice`, at);
    element.attributes[attribute[1]] = decodeEntities(attribute[2] ?? attribute[3], at, reader);
    at = ATTRIBUTE.lastIndex;
  }
  while (at < text.length && SPACE.test(text[at])) at++;
  const selfClosing = text.startsWith("/>", at);
  if (!selfClosing && text[at] !== ">") fail(reader, `expected ">" to end <${qname}>`, at);
  reader.pos = at + (selfClosing ? 2 : 1);
  if (stack.length) stack[stack.length - 1].children.push(element);
  else reader.root = element;
  if (!selfClosing) {
    if (stack.length >= reader.maxDepth) fail(reader, `elements nested deeper than ${reader.maxDepth}`);
    stack.push(element);
  }
}

interface OpenElement extends XmlElement {
  qname: string;
  children: OpenElement[];
}

/**
 * Drops the parser's bookkeeping so results compare and print cleanly. Loops here and below, not
 * `map` and `find`: the first call of each costs Bun ~0.1 ms, and a credential run calls no other.
 */
function strip(element: XmlElement): XmlElement {
  const { name, attributes, children, text } = element;
  const stripped: XmlElement[] = [];
  for (const child of children) stripped.push(strip(child));
  return { name, attributes, children: stripped, text };
}

function localName(qname: string): string {
  const colon = qname.lastIndexOf(":");
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function decodeEntities(text: string, offset: number, reader: Reader): string {
  if (!text.includes("&")) return text;
  return text.replace(ENTITY, (whole, body: string, index: number) => {
    const at = offset + index;
    if (!whole.endsWith(";")) return fail(reader, `"&" must start an entity such as &amp;`, at);
    if (Object.hasOwn(NAMED_ENTITIES, body)) return NAMED_ENTITIES[body];
    const numeric = NUMERIC_ENTITY.exec(body);
    if (!numeric) return fail(reader, `unknown entity &${body};`, at);
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
    const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!valid) return fail(reader, `character reference &${body}; is not a valid XML character`, at);
    return String.fromCodePoint(code);
  });
}

/** The first child element with this local name. */
export function childElement(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  for (const child of parent?.children ?? []) if (child.name === name) return child;
  return undefined;
}

/** The trimmed text of the first child element with this local name, or `undefined`. */
export function childText(parent: XmlElement | undefined, name: string): string | undefined {
  const child = childElement(parent, name);
  return child === undefined ? undefined : child.text.trim();
}
