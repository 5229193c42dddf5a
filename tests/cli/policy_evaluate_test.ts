// The trust-policy evaluator of `oidc2aws doctor` (cli/policy/evaluate.ts): a table of cases for each
// operator, set prefix, IfExists, Null, Deny, wildcard principal and action, case sensitivity, list-valued
// aud, claims IAM does not expose, and malformed policies (ERR_CONFIG_INVALID naming the JSON path).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type Claims,
  evaluateTrustPolicy,
  exposedClaims,
  parseTrustPolicy,
  providerOf,
  stringLike,
} from "../../cli/policy/evaluate.ts";
import { ConfigError } from "../../lib/errors.ts";

const GH = "token.actions.githubusercontent.com";
const GH_ARN = `arn:aws:iam::123456789012:oidc-provider/${GH}`;
const JOB: Claims = {
  iss: `https://${GH}`,
  aud: "sts.amazonaws.com",
  sub: "repo:octo-org/app:ref:refs/heads/main",
  repository: "octo-org/app",
  actor: "octocat",
  ref: "refs/heads/main",
  run_id: "42",
};

/** One Allow statement for the GitHub provider with this Condition block. */
function allow(condition: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) {
  return {
    Effect: "Allow",
    Principal: { Federated: GH_ARN },
    Action: "sts:AssumeRoleWithWebIdentity",
    ...(condition ? { Condition: condition } : {}),
    ...extra,
  };
}

function verdict(statements: unknown[], claims: Claims = JOB): boolean {
  return evaluateTrustPolicy(parseTrustPolicy(JSON.stringify({ Version: "2012-10-17", Statement: statements })), claims)
    .allowed;
}

const key = (claim: string) => `${GH}:${claim}`;

describe("trust policy evaluator: condition operators", () => {
  const cases: Array<[string, Record<string, unknown>, boolean, Claims?]> = [
    ["StringEquals, exact", { StringEquals: { [key("sub")]: JOB.sub } }, true],
    [
      "StringEquals is case-sensitive",
      { StringEquals: { [key("sub")]: "REPO:octo-org/app:ref:refs/heads/main" } },
      false,
    ],
    [
      "StringEquals with several values: any",
      { StringEquals: { [key("sub")]: ["repo:x/y:pull_request", JOB.sub] } },
      true,
    ],
    ["StringEquals does not expand *", { StringEquals: { [key("sub")]: "repo:octo-org/app:*" } }, false],
    ["StringNotEquals, other value", { StringNotEquals: { [key("sub")]: "repo:x/y:pull_request" } }, true],
    ["StringNotEquals, same value", { StringNotEquals: { [key("sub")]: ["repo:x/y:z", JOB.sub] } }, false],
    ["StringEqualsIgnoreCase", { StringEqualsIgnoreCase: { [key("actor")]: "OctoCat" } }, true],
    ["StringNotEqualsIgnoreCase", { StringNotEqualsIgnoreCase: { [key("actor")]: "OCTOCAT" } }, false],
    ["StringLike with *", { StringLike: { [key("sub")]: "repo:octo-org/*" } }, true],
    ["StringLike with ?", { StringLike: { [key("sub")]: "repo:octo-org/app:ref:refs/heads/ma?n" } }, true],
    ["StringLike ? is one character", { StringLike: { [key("sub")]: "repo:octo-org/app:ref:refs/heads/m?n" } }, false],
    ["StringLike is whole-string", { StringLike: { [key("sub")]: "octo-org/*" } }, false],
    ["StringLike is case-sensitive", { StringLike: { [key("sub")]: "repo:Octo-Org/*" } }, false],
    ["StringLike ${*} is a literal *", { StringLike: { [key("sub")]: "repo:octo-org/${*}" } }, false],
    ["StringNotLike, no match", { StringNotLike: { [key("sub")]: "repo:evil/*" } }, true],
    ["StringNotLike, match", { StringNotLike: { [key("sub")]: "*:pull_request" } }, false, {
      ...JOB,
      sub: "repo:octo-org/app:pull_request",
    }],
    ["a block's keys must all match", {
      StringEquals: { [key("aud")]: "sts.amazonaws.com", [key("actor")]: "someone-else" },
    }, false],
    ["several operators must all match", {
      StringEquals: { [key("aud")]: "sts.amazonaws.com" },
      StringLike: { [key("sub")]: "repo:octo-org/app:*" },
    }, true],
    ["operator names are case-insensitive", { stringlike: { [key("sub")]: "repo:octo-org/*" } }, true],
    ["condition keys are case-insensitive", { StringEquals: { [`${GH.toUpperCase()}:SUB`]: JOB.sub } }, true],
    ["GitHub's repository key", { StringEquals: { [key("repository")]: "octo-org/app" } }, true],
    ["GitHub's ref key", { StringLike: { [key("ref")]: "refs/tags/*" } }, false],
  ];
  for (const [name, condition, expected, claims] of cases) {
    it(`${name}: ${expected ? "allowed" : "refused"}`, () =>
      assert.equal(verdict([allow(condition)], claims), expected));
  }
});

