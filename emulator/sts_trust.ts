/**
 * The conditions the emulator's STS checks before it issues credentials: role
 * ARNs, trust policies reduced to IAM `StringLike` on `sub` and `aud`, and the
 * API model's constraints on the parameters, in AWS's words.
 *
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 *
 * @module
 */

/**
 * A role's trust policy, reduced to the conditions GitHub OIDC trust policies use (`sub`, `aud`; `sub: []`
 * admits no token) and to the principals that may assume it with their own role's credentials.
 */
export interface RoleTrust {
  /**
   * `StringLike` pattern(s) for the `sub` claim (`*` any run, `?` one character); any may match.
   * Unchecked when absent (give `policy` instead).
   */
  sub?: string | string[];
  /**
   * A whole trust policy (the JSON document, or its text), evaluated against every claim of the token
   * by the evaluator `oidc2aws doctor` uses (cli/policy/evaluate.ts), so that the emulator's STS and
   * the doctor agree by construction. Checked in addition to `sub` and `aud`.
   */
  policy?: unknown;
  /** `StringLike` pattern(s) for the `aud` claim; unchecked when absent. */
  aud?: string | string[];
  /** The role's MaxSessionDuration, 3600–43200; default 3600. */
  maxSessionDuration?: number;
  /**
   * `StringLike` patterns on the caller's assumed-role ARN that may `sts:AssumeRole` this role (role
   * chaining), e.g. `arn:aws:sts::111111111111:assumed-role/ci-hub/*`. None: no caller may.
   */
  trustedCallers?: string[];
  /** The `sts:ExternalId` the trust policy requires of AssumeRole callers; unchecked when absent. */
  externalId?: string;
}

/**
 * IAM `StringLike`: `*` matches any run of characters (also none), `?` exactly one;
 * `${*}`, `${?}` and `${$}` stand for the literal characters. Case-sensitive, whole string.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
export function matchesStringLike(pattern: string, value: string): boolean {
  let source = "";
  for (const token of pattern.match(/\$\{[*?$]\}|[\s\S]/g) ?? []) {
    if (token === "*") source += "[\\s\\S]*";
    else if (token === "?") source += "[\\s\\S]";
    else source += (token.length === 4 ? token[2] : token).replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`).test(value);
}

/** True when any of `patterns` matches any of `values`. */
export function anyMatch(patterns: string | string[], values: string[]): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((pattern) => values.some((value) => matchesStringLike(pattern, value)));
}

/** A role ARN's parts. */
export interface RoleArn {
  partition: string;
  account: string;
  name: string;
}

/** `arn:<partition>:iam::<12 digits>:role/<optional/path/>name` */
export function parseRoleArn(arn: string): RoleArn | undefined {
  const m = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/([\x21-\x7e]+)$/.exec(arn);
  if (!m) return undefined;
  const name = m[3].slice(m[3].lastIndexOf("/") + 1);
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) return undefined;
  return { partition: m[1], account: m[2], name };
}

/**
 * The API model's length, pattern and range constraints, in the words of AWS's
 * validation errors: "Value 'x' at 'roleSessionName' failed to satisfy constraint:
 * Member must …". Sensitive values (the token, the policy) are left out, as AWS does.
 */
export function constraintProblems(p: {
  roleArn: string;
  sessionName: string;
  token: string;
  durationText: string | null;
  policy: string | null;
}): string[] {
  const problems: string[] = [];
  const fail = (member: string, value: string | undefined, rule: string): void => {
    const shown = value === undefined ? "" : `'${value}' `;
    problems.push(`Value ${shown}at '${member}' failed to satisfy constraint: Member must ${rule}`);
  };
  const length = (member: string, value: string, min: number, max: number, sensitive = false): void => {
    if (value.length < min) fail(member, sensitive ? undefined : value, `have length greater than or equal to ${min}`);
    if (value.length > max) fail(member, sensitive ? undefined : value, `have length less than or equal to ${max}`);
  };
  length("roleArn", p.roleArn, 20, 2048);
  length("roleSessionName", p.sessionName, 2, 64);
  if (!/^[\w+=,.@-]*$/.test(p.sessionName)) {
    fail("roleSessionName", p.sessionName, "satisfy regular expression pattern: [\\w+=,.@-]*");
  }
  length("webIdentityToken", p.token, 4, 20000, true);
  if (p.durationText !== null) {
    const seconds = Number(p.durationText);
    if (!/^\d{1,9}$/.test(p.durationText)) fail("durationSeconds", p.durationText, "be an integer");
    else if (seconds < 900) fail("durationSeconds", p.durationText, "have value greater than or equal to 900");
    else if (seconds > 43200) fail("durationSeconds", p.durationText, "have value less than or equal to 43200");
  }
  if (p.policy !== null) length("policy", p.policy, 1, 2048, true);
  return problems;
}
