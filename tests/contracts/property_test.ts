// Property-based tests (fast-check) for the parsers and validators that read untrusted text: the XML
// reader (against fast-xml-parser), the config parser (against the `ini` package and botocore), the
// token-server grammar (against a reference model of token-sources.md) and resolveProfile's checks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import {
  assumeRole,
  ConfigError,
  ConfigSyntaxError,
  DEFAULT_AUDIENCE,
  loadConfig,
  Oidc2AwsError,
  parseConfig,
  parseTokenServer,
  type ProfileOverrides,
  resolveProfile,
  StsError,
  type ValueOrigin,
  type WebIdentityProfile,
  XmlError,
} from "../../mod.ts";
import { parseXml, type XmlElement } from "../../lib/xml.ts";
import { fakeJwt, instantClock, parseGithubEnv, scriptedFetch, stsErrorXml } from "../_helpers.ts";
import { webIdentity } from "../_profile.ts";
import { type CliArgs, COMMANDS, ENV_FORMATS, parseCliArgs, POLICY_FORMATS } from "../../cli/args.ts";
import { githubEnvOutput } from "../../cli/output.ts";

// `ini` ships no types; this is the one function used.
const ini = createRequire(import.meta.url)("ini") as { parse(text: string): Record<string, unknown> };

/** Names that break code which looks keys up in plain objects. */
const PROTO_NAMES = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "__defineGetter__",
  "polluted",
];

/** A small deterministic generator for formatting choices (the values themselves come from fast-check). */
function choices(seed: number): (n: number) => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** Plain, comparable copy of a parser result (its maps have no prototype). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";

/** A generated element: a leaf has a value, a container has children (unique names, STS-style). */
interface GenElement {
  name: string;
  attributes: Array<[string, string]>;
  value?: string;
  children?: GenElement[];
}

// Characters an STS value can hold, including every one that needs escaping. A raw carriage return is
// only ever written as &#13; (XML normalizes raw line ends, and this reader deliberately does not).
const XML_CHARS = [
  ..."abcXYZ019 +/=:-_.,;@]",
  "&",
  "<",
  ">",
  '"',
  "'",
  "\n",
  "\t",
  "\r",
  "\u00e9",
  "\u00df",
  "\u2014",
  "\u4e2d",
  "\u00a0",
  "\ufffd",
  "\u{1F600}",
  "\u{10FFFF}",
];
const xmlValue = fc.array(fc.constantFrom(...XML_CHARS), { maxLength: 24 }).map((chars) => chars.join(""));
const NAMED: Record<string, string> = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" };
const COMMENTS = [" c ", "", "note", " a-b ", "<x>&amp;", " ]]> ", "\n  multi\n  line "];
const WS1 = [" ", "\n", "\t", "  ", "\n    "];

function ws0(r: (n: number) => number): string {
  return r(3) === 0 ? WS1[r(WS1.length)] : "";
}

/** Encodes one character: literally when allowed, else (or by choice) as an entity or reference. */
function encodeChar(c: string, r: (n: number) => number, mode: "text" | "attr", quote: string, tail: string): string {
  const mustEscape = c === "&" || c === "<" || c === "\r" || (mode === "text" && c === ">" && tail.endsWith("]]")) ||
    (mode === "attr" && (c === quote || c === "\n" || c === "\t"));
  const pick = r(mustEscape ? 3 : 6);
  const cp = c.codePointAt(0)!;
  if (pick === 0 && NAMED[c]) return `&${NAMED[c]};`;
  if (pick === 1) return `&#${cp};`;
  if (pick === 2 || (pick === 0 && !NAMED[c]) || mustEscape) {
    const hex = cp.toString(16);
    return `&#x${r(2) ? hex.toUpperCase() : hex};`;
  }
  return c;
}

/** Encodes a text value as a mix of literal characters, references, CDATA sections and comments. */
function encodeText(value: string, r: (n: number) => number): string {
  const cps = [...value];
  let out = "";
  let i = 0;
  while (i < cps.length) {
    const mode = r(8);
    if (mode === 0) {
      let run = "";
      for (let n = 1 + r(6); n > 0 && i < cps.length && cps[i] !== "\r" && !(run + cps[i]).includes("]]>"); n--) {
        run += cps[i++];
      }
      if (run) {
        out += `<![CDATA[${run}]]>`;
        continue;
      }
    } else if (mode === 1) {
      out += `<!--${COMMENTS[r(COMMENTS.length)]}-->`;
      continue;
    }
    out += encodeChar(cps[i++], r, "text", "", out);
  }
  if (r(6) === 0) out += `<!--${COMMENTS[r(COMMENTS.length)]}-->`;
  return out;
}

function encodeAttribute(value: string, quote: string, r: (n: number) => number): string {
  let out = "";
  for (const c of value) out += encodeChar(c, r, "attr", quote, out);
  return out;
}

/** Whitespace, comments and processing instructions between elements. */
function misc(r: (n: number) => number): string {
  let out = "";
  for (let n = r(4); n > 0; n--) {
    const kind = r(5);
    out += kind === 0 ? `<!--${COMMENTS[r(COMMENTS.length)]}-->` : kind === 1 ? "<?pi some data?>" : WS1[r(WS1.length)];
  }
  return out;
}

function renderElement(element: GenElement, prefix: string, r: (n: number) => number, root = false): string {
  const qname = prefix + element.name;
  let open = `<${qname}`;
  if (root) open += ` ${prefix ? `xmlns:${prefix.slice(0, -1)}` : "xmlns"}="${STS_NS}"`;
  for (const [name, value] of element.attributes) {
    const quote = r(2) ? '"' : "'";
    open += `${WS1[r(WS1.length)]}${name}${ws0(r)}=${ws0(r)}${quote}${encodeAttribute(value, quote, r)}${quote}`;
  }
  open += ws0(r);
  const close = `</${qname}${ws0(r)}>`;
  if (element.children) {
    return `${open}>${misc(r)}${
      element.children.map((child) => renderElement(child, prefix, r) + misc(r)).join("")
    }${close}`;
  }
  if (element.value === "" && r(2)) return `${open}/>`;
  return `${open}>${encodeText(element.value!, r)}${close}`;
}

const attributesArb = fc.uniqueArray(fc.constantFrom("id", "lang", "x-y", "data.n", "_u"), { maxLength: 2 }).chain((
  names,
) => fc.tuple(...names.map((name) => fc.tuple(fc.constant(name), xmlValue))));

function leaf(name: string) {
  return fc.record({ name: fc.constant(name), attributes: attributesArb, value: xmlValue }) as fc.Arbitrary<GenElement>;
}

function container(
  name: string,
  required: Array<fc.Arbitrary<GenElement>>,
  optional: Array<fc.Arbitrary<GenElement>> = [],
) {
  return fc.record({
    name: fc.constant(name),
    attributes: attributesArb,
    required: fc.tuple(...required),
    optional: fc.tuple(...optional.map((arb) => fc.option(arb, { nil: undefined }))),
    order: fc.nat(),
  }).map(({ name, attributes, required, optional, order }) => {
    const children = [...required, ...optional.filter((c): c is GenElement => c !== undefined)];
    const r = choices(order);
    for (let i = children.length - 1; i > 0; i--) {
      const j = r(i + 1);
      [children[i], children[j]] = [children[j], children[i]];
    }
    return { name, attributes, children } as GenElement;
  });
}

const successDoc = container("AssumeRoleWithWebIdentityResponse", [
  container("AssumeRoleWithWebIdentityResult", [
    container("Credentials", [leaf("AccessKeyId"), leaf("SecretAccessKey"), leaf("SessionToken"), leaf("Expiration")]),
    container("AssumedRoleUser", [leaf("Arn")], [leaf("AssumedRoleId")]),
  ], [
    leaf("SubjectFromWebIdentityToken"),
    leaf("PackedPolicySize"),
    leaf("Provider"),
    leaf("Audience"),
    leaf("SourceIdentity"),
  ]),
], [container("ResponseMetadata", [leaf("RequestId")])]);
const errorDoc = container("ErrorResponse", [container("Error", [leaf("Code"), leaf("Message")], [leaf("Type")])], [
  leaf("RequestId"),
]);
const wrappedErrorDoc = container("Response", [
  container("Errors", [container("Error", [leaf("Code"), leaf("Message")], [leaf("Type")])]),
], [leaf("RequestID"), leaf("RequestId")]);

