import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { XmlError } from "../../mod.ts";
import { childElement, childText, parseXml } from "../../lib/xml.ts";
import { testdata } from "../_helpers.ts";

function rejects(text: string, pattern: RegExp, options?: Parameters<typeof parseXml>[1]) {
  assert.throws(() => parseXml(text, options), (err: unknown) => {
    assert.ok(err instanceof XmlError, `expected XmlError, got ${err}`);
    assert.equal(err.code, "ERR_XML");
    assert.match(err.message, pattern);
    return true;
  });
}

describe("parseXml", () => {
  it("reads AWS's documented AssumeRoleWithWebIdentity answer", async () => {
    const root = parseXml(await testdata("sts_success.xml"));
    assert.equal(root.name, "AssumeRoleWithWebIdentityResponse");
    assert.equal(root.attributes.xmlns, "https://sts.amazonaws.com/doc/2011-06-15/");
    const credentials = childElement(childElement(root, "AssumeRoleWithWebIdentityResult"), "Credentials");
    assert.equal(childText(credentials, "SecretAccessKey"), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    assert.deepEqual(credentials?.children.map((c) => c.name), [
      "SessionToken",
      "SecretAccessKey",
      "Expiration",
      "AccessKeyId",
    ]);
  });

  it("matches elements by local name, with a declaration, comments, prefixes and CDATA", async () => {
    const root = parseXml(await testdata("sts_success_github.xml"));
    assert.equal(root.name, "AssumeRoleWithWebIdentityResponse");
    const credentials = childElement(childElement(root, "AssumeRoleWithWebIdentityResult"), "Credentials");
    assert.equal(childText(credentials, "SecretAccessKey"), "secret/with+chars&<that>need=escaping");
  });

  it("decodes the five named entities and numeric references", async () => {
    const root = parseXml(await testdata("sts_error_entities.xml"));
    assert.equal(
      childText(childElement(root, "Error"), "Message"),
      'Incorrect token audience "https://github.com/octo-org" & issuer <x> \u2014 see \u2018docs\u2019',
    );
    assert.equal(parseXml("<a b='&apos;&#60;&#x3e;'>&apos;&#128512;</a>").text, "'\u{1F600}");
    assert.equal(parseXml("<a b='&apos;&#60;&#x3e;'/>").attributes.b, "'<>");
  });

  it("reads self-closing elements, attributes in either quote and whitespace in tags", () => {
    const root = parseXml(`<a  x="1"  y='2' ><b/><c\n/><d></d ></a >`);
    assert.deepEqual(root.attributes, Object.assign(Object.create(null), { x: "1", y: "2" }));
    assert.deepEqual(root.children.map((c) => [c.name, c.text]), [["b", ""], ["c", ""], ["d", ""]]);
  });

  it("refuses DOCTYPE and entity declarations, so nothing is ever expanded", () => {
    rejects(
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
      /DOCTYPE and entity declarations are not accepted/,
    );
    rejects("<a><!ENTITY x SYSTEM 'file:///etc/passwd'></a>", /not accepted/);
    rejects("<a>&x;</a>", /unknown entity &x;/);
  });

  it("refuses malformed documents with the offset", () => {
    rejects("<a><b>text</a>", /closing tag <\/a> does not match <b>/);
    rejects("<a><b>truncat", /ends inside <b> \(truncated\?\)/);
    rejects("", /no root element/);
    rejects("just text", /text outside the root element/);
    rejects("<a/><b/>", /a second root element/);
    rejects("</a>", /without an open element/);
    rejects("<a>1 & 2</a>", /"&" must start an entity/);
    rejects("<a>&#0;</a>", /not a valid XML character/);
    rejects("<a x='1' x='2'/>", /attribute x appears twice/);
    rejects("<a><!-- never closed </a>", /unterminated comment/);
    rejects("<a><![CDATA[ open </a>", /unterminated CDATA/);
    rejects("<a><?pi never closed</a>", /unterminated processing instruction/);
    rejects("<a></a><?xml version='1.0'?>", /the XML declaration must come first/);
    rejects("<1a/>", /expected an element name/);
    rejects("<a b=c/>", /expected ">" to end <a>/);
  });

  it("bounds length and nesting", () => {
    rejects(`<a>${"x".repeat(100)}</a>`, /longer than 50 characters/, { maxLength: 50 });
    rejects("<a>".repeat(65) + "</a>".repeat(65), /nested deeper than 64/);
    assert.equal(parseXml("<a>".repeat(64) + "</a>".repeat(64)).name, "a");
  });
});

describe("parseXml agrees with fast-xml-parser on generated STS documents", () => {
  const oracle = new XMLParser({
    ignoreDeclaration: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: true,
  });
  // Text as STS could send it: printable characters, escaped for XML, sometimes as CDATA.
  const text = fc.string({ unit: fc.constantFrom(..."abcXYZ019 +/=:-_.&<>\"'\u00e9\u2014\u{1F600}"), maxLength: 40 });
  const escape = (value: string) =>
    value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(
      /'/g,
      "&#39;",
    );
  const fieldNames = ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"] as const;

  it("extracts the same credential fields", () => {
    fc.assert(
      fc.property(
        fc.record({
          values: fc.tuple(text, text, text, text),
          order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
          prefix: fc.constantFrom("", "sts:"),
          declaration: fc.boolean(),
          cdata: fc.boolean(),
          comment: fc.boolean(),
        }),
        ({ values, order, prefix, declaration, cdata, comment }) => {
          const p = prefix;
          const encode = (value: string) => (cdata && !value.includes("]]>") ? `<![CDATA[${value}]]>` : escape(value));
          const fields = order.map((i) => `<${p}${fieldNames[i]}>${encode(values[i])}</${p}${fieldNames[i]}>`).join(
            "\n      ",
          );
          const ns = p
            ? `xmlns:sts="https://sts.amazonaws.com/doc/2011-06-15/"`
            : `xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`;
          const doc =
            `${
              declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ""
            }<${p}AssumeRoleWithWebIdentityResponse ${ns}>` +
            `${
              comment ? "<!-- c -->" : ""
            }<${p}AssumeRoleWithWebIdentityResult><${p}Credentials>\n      ${fields}\n    </${p}Credentials>` +
            `</${p}AssumeRoleWithWebIdentityResult></${p}AssumeRoleWithWebIdentityResponse>`;
          const ours = childElement(childElement(parseXml(doc), "AssumeRoleWithWebIdentityResult"), "Credentials");
          const theirs =
            oracle.parse(doc).AssumeRoleWithWebIdentityResponse.AssumeRoleWithWebIdentityResult.Credentials;
          for (const name of fieldNames) {
            const expected = theirs[name] === "" || theirs[name] === undefined ? "" : String(theirs[name]);
            assert.equal(childElement(ours, name)?.text, expected, name);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