describe("trust policy evaluator: absent keys, IfExists, Null and set prefixes", () => {
  const noEnv = key("environment"); // the job has no environment claim
  const cases: Array<[string, Record<string, unknown>, boolean, Claims?]> = [
    ["an absent key does not match StringEquals", { StringEquals: { [noEnv]: "prod" } }, false],
    ["an absent key matches StringNotEquals", { StringNotEquals: { [noEnv]: "prod" } }, true],
    ["an absent key matches StringLikeIfExists", { StringLikeIfExists: { [noEnv]: "prod" } }, true],
    ["a present key is checked by IfExists", { StringEqualsIfExists: { [key("actor")]: "nobody" } }, false],
    ["Null true: the key must be absent", { Null: { [noEnv]: "true" } }, true],
    ["Null true on a present key", { Null: { [key("sub")]: "true" } }, false],
    ["Null false: the key must be present", { Null: { [key("sub")]: false } }, true],
    ["ForAnyValue: one audience matches", { "ForAnyValue:StringEquals": { [key("aud")]: "sts.amazonaws.com" } }, true, {
      ...JOB,
      aud: ["https://github.com/octo-org", "sts.amazonaws.com"],
    }],
    ["ForAnyValue on an absent key is false", { "ForAnyValue:StringEquals": { [noEnv]: "prod" } }, false],
    [
      "ForAllValues: every audience must match",
      { "ForAllValues:StringEquals": { [key("aud")]: "sts.amazonaws.com" } },
      false,
      {
        ...JOB,
        aud: ["https://github.com/octo-org", "sts.amazonaws.com"],
      },
    ],
    ["ForAllValues: all do", { "ForAllValues:StringLike": { [key("aud")]: ["sts.*", "https://github.com/*"] } }, true, {
      ...JOB,
      aud: ["https://github.com/octo-org", "sts.amazonaws.com"],
    }],
    ["ForAllValues on an absent key is true (why it is dangerous in an Allow)", {
      "ForAllValues:StringEquals": { [noEnv]: "prod" },
    }, true],
    [
      "a list-valued aud without a set prefix: any value",
      { StringEquals: { [key("aud")]: "sts.amazonaws.com" } },
      true,
      {
        ...JOB,
        aud: ["https://github.com/octo-org", "sts.amazonaws.com"],
      },
    ],
    ["a claim IAM does not expose never matches", { StringEquals: { [key("run_id")]: "42" } }, false],
    ["a claim IAM does not expose is absent for StringNotEquals", { StringNotEquals: { [key("run_id")]: "42" } }, true],
    ["a key of another provider is absent", { StringEquals: { "gitlab.com:sub": JOB.sub } }, false],
  ];
  for (const [name, condition, expected, claims] of cases) {
    it(`${name}: ${expected ? "allowed" : "refused"}`, () =>
      assert.equal(verdict([allow(condition)], claims), expected));
  }

  it("reports a condition on an unexposed claim with the claim absent, and says why in the fix", () => {
    const result = evaluateTrustPolicy(
      parseTrustPolicy(JSON.stringify({ Statement: [allow({ StringEquals: { [key("run_id")]: "42" } })] })),
      JOB,
    );
    assert.equal(result.statements[0].conditions[0].claim, null);
    assert.equal(result.statements[0].conditions[0].absent, "not-exposed");
    assert.match(result.fix!, /IAM does not expose the claim run_id .* can never match/);
  });
});

