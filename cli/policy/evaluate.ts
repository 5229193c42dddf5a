/**
 * An offline evaluator of a role's trust policy against an OIDC token's claims, by IAM's documented
 * rules for `sts:AssumeRoleWithWebIdentity`: an explicit `Deny` wins; otherwise some `Allow` statement
 * must match its `Principal`, its `Action` and every condition. Pure: no I/O, no clock.
 *
 * It lives in the CLI (`oidc2aws doctor`), not in the library: it is a diagnosis, not something a
 * program should decide access with, and keeping it out of `mod.ts` keeps the library's surface and
 * the bundle's eagerly evaluated code unchanged.
 *
 * Rules: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 *
 * @module
 */
import { ConfigError } from "../../lib/errors.ts";

/** The action a web identity token asks for. */
export const WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity";

/** A token's claims, as decoded from its payload (every claim, not only `iss`, `aud`, `sub`). */
export type Claims = Readonly<Record<string, unknown>>;

/** One condition (operator, key) of a statement, checked. */
export interface ConditionResult {
  /** As written, e.g. `ForAnyValue:StringLike`. */
  operator: string;
  /** As written, e.g. `token.actions.githubusercontent.com:sub`. */
  key: string;
  /** The policy's values for the key. */
  values: string[];
  /** The claim's value as IAM sees it in the request, or `null` when the key is not in the request. */
  claim: string | string[] | null;
  matched: boolean;
  /** Why the key is absent, when it is: the claim IAM does not expose, or the token lacks. */
  absent?: "not-exposed" | "other-provider" | "missing";
}

/** One statement, checked. */
export interface StatementResult {
  sid: string | null;
  effect: "Allow" | "Deny";
  /** Principal, Action and every condition matched. */
  matched: boolean;
  principal: { matched: boolean; values: string[] };
  action: { matched: boolean; values: string[]; not: boolean };
  conditions: ConditionResult[];
}

/** The verdict and each statement's checks. */
export interface Evaluation {
  allowed: boolean;
  statements: StatementResult[];
  /** The token's provider as IAM names it: `iss` without its scheme and trailing slash. */
  provider: string | null;
  /** What to change, when refused. */
  fix?: string;
}

/** A statement as read from the policy (values normalized, paths kept for messages). */
interface Statement {
  sid: string | null;
  effect: "Allow" | "Deny";
  principals: string[];
  actions: string[];
  notAction: boolean;
  conditions: Array<{ operator: string; key: string; values: string[] }>;
}

/** A parsed trust policy. */
export interface TrustPolicy {
  statements: Statement[];
}

/**
 * The claims IAM exposes as condition keys for each provider, beyond `aud` and `sub` (every OIDC
 * provider). GitHub's are those AWS STS added for GitHub Actions in 2026 (actor, repository, …).
 */
const GITHUB_KEYS = [
  "actor",
  "actor_id",
  "job_workflow_ref",
  "repository",
  "repository_id",
  "workflow",
  "ref",
  "environment",
  "enterprise_id",
];

/** Whether a provider (`iss` without scheme) is GitHub's (github.com, an enterprise slug, GHE.com, GHES). */
function isGithubProvider(provider: string): boolean {
  const host = provider.split("/")[0].toLowerCase();
  return host === "token.actions.githubusercontent.com" || /^token\.actions\.[^.]+\.ghe\.com$/.test(host) ||
    /\/_services\/token$/.test(provider);
}

/** The claims IAM exposes as `<provider>:<claim>` for this provider. */
export function exposedClaims(provider: string): string[] {
  if (provider.toLowerCase() === "accounts.google.com") return ["aud", "oaud", "sub", "email"];
  return ["aud", "sub", ...(isGithubProvider(provider) ? GITHUB_KEYS : [])];
}

/**
 * The claim a key reads. Google's are IAM's own: `aud` is the token's `azp` (the client) when it has
 * one, and `oaud` its `aud`.
 */
function claimValue(provider: string, key: string, claims: Claims): unknown {
  if (provider.toLowerCase() === "accounts.google.com") {
    if (key === "aud") return claims.azp ?? claims.aud;
    if (key === "oaud") return claims.aud;
  }
  return claims[key];
}