/** A valid STS document in any of its shapes and spellings, with its model. */
const stsDocument = fc.record({
  root: fc.oneof(successDoc, errorDoc, wrappedErrorDoc),
  prefix: fc.constantFrom("", "sts:", "a:"),
  declaration: fc.constantFrom("", '<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0'?>\n"),
  seed: fc.nat(),
}).map(({ root, prefix, declaration, seed }) => {
  const r = choices(seed);
  const text = `${declaration}${misc(r)}${renderElement(root, prefix, r, true)}${misc(r)}`;
  return { root, text };
});

const oracle = new XMLParser({
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  alwaysCreateTextNode: true,
});

const isNamespaceAttribute = (name: string) => name === "xmlns" || name.startsWith("xmlns:");

/** Compares our element with fast-xml-parser's node and with the generated model, recursively. */
function agree(ours: XmlElement, theirs: Record<string, unknown>, model: GenElement, path: string): void {
  assert.equal(ours.name, model.name, path);
  assert.equal(ours.text, theirs["#text"] ?? "", `${path}: text differs from fast-xml-parser`);
  const attributes = Object.keys(ours.attributes).filter((name) => !isNamespaceAttribute(name));
  assert.deepEqual(
    attributes.map((name) => [name, ours.attributes[name]]),
    model.attributes,
    `${path}: attributes differ from the model`,
  );
  for (const name of attributes) {
    assert.equal(ours.attributes[name], theirs[`@_${name}`], `${path}@${name}: differs from fast-xml-parser`);
  }
  const theirAttributes = Object.keys(theirs).filter((key) => key.startsWith("@_"));
  assert.equal(theirAttributes.length, attributes.length, `${path}: attribute count`);
  if (model.children) {
    assert.deepEqual(ours.children.map((c) => c.name), model.children.map((c) => c.name), `${path}: children`);
    const theirChildren = Object.keys(theirs).filter((key) => key !== "#text" && !key.startsWith("@_"));
    assert.deepEqual(
      theirChildren.sort(),
      model.children.map((c) => c.name).sort(),
      `${path}: fast-xml-parser children`,
    );
    ours.children.forEach((child, i) =>
      agree(child, theirs[child.name] as Record<string, unknown>, model.children![i], `${path}/${child.name}`)
    );
  } else {
    assert.equal(ours.children.length, 0, path);
    assert.equal(ours.text, model.value, `${path}: text differs from the model`);
  }
}

/** How long one parseXml takes on `text` (ms), whatever it gives. */
function timed(text: string): number {
  const start = performance.now();
  try {
    parseXml(text);
  } catch { /* an XmlError: the tests above check what comes out */ }
  return performance.now() - start;
}

/**
 * Runs parseXml; only a result or an XmlError may come out, within a time bound (best of 3 tries):
 * the small inputs' bound, 50 ms, is a thousand times what they take, a hang catcher. The big inputs
 * are checked by how their time grows instead (`Infinity`: no bound, one try).
 */
function parsesOrRefuses(text: string, boundMs = 50): XmlElement | XmlError {
  let best = Infinity;
  let outcome: XmlElement | XmlError | undefined;
  for (let attempt = 0; attempt < 3 && best >= boundMs; attempt++) {
    const start = performance.now();
    try {
      outcome = parseXml(text);
    } catch (err) {
      if (!(err instanceof XmlError)) {
        throw new Error(`parseXml threw ${(err as Error)?.name ?? typeof err} (${err}), not an XmlError`, {
          cause: err,
        });
      }
      assert.equal(err.code, "ERR_XML");
      assert.ok(err.offset >= 0 && err.offset <= Math.max(text.length, 1024 * 1024), `offset ${err.offset}`);
      assert.match(err.message, /^(?:Malformed XML at offset \d+: |The document is longer)/);
      outcome = err;
    }
    best = Math.min(best, performance.now() - start);
  }
  assert.ok(best < boundMs, `parseXml took ${best.toFixed(1)} ms on ${text.length} characters (bound ${boundMs} ms)`);
  return outcome!;
}

/** Snippets that stress a tokenizer: markup starts and ends, entity tricks, declarations. */
const XML_SNIPPETS = [
  "<",
  ">",
  "&",
  "/>",
  "</",
  "<!--",
  "-->",
  "<![CDATA[",
  "]]>",
  "<?",
  "?>",
  "<?xml version='1.0'?>",
  "=",
  '"',
  "'",
  "&amp;",
  "&#x110000;",
  "&#0;",
  "&#xD800;",
  "&xxe;",
  "&lol9;",
  "&toString;",
  "&__proto__;",
  "<!DOCTYPE a [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>",
  "<!ENTITY x 'y'>",
  "<!doctype html>",
  "\u0000",
  "\uFFFF",
  "\uD800",
  "\uFEFF",
  "<a>",
  "</a>",
  "<sts:a xmlns:sts='u'>",
  " x='1'",
  ' x="1" x="2"',
];
const xmlSoup = fc.array(
  fc.oneof(fc.constantFrom(...XML_SNIPPETS), fc.string({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 3 })),
  { maxLength: 40 },
).map((parts) => parts.join(""));

type Mutation = {
  op: "delete" | "insert" | "duplicate" | "swap" | "truncate";
  at: number;
  length: number;
  snippet: string;
};
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom("delete", "insert", "duplicate", "swap", "truncate"),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 24 }),
  snippet: fc.oneof(fc.constantFrom(...XML_SNIPPETS), fc.string({ maxLength: 3 })),
}) as fc.Arbitrary<Mutation>;

function mutate(text: string, mutations: Mutation[]): string {
  for (const m of mutations) {
    const at = text.length ? m.at % (text.length + 1) : 0;
    if (m.op === "delete") text = text.slice(0, at) + text.slice(at + m.length);
    else if (m.op === "insert") text = text.slice(0, at) + m.snippet + text.slice(at);
    else if (m.op === "duplicate") text = text.slice(0, at + m.length) + text.slice(at, at + m.length) + text.slice(at);
    else if (m.op === "swap" && at + 1 < text.length) {
      text = text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
    } else if (m.op === "truncate") text = text.slice(0, at);
  }
  return text;
}

/** Inputs built to expose super-linear behaviour, up to 64 KB. */
const BIG_FAMILIES: Record<string, (n: number) => string> = {
  deepClosed: (n) => "<a>".repeat(n) + "</a>".repeat(n),
  deepOpen: (n) => "<a>".repeat(n),
  deepSelfClosing: (n) => "<a>".repeat(Math.min(n, 60)) + "<b/>".repeat(n) + "</a>".repeat(Math.min(n, 60)),
  attributes: (n) => `<a${Array.from({ length: n }, (_, i) => ` a${i}="${i}"`).join("")}/>`,
  duplicateLastAttribute: (n) => `<a${Array.from({ length: n }, (_, i) => ` a${i}='v'`).join("")} a0='v'/>`,
  entities: (n) => `<a>${"&amp;&#x1F600;&#60;".repeat(n)}</a>`,
  brokenEntities: (n) => `<a>${"&ampxxxxxxxxxx".repeat(n)}</a>`,
  comments: (n) => `<a>${"<!-- x -->".repeat(n)}</a>`,
  openComments: (n) => `<a>${"<!--".repeat(n)}`,
  cdata: (n) => `<a>${"<![CDATA[x]]>".repeat(n)}</a>`,
  openCdata: (n) => `<a>${"<![CDATA[".repeat(n)}`,
  pis: (n) => `<a>${"<?p x?>".repeat(n)}</a>`,
  openPis: (n) => `<a>${"<?".repeat(n)}`,
  lessThans: (n) => "<".repeat(n),
  openTags: (n) => "<a".repeat(n),
  closeTags: (n) => "</".repeat(n),
  bangs: (n) => "<!".repeat(n),
  ampersands: (n) => `<a>${"&".repeat(n)}</a>`,
  longName: (n) => `<${"a".repeat(n)}>x</${"a".repeat(n)}>`,
  longOpenName: (n) => `<${"a".repeat(n)}`,
  whitespaceInTag: (n) => `<a${" ".repeat(n)}x`,
  unterminatedAttribute: (n) => `<a x="${"y".repeat(n)}`,
  attributeSpaces: (n) => `<a${" x = 'y'".repeat(1)}${" ".repeat(n)}=`,
  siblings: (n) => `<r>${"<a/>".repeat(n)}</r>`,
  mismatched: (n) => "<a><b>".repeat(n) + "</a>",
  secondRoots: (n) => "<a/>".repeat(n),
  text: (n) => `<a>${"x".repeat(n)}</a>`,
  textOutside: (n) => `${" ".repeat(n)}x`,
};

