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

const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*/y;
const ATTRIBUTE = /\s+([A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

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
      if (open) open.text += decodeEntities(chunk, reader.pos, failure(reader));
      else if (chunk.trim() !== "") failure(reader)("text outside the root element");
      reader.pos = textEnd;
      if (lt < 0) break;
    }
    readMarkup(reader); // reader.pos is at "<"
  }
  if (reader.stack.length) failure(reader)("the document ends early", text.length);
  if (!reader.root) failure(reader)("no root element", text.length);
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
function failure(reader: Reader): (problem: string, at?: number) => never {
  return (problem, at = reader.pos) => {
    if (at >= reader.text.length && reader.stack.length) {
      problem = `the document ends inside <${reader.stack[reader.stack.length - 1].qname}> (truncated?)`;
    }
    throw new XmlError(`Malformed XML at offset ${at}: ${problem}`, at);
  };
}

/** Reads one piece of markup at `<`: a comment, CDATA, a processing instruction, a closing or an opening tag. */
function readMarkup(reader: Reader): void {
  const { text, pos } = reader;
  const fail = failure(reader);
  const skipTo = (terminator: string, from: number, problem: string): number => {
    const end = text.indexOf(terminator, from);
    if (end < 0) fail(problem);
    return end;
  };
  if (text.startsWith("<!--", pos)) {
    reader.pos = skipTo("-->", pos + 4, "unterminated comment") + 3;
  } else if (text.startsWith("<![CDATA[", pos)) {
    if (!reader.stack.length) fail("CDATA outside the root element");
    const end = skipTo("]]>", pos + 9, "unterminated CDATA section");
    reader.stack[reader.stack.length - 1].text += text.slice(pos + 9, end);
    reader.pos = end + 3;
  } else if (text.startsWith("<!", pos)) {
    fail("DOCTYPE and entity declarations are not accepted");
  } else if (text.startsWith("<?", pos)) {
    const end = skipTo("?>", pos + 2, "unterminated processing instruction");
    if (text.startsWith("<?xml", pos) && /\s/.test(text[pos + 5] ?? "") && pos !== reader.start) {
      fail("the XML declaration must come first");
    }
    reader.pos = end + 2;
  } else if (text.startsWith("</", pos)) {
    readClosingTag(reader, fail);
  } else {
    readOpeningTag(reader, fail);
  }
}

function readClosingTag(reader: Reader, fail: (problem: string, at?: number) => never): void {
  const { text, pos } = reader;
  NAME.lastIndex = pos + 2;
  const match = NAME.exec(text);
  if (!match) fail("expected an element name after </");
  const name = match![0];
  let end = pos + 2 + name.length;
  while (end < text.length && /\s/.test(text[end])) end++;
  if (text[end] !== ">") fail(`expected ">" to close </${name}`, end);
  const open = reader.stack.pop();
  if (!open) fail(`closing tag </${name}> without an open element`);
  if (open!.qname !== name) fail(`closing tag </${name}> does not match <${open!.qname}>`);
  reader.pos = end + 1;
}

function readOpeningTag(reader: Reader, fail: (problem: string, at?: number) => never): void {
  const { text, pos, stack } = reader;
  if (reader.root && !stack.length) fail("a second root element");
  NAME.lastIndex = pos + 1;
  const match = NAME.exec(text);
  if (!match) fail("expected an element name after <");
  const qname = match![0];
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
    if (attribute[1] in element.attributes) fail(`attribute ${attribute[1]} appears twice`, at);
    element.attributes[attribute[1]] = decodeEntities(attribute[2] ?? attribute[3], at, fail);
    at = ATTRIBUTE.lastIndex;
  }
  while (at < text.length && /\s/.test(text[at])) at++;
  const selfClosing = text.startsWith("/>", at);
  if (!selfClosing && text[at] !== ">") fail(`expected ">" to end <${qname}>`, at);
  reader.pos = at + (selfClosing ? 2 : 1);
  if (stack.length) stack[stack.length - 1].children.push(element);
  else reader.root = element;
  if (!selfClosing) {
    if (stack.length >= reader.maxDepth) fail(`elements nested deeper than ${reader.maxDepth}`);
    stack.push(element);
  }
}

interface OpenElement extends XmlElement {
  qname: string;
  children: OpenElement[];
}

/** Drops the parser's bookkeeping so results compare and print cleanly. */
function strip(element: XmlElement): XmlElement {
  const { name, attributes, children, text } = element;
  return { name, attributes, children: children.map(strip), text };
}

function localName(qname: string): string {
  const colon = qname.lastIndexOf(":");
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function decodeEntities(text: string, offset: number, fail: (problem: string, at?: number) => never): string {
  if (!text.includes("&")) return text;
  return text.replace(/&([^;&\s]{0,10});?/g, (whole, body: string, index: number) => {
    const at = offset + index;
    if (!whole.endsWith(";")) return fail(`"&" must start an entity such as &amp;`, at);
    if (Object.hasOwn(NAMED_ENTITIES, body)) return NAMED_ENTITIES[body];
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!numeric) return fail(`unknown entity &${body};`, at);
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
    const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!valid) return fail(`character reference &${body}; is not a valid XML character`, at);
    return String.fromCodePoint(code);
  });
}

/** The first child element with this local name. */
export function childElement(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  return parent?.children.find((child) => child.name === name);
}

/** The trimmed text of the first child element with this local name, or `undefined`. */
export function childText(parent: XmlElement | undefined, name: string): string | undefined {
  const child = childElement(parent, name);
  return child === undefined ? undefined : child.text.trim();
}
