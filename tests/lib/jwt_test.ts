import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeClaims } from "../../mod.ts";
import { describeClaims } from "../../lib/jwt.ts";

const b64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, "-").replace(/\//g, "_");

describe("decodeClaims", () => {
  it("reads iss, aud, sub, exp, nbf, iat from any payload, padded or not, UTF-8 included", () => {
    fc.assert(
      fc.property(
        fc.record({
          iss: fc.webUrl(),
          aud: fc.oneof(fc.string(), fc.array(fc.string())),
          sub: fc.string({ unit: "grapheme" }),
          exp: fc.integer(),
          iat: fc.nat(),
        }),
        fc.boolean(),
        (claims, padded) => {
          const payload = b64url(JSON.stringify({ ...claims, extra: "ignored" }));
          const token = `${b64url('{"alg":"RS256"}')}.${padded ? payload : payload.replace(/=+$/, "")}.sig`;
          assert.deepEqual(decodeClaims(token), JSON.parse(JSON.stringify(claims)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("returns undefined for anything that is not a readable JWT, and never throws", () => {
    for (
      const bad of [
        "",
        "a.b",
        "a.b.c.d",
        "x.!!!.y",
        `h.${b64url("[1,2]")}.s`,
        `h.${b64url("not json")}.s`,
        `h.${b64url("null")}.s`,
      ]
    ) {
      assert.equal(decodeClaims(bad), undefined, bad);
    }
    fc.assert(fc.property(fc.string(), (text) => void decodeClaims(text)), { numRuns: 500 });
  });

  it("reads a payload with bytes that are not UTF-8 as TextDecoder does, replacing them", () => {
    const payload = btoa('{"iss":"https://i","sub":"a\xff\xc3(b","jti":"\xe2\x82"}').replace(/=+$/, "");
    assert.deepEqual(decodeClaims(`h.${payload}.s`), { iss: "https://i", sub: "a\ufffd\ufffd(b" });
  });

  it("keeps only well-typed claims", () => {
    assert.deepEqual(decodeClaims(`h.${b64url(JSON.stringify({ iss: 1, aud: [1], sub: "s", exp: "soon" }))}.s`), {
      sub: "s",
    });
  });
});

describe("describeClaims", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");
  const at = (iso: string) => Date.parse(iso) / 1000;

  it("shows iss, aud, sub and exp, marking an expired token", () => {
    assert.equal(
      describeClaims({ iss: "https://i", aud: ["a", "b"], sub: "s", exp: at("2026-11-26T11:59:00Z") }, now),
      "iss=https://i, aud=a,b, sub=s, exp=2026-11-26T11:59:00.000Z (expired)",
    );
  });

  it("adds nbf only when the token is not valid yet", () => {
    const claims = { sub: "s", exp: at("2026-11-26T12:05:00Z"), iat: at("2026-11-26T12:00:30Z") };
    assert.equal(
      describeClaims({ ...claims, nbf: at("2026-11-26T11:59:00Z") }, now),
      "sub=s, exp=2026-11-26T12:05:00.000Z",
    );
    assert.equal(
      describeClaims({ ...claims, nbf: at("2026-11-26T12:00:30Z") }, now),
      "sub=s, exp=2026-11-26T12:05:00.000Z, nbf=2026-11-26T12:00:30.000Z (not yet valid)",
    );
  });
});