describe("property: parseXml agrees with fast-xml-parser on valid STS documents", () => {
  it("reads every element, text and attribute of generated success and error documents alike", () => {
    fc.assert(
      fc.property(stsDocument, ({ root, text }) => {
        const ours = parseXml(text);
        const theirs = oracle.parse(text) as Record<string, Record<string, unknown>>;
        agree(ours, theirs[root.name], root, root.name);
      }),
      { numRuns: 400 },
    );
  });
});

describe("property: parseXml returns a result or throws XmlError, in bounded time", () => {
  it("on random strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }), xmlSoup),
        (text) => {
          parsesOrRefuses(text);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("on mutated valid documents (deleted, inserted, duplicated, swapped characters, truncation)", () => {
    fc.assert(
      fc.property(stsDocument, fc.array(mutation, { minLength: 1, maxLength: 6 }), ({ text }, mutations) => {
        parsesOrRefuses(mutate(text, mutations));
      }),
      { numRuns: 1000 },
    );
  });

  it("at every truncation point of a valid document", () => {
    fc.assert(
      fc.property(stsDocument, ({ text }) => {
        for (let end = 0; end < text.length; end++) {
          const outcome = parsesOrRefuses(text.slice(0, end));
          // A truncated document can still be well formed only if what is cut is trailing misc.
          if (!(outcome instanceof XmlError)) assert.ok(/^(?:\s|<!--[^]*?-->|<\?[^]*?\?>)*$/.test(text.slice(end)));
        }
      }),
      { numRuns: 15 },
    );
  });

  it("on inputs up to 64 KB built to expose quadratic or exponential behaviour", () => {
    const families = Object.keys(BIG_FAMILIES);
    fc.assert(
      fc.property(fc.constantFrom(...families), fc.integer({ min: 1, max: 20000 }), (family, n) => {
        parsesOrRefuses(BIG_FAMILIES[family](n).slice(0, 64 * 1024), Infinity);
      }),
      { numRuns: 150 },
    );
  });

  it("in time that grows linearly: 4× the input takes well under 16× the time, on every family", () => {
    // A clock bound on one parse sits near the noise of a loaded machine; the growth does not. Each
    // family at 16 KB and at 64 KB, best of 5 each (alternated, so a slow moment hits both): a
    // linear parse takes ~4× as long for 4× the input, a quadratic one 16×; the bound, 10×, is far
    // from both. A 64 KB parse under 25 ms passes whatever the ratio says: a quadratic one takes
    // hundreds of milliseconds or seconds there, while a few families grow by more than 4× without
    // being quadratic (duplicateLastAttribute: thousands of attribute names hashed, 0.3 → 3.7 ms
    // on an idle machine, 11×; 5.6 ms at 64 KB under a loaded test run, which a 5 ms floor failed).
    const slow: string[] = [];
    for (const [family, build] of Object.entries(BIG_FAMILIES)) {
      const whole = build(20000);
      const [small, big] = [whole.slice(0, 16 * 1024), whole.slice(0, 64 * 1024)];
      const best = { small: Infinity, big: Infinity };
      for (let i = 0; i < 5; i++) {
        best.small = Math.min(best.small, timed(small));
        best.big = Math.min(best.big, timed(big));
      }
      const ratio = best.big / Math.max(best.small, 0.01);
      if (best.big >= 25 && ratio >= 10) {
        slow.push(
          `${family}: ${best.small.toFixed(2)} ms at 16 KB, ${best.big.toFixed(2)} ms at 64 KB (${ratio.toFixed(1)}×)`,
        );
      }
    }
    assert.deepEqual(slow, [], "families whose parse time grows faster than linearly");
  });
});

describe("property: parseXml never expands entities", () => {
  const doctype = fc.oneof(
    fc.constant(
      '<!DOCTYPE lolz [<!ENTITY lol "lol">' +
        Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i ? i : ""};`.repeat(10)}">`).join("") +
        "]>",
    ),
    fc.constantFrom(
      "<!DOCTYPE a SYSTEM 'file:///etc/passwd'>",
      '<!DOCTYPE a PUBLIC "-//x//EN" "http://127.0.0.1:9/x.dtd">',
      "<!DOCTYPE a [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>",
      '<!DOCTYPE a [<!ENTITY % pe SYSTEM "http://127.0.0.1:9/x"> %pe;]>',
      "<!doctype html>",
      "<!ENTITY xxe 'x'>",
      "<!ELEMENT a ANY>",
      "<!ATTLIST a b CDATA 'c'>",
    ),
    fc.string({ maxLength: 30 }).map((body) => `<!DOCTYPE ${body}>`),
  );
  const reference = fc.constantFrom("", "&xxe;", "&lol9;", "&lol;", "&pe;");

  it("refuses a DOCTYPE or declaration wherever markup may appear, quickly", () => {
    fc.assert(
      fc.property(
        stsDocument,
        doctype,
        reference,
        fc.constantFrom("start", "afterDeclaration", "insideRoot", "beforeRootEnd"),
        ({ root, text }, declaration, ref, where) => {
          const rootStart = text.search(new RegExp(`<(?:[a-z]+:)?${root.name}[\\s>/]`));
          const rootStartEnd = text.indexOf("<", rootStart + 1); // "<" is always escaped in attribute values
          const rootEnd = text.search(
            new RegExp(`</(?:[a-z]+:)?${root.name}\\s*>\\s*(?:<!--[^]*?-->|<\\?[^]*?\\?>|\\s)*$`),
          );
          const at = where === "start"
            ? 0
            : where === "afterDeclaration"
            ? rootStart
            : where === "insideRoot"
            ? rootStartEnd
            : rootEnd;
          assert.ok(rootStart >= 0 && rootEnd > rootStart, "the test found the root element");
          const poisoned = text.slice(0, at) + declaration + ref + text.slice(at);
          const outcome = parsesOrRefuses(poisoned, 50);
          assert.ok(outcome instanceof XmlError, "a document with a DOCTYPE or entity declaration was accepted");
          assert.match(outcome.message, /DOCTYPE and entity declarations are not accepted|declaration must come first/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("accepts only the five named entities, in text and in attributes", () => {
    const name = fc.oneof(
      fc.constantFrom(...PROTO_NAMES, "lol9", "xxe", "nbsp", "copy", "AMP", "Lt"),
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9._-]{0,9}$/),
    ).filter((n) => !["amp", "lt", "gt", "quot", "apos"].includes(n));
    fc.assert(
      fc.property(name, fc.boolean(), (entity, inAttribute) => {
        const text = inAttribute ? `<a b="x&${entity};y"/>` : `<a>x&${entity};y</a>`;
        let parsed: XmlElement | undefined;
        try {
          parsed = parseXml(text);
        } catch (err) {
          assert.ok(err instanceof XmlError, String(err));
          return;
        }
        assert.fail(
          `&${entity}; was accepted and read as ${JSON.stringify(inAttribute ? parsed.attributes.b : parsed.text)}`,
        );
      }),
      { numRuns: 500, examples: [["toString", false], ["__proto__", true], ["valueOf", false]] },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Config files
// ---------------------------------------------------------------------------------------------

const CONFIG = "/cfg/aws_config";
const CREDENTIALS = "/cfg/credentials";

// The common subset of botocore and `ini`: no indentation (botocore continues values, ini does not),
// no ";" or "#" in values (ini strips inline comments, botocore keeps them), no quotes or backslashes
// (ini unquotes and unescapes), no dots in section names (ini nests them), no ":" delimiter (ini only
// knows "="), keys unique case-insensitively (botocore lowercases them, ini keeps their case), no
// repeated sections (botocore refuses them, ini merges them) and no [DEFAULT] (botocore inherits it).
const VALUE_CHARS = [..."abcXYZ0189 =:/.-_+,@$%(){}[]!?*&<>~`^|\t", "\u00e9", "\u4e2d", "\u{1F600}"];
const iniValue = fc.array(fc.constantFrom(...VALUE_CHARS), { maxLength: 20 }).map((chars) => chars.join("").trim());
// ini drops a section named __proto__ (its own guard); botocore keeps it.
const iniName = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/).filter((name) => name !== "default" && name !== "__proto__");
const iniKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
const COMMENT_LINES = ["# comment", "; comment", "   # indented comment", "#", ";;", "# [profile fake]", "; k = v"];

interface IniFile {
  text: string;
  kind: "config" | "credentials";
}

const iniFile: fc.Arbitrary<IniFile> = fc.record({
  kind: fc.constantFrom("config", "credentials") as fc.Arbitrary<"config" | "credentials">,
  sections: fc.uniqueArray(
    fc.record({
      type: fc.constantFrom("default", "profile", "sso-session", "services", "bare"),
      name: iniName,
      entries: fc.uniqueArray(fc.tuple(iniKey, iniValue), { selector: ([key]) => key, maxLength: 6 }),
    }),
    { selector: (s) => s.type === "default" ? "default" : `${s.type} ${s.name}`, maxLength: 6 },
  ),
  seed: fc.nat(),
}).map(({ kind, sections, seed }) => {
  const r = choices(seed);
  const lines: string[] = [];
  const filler = () => {
    for (let n = r(3) === 0 ? 1 + r(2) : 0; n > 0; n--) {
      lines.push(r(2) ? COMMENT_LINES[r(COMMENT_LINES.length)] : ["", "   ", "\t"][r(3)]);
    }
  };
  const seen = new Set<string>();
  filler();
  for (const section of sections) {
    const header = kind === "credentials"
      ? section.type === "default" ? "default" : section.name
      : section.type === "default"
      ? "default"
      : section.type === "bare"
      ? section.name
      : `${section.type} ${section.name}`;
    if (seen.has(header)) continue;
    seen.add(header);
    lines.push(`[${header}]${r(4) === 0 ? "  " : ""}`);
    filler();
    for (const [key, value] of section.entries) {
      const spelled = [...key].map((c) => (r(3) === 0 ? c.toUpperCase() : c)).join("");
      lines.push(`${spelled}${["=", " = ", " =", "= ", "\t=\t", "  =  "][r(6)]}${value}`);
      filler();
    }
  }
  let text = "";
  for (const line of lines) text += line + ["\n", "\n", "\r\n", "\r"][r(4)];
  if (r(4) === 0) text = text.replace(/(?:\r\n|\r|\n)$/, "");
  return { text, kind };
});

/** What botocore's parser should give, computed from `ini`'s reading of the same file. */
function expectedFromIni(file: IniFile) {
  const sections = ini.parse(file.text);
  const expected = {
    profiles: {} as Record<string, unknown>,
    ssoSessions: {} as Record<string, unknown>,
    services: {},
  };
  for (const [header, raw] of Object.entries(sections)) {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      values[key.toLowerCase()] = value === null ? "null" : String(value); // ini reads true/false/null as JSON
    }
    if (file.kind === "credentials") expected.profiles[header] = values;
    else if (header === "default") expected.profiles.default = values;
    else if (header.startsWith("profile ")) expected.profiles[header.slice(8)] = values;
    else if (header.startsWith("sso-session ")) expected.ssoSessions[header.slice(12)] = values;
    else if (header.startsWith("services ")) (expected.services as Record<string, unknown>)[header.slice(9)] = values;
  }
  return expected;
}

function lineCount(text: string): number {
  return text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/).length;
}

/** parseConfig gives a result made of null-prototype maps of strings, or a ConfigSyntaxError on a real line. */
function parsesOrSyntaxError(text: string, kind: "config" | "credentials"): void {
  let parsed;
  try {
    parsed = parseConfig(text, { kind, source: "fuzz.ini" });
  } catch (err) {
    if (!(err instanceof ConfigSyntaxError)) {
      throw new Error(`parseConfig threw ${(err as Error)?.name} (${err}), not a ConfigSyntaxError`, { cause: err });
    }
    assert.equal(err.code, "ERR_CONFIG_SYNTAX");
    assert.equal(err.file, "fuzz.ini");
    const lines = lineCount(text);
    assert.ok(Number.isInteger(err.line) && err.line >= 1 && err.line <= lines, `line ${err.line} of ${lines}`);
    assert.ok(err.message.startsWith(`Cannot parse fuzz.ini at line ${err.line}: `), err.message);
    return;
  }
  for (const group of [parsed.profiles, parsed.ssoSessions, parsed.services]) {
    assert.equal(Object.getPrototypeOf(group), null);
    for (const section of Object.values(group)) {
      assert.equal(Object.getPrototypeOf(section), null);
      for (const value of Object.values(section)) {
        if (typeof value === "string") continue;
        assert.equal(Object.getPrototypeOf(value), null);
        for (const nested of Object.values(value)) assert.equal(typeof nested, "string");
      }
    }
  }
}

const CONFIG_SNIPPETS = [
  "[",
  "]",
  "=",
  ":",
  "#",
  ";",
  " ",
  "  ",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "\n  ",
  "[default]",
  "[DEFAULT]",
  "[profile ",
  "[profile 'a b']",
  '[profile "x',
  "[sso-session s]",
  "[services s]",
  "sts =\n  endpoint_url = http://127.0.0.1",
  "key",
  "value",
  '"',
  "'",
  "\\",
  "\uFEFF",
  "\u2028",
  "\u0085",
  "\u0000",
  "\u00e9",
];
const configSoup = fc.array(
  fc.oneof(
    fc.constantFrom(...CONFIG_SNIPPETS),
    fc.string({ maxLength: 4 }),
    fc.string({ unit: "binary", maxLength: 3 }),
  ),
  { maxLength: 50 },
).map((parts) => parts.join(""));
const configMutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom("delete", "insert", "duplicate", "swap", "truncate"),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 24 }),
  snippet: fc.oneof(fc.constantFrom(...CONFIG_SNIPPETS), fc.string({ maxLength: 3 })),
}) as fc.Arbitrary<Mutation>;

describe("property: parseConfig agrees with the ini package on the common subset", () => {
  it("reads the same profiles, sso-sessions and services, keys and values", () => {
    fc.assert(
      fc.property(iniFile, (file) => {
        const ours = plain(parseConfig(file.text, { kind: file.kind }));
        assert.deepEqual(ours, expectedFromIni(file));
      }),
      { numRuns: 500 },
    );
  });
});

describe("property: parseConfig returns a result or a ConfigSyntaxError naming a real line", () => {
  it("on random text", () => {
    fc.assert(
      fc.property(
        fc.oneof(configSoup, fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 })),
        fc.constantFrom("config", "credentials") as fc.Arbitrary<"config" | "credentials">,
        (text, kind) => parsesOrSyntaxError(text, kind),
      ),
      { numRuns: 1500 },
    );
  });

  it("on mutated valid files", () => {
    fc.assert(
      fc.property(iniFile, fc.array(configMutation, { minLength: 1, maxLength: 6 }), (file, mutations) => {
        parsesOrSyntaxError(mutate(file.text, mutations), file.kind);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("property: parseConfig follows botocore beyond ASCII", () => {
  // configparser reads a line up to \n, \r or \r\n; every other character, U+2028 and U+2029
  // included, belongs to the line (its regexes' "." matches them).
  it("keeps any character but a line break inside a value and a profile name", () => {
    const inner = fc.constantFrom("a", "-", " ", "\u2028", "\u2029", "\u0085", "\u000b", "\u000c", "\u00a0", "\u00e9");
    const text = fc.tuple(fc.constantFrom("x", "1"), fc.array(inner, { maxLength: 6 }), fc.constantFrom("z", "9"))
      .map(([head, middle, tail]) => head + middle.join("") + tail);
    fc.assert(
      fc.property(text, text, (value, name) => {
        const safeName = name.replace(/[\s\u0085]/g, "_"); // a profile name is one shell word
        const parsed = plain(parseConfig(`[profile ${safeName}]\nregion = ${value}\n`));
        assert.deepEqual(parsed.profiles, { [safeName]: { region: value } });
      }),
      { numRuns: 300, examples: [["x\u2028z", "xz"], ["xz", "x\u2029z"]] },
    );
  });

  it("strips and indents with Python's whitespace, as botocore 1.43 does", () => {
    // Outputs recorded from botocore 1.43.11 (configloader.raw_config_parse + build_profile_map).
    const botocore: Array<[string, unknown]> = [
      ["[default]\nregion = a\u0085\n", { default: { region: "a" } }],
      ["[default]\n\u001cregion = a\n", { default: { region: "a" } }],
      ["[default]\nregion = \u001fa\u001e\n", { default: { region: "a" } }],
      ["[default]\nregion = a\ufeff\n", { default: { region: "a\ufeff" } }],
      ["\u0085\n[default]\nx = 1\n", { default: { x: "1" } }],
      ["[default]\nregion = a\n\u0085b = 2\n", { default: { region: "a\nb = 2" } }],
      ["[default]\nregion = a\n  \ufeff\n", { default: { region: "a\n\ufeff" } }],
    ];
    const wrong = botocore.filter(([text, profiles]) => {
      try {
        return !isDeepStrictEqual(plain(parseConfig(text)).profiles, profiles);
      } catch {
        return true;
      }
    });
    assert.deepEqual(wrong.map(([text]) => text), [], "files read differently from botocore");
  });
});

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

describe("property: config parsing is safe for any section or key name", () => {
  const protoSnapshot = () =>
    Object.getOwnPropertyNames(Object.prototype).map((name) => [
      name,
      Object.getOwnPropertyDescriptor(Object.prototype, name)?.value,
    ]);
  const before = protoSnapshot();
  const assertUnpolluted = () => {
    const probe = {} as Record<string, unknown>;
    for (const name of ["polluted", "x", "v", "tostring", "region", "constructor_"]) {
      assert.equal(probe[name], undefined, `Object.prototype.${name}`);
    }
    assert.equal(Object.prototype.toString.call([]), "[object Array]");
    assert.deepEqual(protoSnapshot(), before, "Object.prototype changed");
  };
  const protoName = fc.constantFrom(...PROTO_NAMES);

  it("parses, merges and resolves profiles named __proto__, constructor, prototype and friends", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(protoName, { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(protoName, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        protoName,
        async (names, keys, withDefaults, chosen) => {
          // Keys are lowercased by the parser; nested keys are not.
          const entries = keys.map((key, i) => `${key} = v${i}`).join("\n");
          const nested = `s3 =\n${keys.map((key, i) => `  ${key} = n${i}`).join("\n")}`;
          const config = `${withDefaults ? "[DEFAULT]\npolluted = yes\n" : ""}` +
            names.map((name) => `[profile ${name}]\n${entries}\n${nested}\n[services ${name}]\n${nested}\n`).join("") +
            names.map((name) => `[sso-session ${name}]\n${entries}\n`).join("");
          const credentials = names.map((name) => `[${name}]\n${entries}\n`).join("");

          const parsed = parseConfig(config);
          for (const name of names) {
            const profile = parsed.profiles[name];
            assert.ok(Object.hasOwn(parsed.profiles, name), name);
            keys.forEach((key, i) => assert.equal(profile[key.toLowerCase()], `v${i}`, `${name}.${key}`));
            keys.forEach((key, i) => assert.equal((profile.s3 as Record<string, string>)[key], `n${i}`));
            if (withDefaults && !keys.includes("polluted")) assert.equal(profile.polluted, "yes");
            assert.ok(Object.hasOwn(parsed.services, name) && Object.hasOwn(parsed.ssoSessions, name));
          }
          assert.equal(Object.keys(parsed.profiles).length, names.length);
          assertUnpolluted();

          const files: Record<string, string> = { [CONFIG]: config, [CREDENTIALS]: credentials };
          const env = { AWS_CONFIG_FILE: CONFIG, AWS_SHARED_CREDENTIALS_FILE: CREDENTIALS, AWS_PROFILE: chosen };
          const readFile = (path: string) => Promise.resolve(files[path]);
          const loaded = await loadConfig({ env, readFile });
          for (const name of names) {
            keys.forEach((key, i) => assert.equal(loaded.profiles[name][key.toLowerCase()], `v${i}`));
            assert.equal(loaded.origins[name][keys[0].toLowerCase()], CREDENTIALS);
          }
          assertUnpolluted();

          for (const options of [{ env, readFile }, { env, readFile, profile: chosen }]) {
            try {
              await resolveProfile({ ...options, now: () => 0 });
              assert.fail("a profile without a token source resolved");
            } catch (err) {
              assert.ok(err instanceof ConfigError, String(err));
              assert.ok(["ERR_PROFILE_NOT_FOUND", "ERR_NOT_WEB_IDENTITY"].includes(err.code), err.code);
            }
          }
          assertUnpolluted();
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The token-server grammar
// ---------------------------------------------------------------------------------------------

type ModelSpec = { name: "GitHub" | undefined; urlEnv: string; tokenEnv: string; audience: string | undefined };

/**
 * Words a CI platform may be known by. token-sources.md defines GitHub and lets more known names be
 * added for the platforms it lists; for these (other than GitHub) the model accepts whatever the
 * library decides, as long as it decides it cleanly.
 */
const PLATFORM_WORD =
  /^(?:ghes|ghe|forgejo|gitea|gitlab|buildkite|circleci|circle|bitbucket|azure|azuredevops|ado|terraform|terraformcloud|hcpterraform|hcp|tfc|spacelift|google|googlecloud|gcp|kubernetes|k8s|eks|irsa|auto)$/i;

/** token-sources.md, written down independently of lib/token_spec.ts. */
function tokenServerModel(value: string): ModelSpec | "error" | "platform" {
  if (value.trim() === "") return "error";
  const parts: string[] = [];
  let rest = value;
  while (parts.length < 2 && rest.includes(",")) {
    parts.push(rest.slice(0, rest.indexOf(",")));
    rest = rest.slice(rest.indexOf(",") + 1);
  }
  parts.push(rest);
  const trimmed = parts.map((part) => part.trim());
  const github = {
    name: "GitHub" as const,
    urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL",
    tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  };
  const known = trimmed[0].toLowerCase() === "github";
  if (trimmed.length < 3 && PLATFORM_WORD.test(trimmed[0])) return "platform";
  if (trimmed.length === 1) return known ? { ...github, audience: DEFAULT_AUDIENCE } : "error";
  if (trimmed.length === 2 && known) return { ...github, audience: trimmed[1] === "" ? undefined : trimmed[1] };
  const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
  if (!envName.test(trimmed[0]) || !envName.test(trimmed[1])) return "error";
  const audience = trimmed.length === 3 ? (trimmed[2] === "" ? undefined : trimmed[2]) : DEFAULT_AUDIENCE;
  return { name: undefined, urlEnv: trimmed[0], tokenEnv: trimmed[1], audience };
}

const tokenServerValue = fc.oneof(
  fc.array(
    fc.constantFrom(
      "GitHub",
      "github",
      "GITHUB",
      "gItHuB",
      "GitLab",
      "NoSuchCI",
      ",",
      ",",
      " ",
      "\t",
      "\u00a0",
      "\n",
      "ACTIONS_ID_TOKEN_REQUEST_URL",
      "MY_URL",
      "_t0",
      "X",
      "1BAD",
      "a-b",
      "sts.amazonaws.com",
      "sigstore",
      "https://example.com/x?a=b",
      "\u00e9",
      ...PROTO_NAMES,
    ),
    { maxLength: 7 },
  ).map((parts) => parts.join("")),
  fc.string({ maxLength: 40 }),
);

const origin: fc.Arbitrary<ValueOrigin> = fc.oneof(
  fc.constantFrom("AWS_WEB_IDENTITY_TOKEN_SERVER", "MY_VAR").map((envVar) => ({ envVar })),
  fc.constantFrom("--web-identity-token-server", "tokenServer", "-t").map((option) => ({ option })),
  fc.record({ file: fc.constantFrom(CONFIG, "aws config"), profile: fc.constantFrom("p", "default", "a b", "") }).map((
    o,
  ) => ({ ...o, key: "web_identity_token_server" })),
  fc.constant({ key: "web_identity_token_server" }),
);

/** How a message must begin for each origin, independently of describeOrigin. */
function expectedPrefix(o: ValueOrigin): string {
  if (o.option) return o.option;
  if (o.envVar) return o.envVar;
  const where = o.file ? ` (${o.file})` : "";
  return o.profile !== undefined ? `${o.key} in profile "${o.profile}"${where}` : `${o.key}${where}`;
}

/** An accepted value: exactly the model's reading, or, for a platform word, anything but a misread manual form. */
function assertAsModelled(value: string, actual: unknown, expected: ModelSpec | "error" | "platform"): void {
  assert.ok(expected !== "error", `accepted ${JSON.stringify(value)} as ${JSON.stringify(actual)}`);
  const spec = { ...(actual as Record<string, unknown>) };
  if (expected === "platform") {
    assert.equal(typeof spec.type, "string", `read ${JSON.stringify(value)} as ${JSON.stringify(actual)}`);
    if (spec.type === "server" && spec.name === undefined) {
      const parts = value.split(",").map((part) => part.trim());
      assert.deepEqual([spec.urlEnv, spec.tokenEnv], parts.slice(0, 2), "a manual form reads the first two parts");
    }
    return;
  }
  assert.deepEqual(spec, { type: "server", ...expected });
}

function assertInvalid(err: unknown, prefix: string): void {
  assert.ok(err instanceof Oidc2AwsError, `expected an Oidc2AwsError, got ${err}`);
  assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err.name}`);
  assert.equal(err.code, "ERR_CONFIG_INVALID", err.message);
  assert.ok(err.message.startsWith(`${prefix} `), `message should start with "${prefix} ": ${err.message}`);
}

describe("property: parseTokenServer follows the grammar of token-sources.md", () => {
  it("matches a reference model on random values, and names the origin when it refuses one", () => {
    fc.assert(
      fc.property(tokenServerValue, origin, (value, o) => {
        const expected = tokenServerModel(value);
        let actual;
        try {
          actual = parseTokenServer(value, o);
        } catch (err) {
          assertInvalid(err, expectedPrefix(o));
          assert.ok(expected === "error" || expected === "platform", `refused ${JSON.stringify(value)}`);
          return;
        }
        assertAsModelled(value, actual, expected);
      }),
      {
        numRuns: 2500,
        examples: [["constructor", { key: "web_identity_token_server" }], ["__proto__,aud", { envVar: "X" }]],
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// resolveProfile: every value it accepts follows the documented rule; every refusal names its source
// ---------------------------------------------------------------------------------------------

const ROLE = "arn:aws:iam::123456789012:role/ci";
type Route = "option" | "env" | "config" | "credentials";
type Setting = "roleArn" | "roleSessionName" | "durationSeconds" | "region" | "tokenServer";

const KEYS: Record<Setting, string> = {
  roleArn: "role_arn",
  roleSessionName: "role_session_name",
  durationSeconds: "duration_seconds",
  region: "region",
  tokenServer: "web_identity_token_server",
};

interface Case {
  setting: Setting;
  route: Route;
  value: string | number;
  envVar?: string;
  label?: string;
  extraEnv?: Record<string, string>;
}

/** Builds a valid configuration in which only `setting` comes from `route` with `value`. */
function arrange(c: Case) {
  const key = KEYS[c.setting];
  const env: Record<string, string> = {
    AWS_CONFIG_FILE: CONFIG,
    AWS_SHARED_CREDENTIALS_FILE: CREDENTIALS,
    ...c.extraEnv,
  };
  const files: Record<string, string> = {};
  const base: Record<string, string> = { role_arn: ROLE, web_identity_token_server: "GitHub" };
  let overrides: ProfileOverrides | undefined;
  let profile: string | undefined;
  let prefix: string;
  if (c.route === "option") {
    overrides = { roleArn: ROLE, tokenServer: "GitHub", [c.setting]: c.value };
    if (c.label !== undefined) overrides.labels = { [c.setting]: c.label };
    prefix = c.label || c.setting;
  } else if (c.route === "env") {
    Object.assign(env, { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub", [c.envVar!]: String(c.value) });
    prefix = c.envVar!;
  } else {
    profile = "p";
    const lines = { ...base };
    if (c.route === "config") lines[key] = String(c.value);
    else files[CREDENTIALS] = `[p]\n${key} = ${c.value}\n`;
    files[CONFIG] = `[profile p]\n${Object.entries(lines).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`;
    prefix = `${key} in profile "p" (${c.route === "config" ? CONFIG : CREDENTIALS})`;
  }
  const run = () =>
    resolveProfile({
      env,
      readFile: (path) => Promise.resolve(files[path]),
      now: () => Date.UTC(2026, 10, 26),
      profile,
      overrides,
    }).then(webIdentity);
  return { run, prefix };
}

/** The value resolveProfile sees: file values pass through the config parser, which trims them. */
function seen(c: Case): string {
  return c.route === "config" || c.route === "credentials" ? String(c.value).trim() : String(c.value);
}

// Values written into a file stay on their line; U+2028/U+2029 are left out here (see the botocore
// property above, which covers them).
const lineSafe = (value: string | number) => !/[\r\n\u2028\u2029]/.test(String(value));

function caseArb(
  setting: Setting,
  value: fc.Arbitrary<string | number>,
  envVars: string[],
  labels: Array<string | undefined>,
  routes: Route[] = ["option", "env", "config", "credentials"],
): fc.Arbitrary<Case> {
  return fc.record({
    route: fc.constantFrom(...routes),
    value,
    envVar: fc.constantFrom(...(envVars.length ? envVars : ["(none)"])),
    label: fc.constantFrom(...labels),
    runId: fc.oneof(fc.constant(""), fc.stringMatching(/^\d{1,80}$/), fc.string({ maxLength: 5 })),
    attempt: fc.oneof(fc.constant(""), fc.stringMatching(/^\d{1,3}$/)),
  }).map(({ route, value, envVar, label, runId, attempt }) => ({
    setting,
    route,
    value,
    envVar,
    label,
    extraEnv: { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt },
  })).filter((c) => c.route === "option" || c.route === "env" || lineSafe(c.value));
}

async function outcome(c: Case): Promise<{ profile?: WebIdentityProfile; error?: unknown; prefix: string }> {
  const { run, prefix } = arrange(c);
  try {
    return { profile: await run(), prefix };
  } catch (error) {
    return { error, prefix };
  }
}

const pad = (arb: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom("", " ", "\t", "  "), arb, fc.constantFrom("", " ", "\n", "\t")).map(([a, b, c]) =>
    a + b + c
  );

/** Mostly valid, sometimes wrong: each part of the ARN is right five times out of six. */
const part = (valid: fc.Arbitrary<string>, invalid: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const roleArnValue = fc.oneof(
  fc.tuple(
    part(fc.constant("arn"), fc.constantFrom("ARN", "arn ", "urn", "")),
    part(fc.constantFrom("aws", "aws-cn", "aws-us-gov", "aws-iso-b"), fc.constantFrom("aws1", "", "AWS", "aws:", "aw")),
    part(fc.constant("iam"), fc.constantFrom("sts", "IAM", "iam ")),
    part(fc.constant(""), fc.constantFrom("us-east-1", ":", " ")),
    part(
      fc.stringMatching(/^\d{12}$/),
      fc.oneof(fc.stringMatching(/^\d{10,13}$/), fc.constantFrom("aws", "12345678901x")),
    ),
    part(fc.constant("role/"), fc.constantFrom("role", "user/", "role//", "assumed-role/", "Role/", "role/a b/")),
    part(
      fc.array(fc.stringMatching(/^[\x21-\x7e]{1,5}$/), { maxLength: 3 }).map((p) => p.map((s) => `${s}/`).join("")),
      fc.constantFrom("a b/", "\u00e9/", "/"),
    ),
    part(
      fc.stringMatching(/^[\w+=,.@-]{1,64}$/),
      fc.oneof(fc.stringMatching(/^[\w+=,.@-]{65,70}$/), fc.string({ maxLength: 8 })),
    ),
  ).map(([arn, partition, service, region, account, resource, path, name]) =>
    `${arn}:${partition}:${service}:${region}:${account}:${resource}${path}${name}`
  ),
  fc.string({ maxLength: 40 }),
);

describe("property: resolveProfile validates every value and names its source", () => {
  it("role ARNs: accepted exactly when they are IAM role ARNs", async () => {
    const rule = (v: string) =>
      v.length >= 20 && v.length <= 2048 &&
      /^arn:aws[-a-z]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/.test(v);
    await fc.assert(
      fc.asyncProperty(
        caseArb("roleArn", fc.oneof(roleArnValue, pad(roleArnValue)), ["AWS_ROLE_ARN"], [undefined, "--role-arn"]),
        async (c) => {
          const { profile, error, prefix } = await outcome(c);
          const value = seen(c);
          if (profile) {
            assert.equal(profile.roleArn, value.trim());
            assert.ok(rule(profile.roleArn), `accepted ${JSON.stringify(profile.roleArn)}`);
          } else if (value === "") {
            // An empty role: the message starts with the token source and says which role setting is empty.
            assert.ok(error instanceof ConfigError && error.code === "ERR_CONFIG_INVALID", String(error));
            assert.ok(error.message.includes(`${prefix} is empty`), error.message);
          } else {
            assertInvalid(error, prefix);
            assert.ok(!rule(value.trim()), `refused the valid ARN ${JSON.stringify(value)}: ${error}`);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("session names: 2 to 64 of [\\w+=,.@-], else a default that follows the same rule", async () => {
    const rule = /^[\w+=,.@-]{2,64}$/;
    const sessionValue = fc.oneof(
      fc.stringMatching(/^[\w+=,.@-]{0,70}$/),
      fc.string({ maxLength: 12 }),
      fc.constantFrom("", " ", "a", "ab", "a b", "\u00e9t\u00e9", "x".repeat(64), "x".repeat(65)),
    );
    await fc.assert(
      fc.asyncProperty(
        caseArb("roleSessionName", fc.oneof(sessionValue, pad(sessionValue)), ["AWS_ROLE_SESSION_NAME"], [
          undefined,
          "--role-session-name",
        ]),
        async (c) => {
          const { profile, error, prefix } = await outcome(c);
          const value = seen(c).trim();
          if (profile) {
            assert.ok(rule.test(profile.roleSessionName), `accepted ${JSON.stringify(profile.roleSessionName)}`);
            if (value !== "") assert.equal(profile.roleSessionName, value);
          } else {
            assertInvalid(error, prefix);
            assert.ok(!rule.test(value), `refused the valid name ${JSON.stringify(value)}`);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("durations: whole numbers of seconds from 900 to 43200", async () => {
    const durationValue = fc.oneof(
      fc.integer({ min: -100, max: 50000 }),
      fc.constantFrom(899, 900, 43200, 43201, 900.5, -0, NaN, Infinity, 1e21, Number.MAX_SAFE_INTEGER + 2),
      fc.integer({ min: 0, max: 50000 }).map(String),
      fc.constantFrom(
        "0900",
        " 900 ",
        "+900",
        "9e2",
        "900.0",
        "0x384",
        "",
        " ",
        "3600s",
        "1_000",
        "\u0669\u0660\u0660",
      ),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        caseArb("durationSeconds", durationValue, [], [undefined, "--duration-seconds"], [
          "option",
          "config",
          "credentials",
        ]),
        async (c) => {
          const { profile, error, prefix } = await outcome(c);
          const canonical = /^(?:[1-9]\d*)$/.test(String(c.value).trim()) && Number(String(c.value).trim());
          if (profile) {
            const d = profile.durationSeconds!;
            assert.ok(Number.isInteger(d) && d >= 900 && d <= 43200, `accepted ${JSON.stringify(c.value)} as ${d}`);
            assert.equal(d, Number(String(c.value).trim()), `read ${JSON.stringify(c.value)} as ${d}`);
          } else {
            assertInvalid(error, prefix);
            assert.ok(
              !(canonical !== false && canonical >= 900 && canonical <= 43200),
              `refused ${JSON.stringify(c.value)}`,
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("regions: region names only, and the endpoint is built from them", async () => {
    const botocore = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/; // botocore's validate_region_name
    // ... and no "xn--" (IDNA) label, which URL parsing decodes and may refuse (found with "Xn--a").
    const rule = { test: (value: string) => botocore.test(value) && !/^xn--/i.test(value) };
    const regionValue = fc.oneof(
      fc.stringMatching(/^(?:us|eu|ap|cn|us-gov|us-iso)-[a-z]{4,9}-\d$/),
      fc.stringMatching(/^[A-Za-z0-9-]{0,66}$/),
      fc.constantFrom(
        "aws-global",
        "us-east-1 ",
        "us_east_1",
        "us-east-1.",
        "../x",
        "a".repeat(64),
        "a".repeat(63),
        "Xn--a",
        "xn--bcher-kva",
      ),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(
        caseArb("region", regionValue, ["AWS_REGION", "AWS_DEFAULT_REGION"], [undefined, "--region"]),
        async (c) => {
          const { profile, error, prefix } = await outcome(c);
          const value = seen(c);
          if (profile) {
            if (value === "") {
              assert.equal(profile.region, undefined);
              return;
            }
            assert.equal(profile.region, value);
            assert.ok(rule.test(value), `accepted the region ${JSON.stringify(value)}`);
            const url = new URL(profile.stsEndpoint);
            assert.equal(url.protocol, "https:");
            if (value !== "aws-global") assert.ok(url.hostname.includes(value.toLowerCase()), profile.stsEndpoint);
          } else {
            assertInvalid(error, prefix);
            assert.ok(!rule.test(value), `refused the region ${JSON.stringify(value)}`);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("token servers: the same grammar from options, env vars and files", async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb("tokenServer", tokenServerValue, ["AWS_WEB_IDENTITY_TOKEN_SERVER"], [
          undefined,
          "--web-identity-token-server",
        ]),
        async (c) => {
          const { profile, error, prefix } = await outcome(c);
          const value = seen(c);
          if (value === "") {
            // An empty value is no token source at all.
            assert.ok(error instanceof ConfigError && error.code === "ERR_NOT_WEB_IDENTITY", String(error));
            return;
          }
          const expected = tokenServerModel(value);
          if (profile) {
            assertAsModelled(value, profile.token, expected);
          } else {
            assertInvalid(error, prefix);
            assert.ok(expected === "error" || expected === "platform", `refused ${JSON.stringify(value)}`);
          }
        },
      ),
      {
        numRuns: 400,
        examples: [
          [{ setting: "tokenServer", route: "env", value: "constructor", envVar: "AWS_WEB_IDENTITY_TOKEN_SERVER" }],
          [{ setting: "tokenServer", route: "config", value: "__proto__" }],
        ],
      },
    );
  });

  it("endpoint URLs: http(s) URLs without credentials, from env vars, endpoint_url and [services]", async () => {
    const url = fc.oneof(
      fc.tuple(
        fc.constantFrom("https", "http", "HTTPS", "ftp", "file", "", "javascript"),
        fc.constantFrom("://", "://", ":/", ":", ""),
        fc.constantFrom("", "", "user@", "user:pw@", ":pw@"),
        fc.constantFrom("127.0.0.1", "localhost", "sts.example.com", "[::1]", "a b", "", "%", "xn--n3h.example"),
        fc.constantFrom("", "", ":4566", ":0", ":65536", ":x"),
        fc.constantFrom("", "/", "/sts", "/a b", "?x=1", "#f", "/%zz"),
      ).map((parts) => parts.join("")),
      fc.string({ maxLength: 20 }),
    );
    const urlCase = fc.record({
      where: fc.constantFrom("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL", "endpoint_url", "services"),
      value: fc.oneof(url, pad(url)),
    }).filter(({ where, value }) => where.startsWith("AWS_") || lineSafe(value));
    await fc.assert(
      fc.asyncProperty(urlCase, async ({ where, value }) => {
        const env: Record<string, string> = { AWS_CONFIG_FILE: CONFIG };
        let text = `[profile p]\nrole_arn = ${ROLE}\nweb_identity_token_server = GitHub\n`;
        let prefix: string = where;
        if (where.startsWith("AWS_")) env[where] = value;
        else if (where === "endpoint_url") {
          text += `endpoint_url = ${value}\n`;
          prefix = `endpoint_url in profile "p" (${CONFIG})`;
        } else {
          text += `services = s\n[services s]\nsts =\n  endpoint_url = ${value}\n`;
          prefix = `sts.endpoint_url in [services s] (${CONFIG})`;
        }
        const seenValue = where.startsWith("AWS_") ? value : value.trim();
        let profile: WebIdentityProfile;
        try {
          profile = await resolveProfile({
            env,
            profile: "p",
            readFile: (path) => Promise.resolve({ [CONFIG]: text }[path]),
          }).then(webIdentity);
        } catch (err) {
          assertInvalid(err, prefix);
          let parsed: URL | undefined;
          try {
            parsed = new URL(seenValue.trim());
          } catch {
            // not a URL: rightly refused
          }
          assert.ok(
            !parsed || !/^https?:$/.test(parsed.protocol) || parsed.username !== "" || parsed.password !== "",
            `refused ${JSON.stringify(seenValue)}`,
          );
          return;
        }
        if (seenValue === "") {
          assert.equal(profile.stsEndpoint, "https://sts.amazonaws.com");
          return;
        }
        const parsed = new URL(seenValue.trim());
        assert.ok(/^https?:$/.test(parsed.protocol) && !parsed.username && !parsed.password, `accepted ${seenValue}`);
        assert.equal(profile.stsEndpoint, parsed.href);
      }),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// STS error codes: any code STS (or something posing as it) sends makes a sensible StsError
// ---------------------------------------------------------------------------------------------

describe("property: assumeRole turns any STS error code into a readable StsError", () => {
  it("never mixes JavaScript object internals into the message", async () => {
    const code = fc.oneof(
      fc.constantFrom(...PROTO_NAMES, "AccessDenied", "InvalidIdentityToken", "ValidationError", "Throttling"),
      fc.stringMatching(/^[A-Za-z_][\w.:-]{0,20}$/),
    );
    const token = fakeJwt({ iss: "https://token.example.test", aud: "sts.amazonaws.com", sub: "repo:o/r:ref:x" });
    await fc.assert(
      fc.asyncProperty(code, fc.constantFrom(400, 403), async (awsCode, status) => {
        const clock = instantClock();
        const script = scriptedFetch({
          "/idtoken": [{ body: JSON.stringify({ value: token }) }],
          "/": [{ status, body: stsErrorXml(awsCode, "m"), headers: { "content-type": "text/xml" } }],
        });
        const profile: WebIdentityProfile = {
          name: "p",
          roleArn: ROLE,
          roleSessionName: "s1",
          token: parseTokenServer("GitHub"),
          stsEndpoint: "https://sts.example.test/",
        };
        try {
          await assumeRole(profile, {
            env: {
              ACTIONS_ID_TOKEN_REQUEST_URL: "https://t.example.test/idtoken",
              ACTIONS_ID_TOKEN_REQUEST_TOKEN: "b",
            },
            fetch: script.fetch,
            ...clock,
            retry: { maxAttempts: 1 },
            freshTokenRetries: 0,
          });
          assert.fail("resolved");
        } catch (err) {
          assert.ok(err instanceof StsError, String(err));
          assert.equal(err.awsCode, awsCode);
          assert.ok(!/\[native code\]|\[object Object\]|undefined/.test(err.message), err.message);
        }
      }),
      { numRuns: 200, examples: [["constructor", 403], ["__proto__", 400], ["toString", 400]] },
    );
  });
});

// ---------- CLI arguments ----------

describe("property: parseCliArgs takes any argv to arguments or a usage error naming the culprit", () => {
  const flags = [
    "--profile",
    "--role-arn",
    "--token-server",
    "--token-file",
    "--token-env",
    "--token-process",
    "--session-name",
    "--region",
    "--duration",
    "--format",
  ];
  const formats = [...new Set([...ENV_FORMATS, ...POLICY_FORMATS])];
  const words = [
    ...flags,
    "--no-cache",
    "--debug",
    "--help",
    "-h",
    "--version",
    "-V",
    "--",
    "-",
    ...COMMANDS,
    ...formats, // so that --format meets every value a command takes, and values in the wrong place
  ];
  const arg = fc.oneof(
    fc.constantFrom(...words),
    fc.string({ maxLength: 30, unit: "grapheme" }),
    fc.tuple(fc.constantFrom(...words), fc.string({ maxLength: 12 })).map(([w, v]) => `${w}=${v}`),
  );

  it("on random argv: a result whose fields are well formed, or ERR_USAGE quoting an argument", () => {
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 10 }), (argv) => {
        let args: CliArgs;
        try {
          args = parseCliArgs(argv);
        } catch (err) {
          assert.ok(err instanceof Oidc2AwsError, String(err));
          assert.equal(err.code, "ERR_USAGE");
          assert.match(err.message, /\. Run oidc2aws --help for the commands and flags$/);
          const named = argv.some((a) =>
            err.message.includes(JSON.stringify(a.slice(0, 40))) ||
            (a.startsWith("-") && err.message.includes(a.split("=")[0])) ||
            err.message.includes(`not ${JSON.stringify(a.slice(a.indexOf("=") + 1).slice(0, 40))}`)
          );
          assert.ok(named, `${err.message} names none of ${JSON.stringify(argv)}`);
          return;
        }
        assert.ok(args.command === undefined || (COMMANDS as readonly string[]).includes(args.command));
        assert.ok(args.format === undefined || (formats as readonly string[]).includes(args.format));
        assert.ok(args.profiles.every((p) => typeof p === "string"));
        assert.ok(args.exec.every((p) => argv.includes(p)), "exec's words come from argv");
      }),
      { numRuns: 2000 },
    );
  });

  it("on well-formed command lines: exactly the values given", () => {
    const value = fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !v.startsWith("-"));
    fc.assert(
      fc.property(
        fc.constantFrom(...COMMANDS),
        fc.array(value, { maxLength: 3 }),
        fc.option(value, { nil: undefined }),
        fc.option(value, { nil: undefined }),
        fc.constantFrom(...ENV_FORMATS),
        fc.boolean(),
        fc.boolean(),
        (command, profiles, roleArn, region, format, noCache, inline) => {
          const argv: string[] = [command];
          const add = (flag: string, v: string) => inline ? argv.push(`${flag}=${v}`) : argv.push(flag, v);
          for (const p of profiles) add("--profile", p);
          if (roleArn !== undefined) add("--role-arn", roleArn);
          if (region !== undefined) add("--region", region);
          add("--format", format);
          if (noCache) argv.push("--no-cache");
          argv.push("--", "aws", "--version");
          const args = parseCliArgs(argv);
          assert.equal(args.command, command);
          assert.deepEqual(args.profiles, profiles);
          assert.equal(args.roleArn, roleArn);
          assert.equal(args.region, region);
          assert.equal(args.format, format);
          assert.equal(args.noCache, noCache);
          assert.deepEqual(args.exec, ["aws", "--version"]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

// ---------- $GITHUB_ENV ----------

describe("property: github-env output cannot add or change another variable", () => {
  const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
  // Values built to break out: line breaks, `=`, `<<`, delimiter-looking words, any Unicode.
  const piece = fc.oneof(
    fc.string({ maxLength: 12, unit: "grapheme" }),
    fc.constantFrom("\n", "\r\n", "=", "<<", "ghadelimiter_", "EOF", "GITHUB_PATH=/evil", "NODE_OPTIONS=x"),
  );
  const value = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(""));

  it("the env file reads back as exactly the variables; stdout holds only ::add-mask:: lines", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n, maxLength: 6 }),
        fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 }),
        (variables, delimiters) => {
          // The "random" delimiters include the values' own lines, to force the collision path.
          const lines = variables.flatMap(([, v]) => v.split("\n")).filter((l) => l.length > 0);
          const candidates = [...lines, ...delimiters];
          let n = 0;
          const { stdout, envFile } = githubEnvOutput(
            variables,
            variables.map(([, v]) => v),
            () => n < candidates.length ? candidates[n++] : `ghadelimiter_${crypto.randomUUID()}`,
          );
          assert.deepEqual(parseGithubEnv(envFile), Object.fromEntries(variables));
          for (const line of stdout.split("\n").slice(0, -1)) assert.match(line, /^::add-mask::/);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