/** IAM's name for an issuer: no scheme, no trailing slash. */
export function providerOf(iss: string): string {
  return iss.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
}

const SET_PREFIXES = ["ForAnyValue:", "ForAllValues:"] as const;
const BASES = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "Bool",
  "Null",
] as const;
type Base = (typeof BASES)[number];
/** Operators IAM has that this evaluator does not model: named so that the error says so. */
const UNMODELLED = /^(Numeric|Date|Arn|IpAddress|NotIpAddress|Binary)/;

interface Operator {
  set?: "ForAnyValue" | "ForAllValues";
  base: Base;
  ifExists: boolean;
}

function invalid(path: string, problem: string): ConfigError {
  return new ConfigError("ERR_CONFIG_INVALID", `The trust policy's ${path} ${problem}`, { key: path });
}

function parseOperator(name: string, path: string): Operator {
  let rest = name;
  let set: Operator["set"];
  for (const prefix of SET_PREFIXES) {
    if (rest.toLowerCase().startsWith(prefix.toLowerCase())) {
      set = prefix.slice(0, -1) as Operator["set"];
      rest = rest.slice(prefix.length);
    }
  }
  const ifExists = /IfExists$/i.test(rest) && !/^Null$/i.test(rest);
  if (ifExists) rest = rest.slice(0, -"IfExists".length);
  const base = BASES.find((b) => b.toLowerCase() === rest.toLowerCase());
  if (!base) {
    if (UNMODELLED.test(rest)) throw invalid(path, `uses ${name}, an operator oidc2aws doctor does not model`);
    throw invalid(path, `is not an IAM condition operator (use StringEquals, StringLike, … or Null)`);
  }
  if (base === "Null" && (set || ifExists)) throw invalid(path, "combines Null with a set prefix or IfExists");
  return { set, base, ifExists };
}

/** A JSON value as a list of strings (a string, a number, a boolean, or a list of them). */
function stringList(value: unknown, path: string, what: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length === 0) throw invalid(path, `is an empty list: give at least one ${what}`);
  return list.map((item, i) => {
    if (typeof item === "string") return item;
    if (typeof item === "number" || typeof item === "boolean") return String(item);
    throw invalid(Array.isArray(value) ? `${path}[${i}]` : path, `must be a string or a list of strings`);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses a trust policy: the document IAM shows, or the `aws iam get-role` output around it
 * (`{"Role": {"AssumeRolePolicyDocument": …}}`, the document possibly URL-encoded). Throws
 * `ERR_CONFIG_INVALID` naming the JSON path of the problem, e.g. `Statement[1].Condition.StringLike`.
 *
 * @example
 * ```ts
 * import { parseTrustPolicy } from "./evaluate.ts";
 * const policy = parseTrustPolicy('{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:*"}}');
 * console.log(policy.statements.length); // 1
 * ```
 */
export function parseTrustPolicy(text: string): TrustPolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ConfigError("ERR_CONFIG_INVALID", `The trust policy is not JSON (${(err as Error).message})`);
  }
  if (isObject(document) && isObject(document.Role)) document = document.Role;
  if (isObject(document) && "AssumeRolePolicyDocument" in document) {
    let inner = document.AssumeRolePolicyDocument;
    if (typeof inner === "string") {
      try {
        inner = JSON.parse(inner.trimStart().startsWith("{") ? inner : decodeURIComponent(inner));
      } catch {
        throw invalid("AssumeRolePolicyDocument", "is a string that is not a (URL-encoded) JSON policy");
      }
    }
    document = inner;
  }
  if (!isObject(document)) throw new ConfigError("ERR_CONFIG_INVALID", "The trust policy is not a JSON object");
  const raw = document.Statement;
  if (raw === undefined) throw invalid("Statement", "is missing");
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw invalid("Statement", "is an empty list");
  return { statements: list.map((s, i) => parseStatement(s, Array.isArray(raw) ? `Statement[${i}]` : "Statement")) };
}

