// The form bodies of STS requests (and a token request's query) are written as URLSearchParams writes
// them (the oracle here), without URLSearchParams (a cold start's cost).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formBody, formEncode } from "../../lib/_form.ts";
import { stsRequestBody } from "../../lib/sts.ts";
import { assumeRoleBody } from "../../lib/_chain.ts";

/** No lone surrogate (encodeURIComponent refuses one). */
function wellFormed(text: string): boolean {
  try {
    return encodeURIComponent(text) !== undefined;
  } catch {
    return false;
  }
}

const oracle = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe("formBody", () => {
  it("writes what URLSearchParams writes, for any names and values", () => {
    // Every kind of character: ASCII (the unreserved ones, the ones encodeURIComponent leaves but a
    // form does not: !'()~), spaces, other scripts, astral ones, and lone surrogates.
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom(" ", "!", "'", "(", ")", "~", "*", "+", "%", "&", "="),
        fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
        fc.constantFrom("\uD800", "\uDC00", "\uD83D\uDE00"),
      ),
      maxLength: 12,
    });
    // Names stay distinct once well-formed: two names that differ only in a lone surrogate are one
    // name to URLSearchParams' record conversion on Deno and Bun (two on Node).
    const name = text.filter((name) => name !== "__proto__" && wellFormed(name));
    fc.assert(
      fc.property(fc.dictionary(name, text, { maxKeys: 4 }), (fields) => {
        assert.equal(formBody(fields), oracle(fields));
      }),
      { numRuns: 2000 },
    );
  });

  it("encodes a JWT's characters as they are, and keeps the fields' order", () => {
    assert.equal(formBody({ b: "eyJ0.a-b_c", a: "x y" }), "b=eyJ0.a-b_c&a=x+y");
    assert.equal(formEncode("a\uD800b"), "a%EF%BF%BDb");
  });
});

describe("STS request bodies", () => {
  it("AssumeRoleWithWebIdentity: every field, policy ARNs numbered from 1, as URLSearchParams writes them", () => {
    const request = {
      roleArn: "arn:aws:iam::123456789012:role/ci",
      roleSessionName: "run 1",
      webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvIn0.sig-_",
      durationSeconds: 900,
      policy: '{"Version":"2012-10-17","Statement":[]}',
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/p~1"],
    };
    assert.equal(
      stsRequestBody(request),
      oracle({
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: request.roleArn,
        RoleSessionName: request.roleSessionName,
        WebIdentityToken: request.webIdentityToken,
        DurationSeconds: "900",
        Policy: request.policy,
        "PolicyArns.member.1.arn": request.policyArns[0],
        "PolicyArns.member.2.arn": request.policyArns[1],
      }),
    );
  });

  it("AssumeRole: the optional fields only when set", () => {
    const profile = { roleArn: "arn:aws:iam::123456789012:role/next", roleSessionName: "s", externalId: "id (1)" };
    assert.equal(
      assumeRoleBody(profile as Parameters<typeof assumeRoleBody>[0]),
      oracle({
        Action: "AssumeRole",
        Version: "2011-06-15",
        RoleArn: profile.roleArn,
        RoleSessionName: "s",
        ExternalId: "id (1)",
      }),
    );
  });
});
