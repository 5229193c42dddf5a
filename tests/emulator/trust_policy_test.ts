/**
 * The emulator's STS and `oidc2aws doctor` agree on who a role admits. On a table of cases, each role
 * is given twice: as the emulator's own `StringLike` patterns on `sub` and `aud` (RoleTrust), and as the
 * equivalent trust policy document (RoleTrust.policy, which the emulator checks with the doctor's
 * evaluator). Both STS answers must equal the evaluator's verdict on the token's claims.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Emulator, type RoleTrust, startEmulator } from "../../emulator/mod.ts";
import { decodePayload } from "../../lib/jwt.ts";
import { evaluateTrustPolicy, parseTrustPolicy } from "../../cli/policy/evaluate.ts";
import { assume } from "./_setup.ts";

interface Case {
  name: string;
  sub: string | string[];
  aud?: string | string[];
  /** Claims of the token (over the emulator's GitHub defaults). */
  claims?: Record<string, unknown>;
  audience?: string;
}

const MAIN = "repo:octo-org/octo-repo:ref:refs/heads/main";
const CASES: Case[] = [
  { name: "a repository pattern", sub: "repo:octo-org/*" },
  { name: "an environment the job does not use", sub: "repo:octo-org/octo-repo:environment:prod" },
  {
    name: "an environment the job uses",
    sub: "repo:octo-org/octo-repo:environment:prod",
    claims: { sub: "repo:octo-org/octo-repo:environment:prod" },
  },
  { name: "several patterns, one matches", sub: ["repo:nope/*", "repo:octo-org/*"] },
  { name: "? is one character", sub: "repo:octo-org/octo-repo:ref:refs/heads/ma?n" },
  {
    name: "? is exactly one character",
    sub: "repo:octo-org/octo-repo:ref:refs/heads/ma?n",
    claims: { sub: `${MAIN}x` },
  },
  { name: "case-sensitive", sub: "REPO:octo-org/*" },
  { name: "whole string", sub: "octo-org/*" },
  { name: "${*} is a literal star", sub: "repo:octo-org/${*}" },
  { name: "the exact subject", sub: MAIN },
  { name: "another audience", sub: "*", aud: "other-aud" },
  { name: "a list-valued aud, one matches", sub: "*", aud: "other-aud", audience: "other-aud" },
  { name: "an aud pattern", sub: "repo:*", aud: "sts.*" },
  {
    name: "a pull request",
    sub: "repo:octo-org/octo-repo:ref:*",
    claims: { sub: "repo:octo-org/octo-repo:pull_request" },
  },
];

let em: Emulator;
let provider: string;
const ownArn = (i: number) => `arn:aws:iam::123456789012:role/own-${i}`;
const policyArn = (i: number) => `arn:aws:iam::123456789012:role/policy-${i}`;

function documentFor(c: Case): Record<string, unknown> {
  const condition: Record<string, unknown> = { [`${provider}:sub`]: c.sub };
  if (c.aud !== undefined) condition[`${provider}:aud`] = c.aud;
  return {
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${provider}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: condition },
    }],
  };
}

before(async () => {
  // A policy names the issuer, the emulator's URL, known once it listens: the roles are added then.
  const roles: Record<string, RoleTrust> = {};
  em = await startEmulator({ roles, audiences: ["sts.amazonaws.com", "other-aud"] });
  provider = em.url.replace(/^http:\/\//, "");
  CASES.forEach((c, i) => {
    roles[ownArn(i)] = { sub: c.sub, ...(c.aud === undefined ? {} : { aud: c.aud }) };
    roles[policyArn(i)] = { policy: documentFor(c) };
  });
});

after(() => em?.stop());

describe("emulator: STS trust checks agree with the doctor's evaluator", () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const aud = c.audience ? { aud: ["sts.amazonaws.com", c.audience] } : {};
      const used = await em.mintToken({ claims: { ...c.claims, ...aud } });
      const claims = decodePayload(used)!;
      const expected = evaluateTrustPolicy(parseTrustPolicy(JSON.stringify(documentFor(c))), claims).allowed;
      const own = await assume(em, used, { RoleArn: ownArn(i) });
      const viaPolicy = await assume(em, used, { RoleArn: policyArn(i) });
      assert.equal(own.status === 200, expected, `the emulator's own check: ${own.text}`);
      assert.equal(viaPolicy.status === 200, expected, `the emulator with the policy: ${viaPolicy.text}`);
      if (!expected) assert.match(own.text, /<Code>AccessDenied<\/Code>/);
    });
  });

  it("the table has cases of both verdicts", () => {
    const verdicts = CASES.map((c) =>
      evaluateTrustPolicy(parseTrustPolicy(JSON.stringify(documentFor(c))), {
        iss: `http://${provider}`,
        aud: c.audience ? ["sts.amazonaws.com", c.audience] : "sts.amazonaws.com",
        sub: (c.claims?.sub as string | undefined) ?? MAIN,
      }).allowed
    );
    assert.ok(verdicts.includes(true) && verdicts.includes(false), String(verdicts));
  });
});