describe("trust policy evaluator: statements, principals, actions", () => {
  const sub = { StringLike: { [key("sub")]: "repo:octo-org/*" } };
  it("an explicit Deny wins over a matching Allow, and the fix names it", () => {
    const deny = { ...allow({ StringLike: { [key("ref")]: "refs/heads/main" } }), Effect: "Deny", Sid: "NoMain" };
    assert.equal(verdict([allow(sub), deny]), false);
    const result = evaluateTrustPolicy(parseTrustPolicy(JSON.stringify({ Statement: [allow(sub), deny] })), JOB);
    assert.match(result.fix!, /^statement "NoMain" denies this token explicitly/);
  });
  it("a Deny that does not match leaves the Allow", () => {
    const deny = { ...allow({ StringEquals: { [key("actor")]: "mallory" } }), Effect: "Deny" };
    assert.equal(verdict([deny, allow(sub)]), true);
  });
  it("some Allow must match: the second one may", () => {
    assert.equal(verdict([allow({ StringEquals: { [key("sub")]: "x" } }), allow(sub)]), true);
  });
  it("a policy of Deny statements only refuses", () => {
    assert.equal(verdict([{ ...allow(undefined), Effect: "Deny", Principal: "*", Action: "sts:Nothing" }]), false);
  });
  it("Principal * matches; another provider's ARN does not, and the fix gives the right one", () => {
    assert.equal(verdict([allow(sub, { Principal: "*" })]), true);
    assert.equal(verdict([allow(sub, { Principal: { Federated: [GH_ARN.replace(GH, "gitlab.com"), GH_ARN] } })]), true);
    const other = { Statement: [allow(sub, { Principal: { Federated: GH_ARN.replace(GH, "gitlab.com") } })] };
    const result = evaluateTrustPolicy(parseTrustPolicy(JSON.stringify(other)), JOB);
    assert.equal(result.allowed, false);
    assert.match(result.fix!, /arn:aws:iam::ACCOUNT_ID:oidc-provider\/token\.actions\.githubusercontent\.com/);
  });
  it("an enterprise issuer's path is part of the provider", () => {
    const claims = { ...JOB, iss: `https://${GH}/acme` };
    assert.equal(verdict([allow(undefined)], claims), false);
    assert.equal(verdict([allow(undefined, { Principal: { Federated: `${GH_ARN}/acme` } })], claims), true);
    assert.equal(providerOf("https://gitlab.example.com/"), "gitlab.example.com");
  });
  it("Action wildcards and case; NotAction", () => {
    assert.equal(verdict([allow(sub, { Action: "sts:*" })]), true);
    assert.equal(verdict([allow(sub, { Action: ["sts:AssumeRole", "STS:assumerolewith*"] })]), true);
    assert.equal(verdict([allow(sub, { Action: "sts:AssumeRole" })]), false);
    assert.equal(verdict([{ ...allow(sub, { NotAction: "s3:*" }), Action: undefined }]), true);
    assert.equal(verdict([{ ...allow(sub, { NotAction: "sts:*" }), Action: undefined }]), false);
  });
  it("no condition at all admits every token of the provider", () => {
    assert.equal(verdict([allow(undefined)], { iss: `https://${GH}`, sub: "repo:anyone/anything:pull_request" }), true);
  });
  it("gives a concrete fix for sub and aud", () => {
    const policy = parseTrustPolicy(JSON.stringify({
      Statement: [allow({
        StringEquals: { [key("aud")]: "sts.amazonaws.com" },
        StringLike: { [key("sub")]: "repo:octo-org/app:ref:refs/heads/main" },
      })],
    }));
    const env = evaluateTrustPolicy(policy, { ...JOB, sub: "repo:octo-org/app:environment:prod" });
    assert.equal(
      env.fix,
      "sub is repo:octo-org/app:environment:prod because the job uses an environment: add that value to " +
        "StringLike, or match repo:octo-org/app:* with StringLike",
    );
    const aud = evaluateTrustPolicy(policy, { ...JOB, aud: "https://github.com/octo-org" });
    assert.match(aud.fix!, /^aud is https:\/\/github\.com\/octo-org: add it to StringEquals/);
  });
  it("reads aws iam get-role's output, the document possibly URL-encoded", () => {
    const document = { Version: "2012-10-17", Statement: [allow(sub)] };
    const wrapped = { Role: { RoleName: "deploy", AssumeRolePolicyDocument: document } };
    assert.equal(evaluateTrustPolicy(parseTrustPolicy(JSON.stringify(wrapped)), JOB).allowed, true);
    const encoded = { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(document)) };
    assert.equal(evaluateTrustPolicy(parseTrustPolicy(JSON.stringify(encoded)), JOB).allowed, true);
  });
  it("exposes GitHub's documented claims for GitHub's issuers only", () => {
    assert.ok(exposedClaims(GH).includes("job_workflow_ref"));
    assert.ok(exposedClaims("ghes.example.com/_services/token").includes("environment"));
    assert.deepEqual(exposedClaims("gitlab.com"), ["aud", "sub"]);
  });
  it("Google: IAM's aud is the token's azp, oaud its aud", () => {
    const google = (condition: Record<string, unknown>) => [{
      Effect: "Allow",
      Principal: { Federated: "accounts.google.com" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: condition,
    }];
    const claims = { iss: "https://accounts.google.com", azp: "1234", aud: "sts.amazonaws.com", sub: "1234" };
    assert.equal(verdict(google({ StringEquals: { "accounts.google.com:oaud": "sts.amazonaws.com" } }), claims), true);
    assert.equal(verdict(google({ StringEquals: { "accounts.google.com:aud": "sts.amazonaws.com" } }), claims), false);
    assert.equal(verdict(google({ StringEquals: { "accounts.google.com:aud": "1234" } }), claims), true);
  });

  it("StringLike escapes regular-expression characters", () => {
    assert.equal(stringLike("a.c", "abc"), false);
    assert.equal(stringLike("(a|b)*", "(a|b)x"), true);
    assert.equal(stringLike("x${?}", "x?"), true);
  });
});