function parseStatement(raw: unknown, path: string): Statement {
  if (!isObject(raw)) throw invalid(path, "is not an object");
  const effect = raw.Effect;
  if (effect !== "Allow" && effect !== "Deny") throw invalid(`${path}.Effect`, `must be "Allow" or "Deny"`);
  if (raw.Sid !== undefined && typeof raw.Sid !== "string") throw invalid(`${path}.Sid`, "must be a string");
  if ("NotPrincipal" in raw) throw invalid(`${path}.NotPrincipal`, "is not modelled by oidc2aws doctor");
  const principals = parsePrincipal(raw.Principal, `${path}.Principal`);
  if ("Action" in raw === "NotAction" in raw) throw invalid(path, "needs exactly one of Action and NotAction");
  const notAction = "NotAction" in raw;
  const actionPath = `${path}.${notAction ? "NotAction" : "Action"}`;
  const actions = stringList(notAction ? raw.NotAction : raw.Action, actionPath, "action");
  const conditions: Statement["conditions"] = [];
  if (raw.Condition !== undefined) {
    if (!isObject(raw.Condition)) throw invalid(`${path}.Condition`, "is not an object");
    for (const [operator, block] of Object.entries(raw.Condition)) {
      const opPath = `${path}.Condition.${operator}`;
      const parsed = parseOperator(operator, opPath);
      if (!isObject(block)) throw invalid(opPath, "is not an object of condition keys");
      for (const [key, value] of Object.entries(block)) {
        const values = stringList(value, `${opPath}["${key}"]`, "value");
        if (parsed.base === "Null" || parsed.base === "Bool") {
          const bad = values.find((v) => v !== "true" && v !== "false");
          if (bad !== undefined) throw invalid(`${opPath}["${key}"]`, `must be "true" or "false"`);
        }
        conditions.push({ operator, key, values });
      }
    }
  }
  return { sid: typeof raw.Sid === "string" ? raw.Sid : null, effect, principals, actions, notAction, conditions };
}

function parsePrincipal(raw: unknown, path: string): string[] {
  if (raw === undefined) throw invalid(path, "is missing (a trust policy names who may assume the role)");
  if (raw === "*") return ["*"];
  if (!isObject(raw)) throw invalid(path, `must be "*" or an object such as {"Federated": "arn:…:oidc-provider/…"}`);
  const out: string[] = [];
  for (const [type, value] of Object.entries(raw)) {
    const values = stringList(value, `${path}.${type}`, "principal");
    if (type === "Federated") out.push(...values);
    else if (type === "AWS" && values.includes("*")) out.push("*");
    else if (!["AWS", "Service", "CanonicalUser"].includes(type)) {
      throw invalid(`${path}.${type}`, "is not a principal type (Federated, AWS, Service)");
    }
  }
  return out;
}

/**
 * IAM `StringLike`: `*` any run of characters, `?` exactly one; `${*}`, `${?}` and `${$}` the
 * characters themselves. Case-sensitive, whole string (`ignoreCase` for action names).
 */