describe("trust policy evaluator: malformed policies name the JSON path", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["not JSON", "{", /not JSON/],
    ["no Statement", { Version: "2012-10-17" }, /Statement is missing/],
    ["a bad Effect", { Statement: [allow(undefined, { Effect: "Maybe" })] }, /Statement\[0\]\.Effect must be/],
    ["no Principal", { Statement: [{ Effect: "Allow", Action: "sts:*" }] }, /Statement\[0\]\.Principal is missing/],
    [
      "no Principal in a lone statement",
      { Statement: { Effect: "Allow", Action: "sts:*" } },
      /Statement\.Principal is missing/,
    ],
    [
      "no Action",
      { Statement: [allow(undefined), { Effect: "Allow", Principal: "*" }] },
      /Statement\[1\] needs exactly one of Action/,
    ],
    [
      "an unknown operator",
      { Statement: [allow(undefined), allow({ StringLikes: { [key("sub")]: "x" } })] },
      /Statement\[1\]\.Condition\.StringLikes is not an IAM condition operator/,
    ],
    [
      "an object as a value",
      { Statement: [allow(undefined), allow({ StringLike: { [key("sub")]: { a: 1 } } })] },
      /Statement\[1\]\.Condition\.StringLike\["token\.actions\.githubusercontent\.com:sub"\] must be a string/,
    ],
    [
      "a block that is not an object",
      { Statement: [allow({ StringLike: "x" })] },
      /Statement\[0\]\.Condition\.StringLike is not an object/,
    ],
    [
      "Null with a non-boolean",
      { Statement: [allow({ Null: { [key("sub")]: "yes" } })] },
      /Condition\.Null\[.*\] must be "true" or "false"/,
    ],
    [
      "an operator not modelled",
      { Statement: [allow({ NumericLessThan: { [key("sub")]: "1" } })] },
      /NumericLessThan, an operator oidc2aws doctor does not model/,
    ],
    ["an empty value list", { Statement: [allow({ StringEquals: { [key("sub")]: [] } })] }, /is an empty list/],
  ];
  for (const [name, policy, message] of cases) {
    it(`${name}: ERR_CONFIG_INVALID`, () => {
      assert.throws(() => parseTrustPolicy(typeof policy === "string" ? policy : JSON.stringify(policy)), (err) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, "ERR_CONFIG_INVALID");
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