export function stringLike(pattern: string, value: string, ignoreCase = false): boolean {
  let source = "";
  for (const token of pattern.match(/\$\{[*?$]\}|[\s\S]/g) ?? []) {
    if (token === "*") source += "[\\s\\S]*";
    else if (token === "?") source += "[\\s\\S]";
    else source += (token.length === 4 ? token[2] : token).replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

/** Whether one request value satisfies a (non-Null) base operator for the policy's values. */
function satisfies(base: Base, policy: string[], value: string): boolean {
  switch (base) {
    case "StringEquals":
      return policy.includes(value);
    case "StringNotEquals":
      return !policy.includes(value);
    case "StringEqualsIgnoreCase":
      return policy.some((p) => p.toLowerCase() === value.toLowerCase());
    case "StringNotEqualsIgnoreCase":
      return !policy.some((p) => p.toLowerCase() === value.toLowerCase());
    case "StringLike":
      return policy.some((p) => stringLike(p, value));
    case "StringNotLike":
      return !policy.some((p) => stringLike(p, value));
    case "Bool":
      return policy.some((p) => p === value.toLowerCase());
    default:
      return false;
  }
}

const NEGATED = new Set<Base>(["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike"]);

/** The request's values for a condition key, or why there are none. */
function requestValues(
  key: string,
  provider: string | null,
  claims: Claims,
): { values: string[] | null; absent?: ConditionResult["absent"]; listValued?: boolean } {
  const at = key.lastIndexOf(":");
  const prefix = key.slice(0, at);
  const claim = key.slice(at + 1);
  if (at < 0 || provider === null || prefix.toLowerCase() !== provider.toLowerCase()) {
    return { values: null, absent: "other-provider" };
  }
  const name = exposedClaims(provider).find((c) => c === claim.toLowerCase());
  if (!name) return { values: null, absent: "not-exposed" };
  const value = claimValue(provider, name, claims);
  if (value === undefined || value === null) return { values: null, absent: "missing" };
  const list = Array.isArray(value) ? value : [value];
  return {
    values: list.map((v) => (typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v))),
    listValued: Array.isArray(value),
  };
}

function checkCondition(
  condition: Statement["conditions"][number],
  provider: string | null,
  claims: Claims,
): ConditionResult {
  const op = parseOperator(condition.operator, condition.operator);
  const { values, absent, listValued } = requestValues(condition.key, provider, claims);
  const claim = values === null ? null : values.length === 1 && !listValued ? values[0] : values;
  let matched: boolean;
  if (op.base === "Null") {
    // "true": the key must be absent; "false": present. Several values: any may hold.
    matched = condition.values.some((v) => (v === "true") === (values === null));
  } else if (values === null) {
    matched = op.ifExists || op.set === "ForAllValues" || (op.set === undefined && NEGATED.has(op.base));
  } else if (op.set === "ForAllValues") {
    matched = values.every((v) => satisfies(op.base, condition.values, v));
  } else {
    // ForAnyValue, and a list-valued claim without a set prefix: any value may satisfy it.
    matched = values.some((v) => satisfies(op.base, condition.values, v));
  }
  return {
    operator: condition.operator,
    key: condition.key,
    values: condition.values,
    claim,
    matched,
    ...(absent ? { absent } : {}),
  };
}

function claimName(key: string): string {
  return key.slice(key.lastIndexOf(":") + 1).toLowerCase();
}

/** Whether a `Principal` value names the token's provider: `*`, `arn:…:oidc-provider/<provider>`, or a built-in one. */
function principalMatches(principal: string, provider: string | null): boolean {
  if (principal === "*") return true;
  // Providers built into IAM are named as themselves ("Federated": "accounts.google.com").
  if (provider !== null && principal.toLowerCase() === provider.toLowerCase()) return true;
  const m = /^arn:[^:]+:iam::[^:]*:oidc-provider\/(.+)$/.exec(principal);
  return m !== null && provider !== null && m[1].replace(/\/+$/, "").toLowerCase() === provider.toLowerCase();
}

/**
 * Evaluates a parsed trust policy against a token's claims.
 *
 * @example
 * ```ts
 * import { evaluateTrustPolicy, parseTrustPolicy } from "./evaluate.ts";
 * const policy = parseTrustPolicy(JSON.stringify({
 *   Statement: [{
 *     Effect: "Allow",
 *     Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
 *     Action: "sts:AssumeRoleWithWebIdentity",
 *     Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:o/r:*" } },
 *   }],
 * }));
 * const claims = { iss: "https://token.actions.githubusercontent.com", sub: "repo:o/r:pull_request" };
 * console.log(evaluateTrustPolicy(policy, claims).allowed); // true
 * ```
 */
export function evaluateTrustPolicy(policy: TrustPolicy, claims: Claims): Evaluation {
  const provider = typeof claims.iss === "string" ? providerOf(claims.iss) : null;
  const statements = policy.statements.map((s): StatementResult => {
    const principal = { matched: s.principals.some((p) => principalMatches(p, provider)), values: s.principals };
    const named = s.actions.some((a) => stringLike(a, WEB_IDENTITY_ACTION, true));
    const action = { matched: s.notAction ? !named : named, values: s.actions, not: s.notAction };
    const conditions = s.conditions.map((c) => checkCondition(c, provider, claims));
    return {
      sid: s.sid,
      effect: s.effect,
      matched: principal.matched && action.matched && conditions.every((c) => c.matched),
      principal,
      action,
      conditions,
    };
  });
  const denied = statements.some((s) => s.effect === "Deny" && s.matched);
  const allowed = !denied && statements.some((s) => s.effect === "Allow" && s.matched);
  const evaluation: Evaluation = { allowed, statements, provider };
  if (!allowed) evaluation.fix = fixFor(statements, provider);
  return evaluation;
}

/** A value for a message: quoted JSON, one line. */
function shown(value: unknown): string {
  return JSON.stringify(value);
}

/** Why a GitHub `sub` has its shape, for the fix. */
function subjectReason(sub: string): { why: string; pattern?: string } | undefined {
  const m = /^(repo:[^:]+\/[^:]+):(.*)$/.exec(sub);
  if (!m) return undefined;
  const [, repo, rest] = m;
  const pattern = `${repo}:*`;
  if (rest.startsWith("environment:")) return { why: "because the job uses an environment", pattern };
  if (rest === "pull_request") return { why: "because the job runs for a pull request", pattern };
  if (rest.startsWith("ref:refs/heads/")) return { why: "because the job runs on a branch", pattern };
  if (rest.startsWith("ref:refs/tags/")) return { why: "because the job runs on a tag", pattern };
  return { why: "", pattern };
}

/** The concrete change that would admit the token, from the closest Allow statement's first failure. */
function fixFor(statements: StatementResult[], provider: string | null): string {
  const deny = statements.find((s) => s.effect === "Deny" && s.matched);
  if (deny) {
    const name = deny.sid === null ? `statement ${statements.indexOf(deny) + 1}` : `statement ${shown(deny.sid)}`;
    return `${name} denies this token explicitly, and a Deny wins over every Allow: narrow its conditions`;
  }
  const allows = statements.filter((s) => s.effect === "Allow");
  if (allows.length === 0) return "the policy has no Allow statement: add one for sts:AssumeRoleWithWebIdentity";
  const score = (s: StatementResult) =>
    (s.principal.matched ? 0 : 10) + (s.action.matched ? 0 : 10) + s.conditions.filter((c) => !c.matched).length;
  const best = allows.reduce((a, b) => (score(b) < score(a) ? b : a));
  if (provider === null) return "the token has no iss claim: STS refuses it before the trust policy";
  if (!best.principal.matched) {
    return `Principal.Federated must be the OIDC provider of the token's issuer: ` +
      `arn:aws:iam::ACCOUNT_ID:oidc-provider/${provider} (it is ${best.principal.values.join(", ") || "none"})`;
  }
  if (!best.action.matched) return `Action must include ${WEB_IDENTITY_ACTION}`;
  const failed = best.conditions.find((c) => !c.matched)!;
  const claim = claimName(failed.key);
  if (failed.absent === "other-provider") {
    return `the condition key ${failed.key} is not one of this token's provider (${provider}): ` +
      `use ${provider}:${claim}`;
  }
  if (failed.absent === "not-exposed") {
    return `IAM does not expose the claim ${claim} of ${provider} as a condition key, so ${failed.operator} on ` +
      `${failed.key} can never match: test ${provider}:sub instead`;
  }
  if (failed.absent === "missing") {
    return `the token has no ${claim} claim, so ${failed.operator} on ${failed.key} cannot match`;
  }
  const value = failed.claim;
  if (claim === "sub" && typeof value === "string") {
    const reason = subjectReason(value);
    const like = reason?.pattern ? `, or match ${reason.pattern} with StringLike` : "";
    return `sub is ${value}${reason?.why ? ` ${reason.why}` : ""}: add that value to ${failed.operator}${like}`;
  }
  if (claim === "aud") {
    return `aud is ${Array.isArray(value) ? value.join(", ") : value}: add it to ${failed.operator} on ${failed.key} ` +
      "(and to the OIDC provider's audiences), or ask for the audience the policy expects";
  }
  return `${claim} is ${Array.isArray(value) ? value.join(", ") : value}: ${failed.operator} on ${failed.key} ` +
    `expects ${failed.values.join(", ")}`;
}
