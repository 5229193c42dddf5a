/**
 * The credentials oidc2aws hands out: the AWS SDK v3 identity shape plus facts about the session,
 * with the secret parts hidden from `console.log`, `util.inspect`, `Deno.inspect` and `JSON.stringify`.
 *
 * @module
 */
import type { TokenClaims } from "./errors.ts";
import type { AssumeRoleWithWebIdentityResult } from "./sts.ts";

/** Temporary AWS credentials for an assumed role (what an AWS SDK v3 credential provider returns). */
export interface Credentials {
  /** The access key id (`ASIA...`): not secret, shown in logs and CloudTrail. */
  accessKeyId: string;
  /** Secret: never shown by `console.log` or `JSON.stringify`. */
  secretAccessKey: string;
  /** Secret: never shown by `console.log` or `JSON.stringify`. */
  sessionToken: string;
  /** When these credentials stop working (STS's `Expiration`); a provider refreshes them before then. */
  expiration: Date;
  /** The 12-digit AWS account of the assumed role (from the assumed-role ARN). */
  accountId: string;
  /** The role that was assumed. */
  roleArn: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  assumedRoleArn: string;
  /** `ROLEID:SESSION` (`AROA...:SESSION`), the id IAM policies match as `aws:userid`, when STS sent it. */
  assumedRoleId?: string;
  /** The session name sent to STS (`role_session_name`, or one oidc2aws made up); part of `assumedRoleArn`. */
  roleSessionName: string;
  /** The profile the role came from. */
  profile?: string;
  /** The OIDC token's subject, as STS read it. */
  subject?: string;
  /** The token's audience, as STS read it (the IAM OIDC provider's client id, e.g. `sts.amazonaws.com`). */
  audience?: string;
  /** The IAM OIDC provider that vouched for the token, as STS names it (its ARN). */
  provider?: string;
  /** The session's source identity, set by the token's `https://aws.amazon.com/source_identity` claim. */
  sourceIdentity?: string;
  /** STS's request id for the last call, to quote to AWS support or find in CloudTrail. */
  requestId?: string;
  /** The claims of the OIDC token that was traded (`iss`, `aud`, `sub`, `exp`, ...; never the token). */
  claims?: TokenClaims;
  /** Where the token came from, e.g. `GitLab: env STS_AMAZONAWS_COM_ID_TOKEN` (`auto` resolved). */
  tokenSource?: string;
  /**
   * A chained profile's roles before this one, first to last (the web identity role first): who
   * assumed this role. Absent for a web identity profile.
   */
  chain?: ChainHop[];
  /** `Environment` when the chain started from the environment's keys (`credential_source`). */
  credentialSource?: "Environment";
}

/** One role of a chain, as assumed on the way to the last one (no secret). */
export interface ChainHop {
  /** The profile that names the role. */
  profile?: string;
  /** The role assumed. */
  roleArn: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`: the caller of the next hop. */
  assumedRoleArn: string;
  /** The account of that role. */
  accountId: string;
  /** When that hop's credentials expire. */
  expiration: Date;
}

const REDACTED = "<redacted>";

/** Credentials whose secret fields stay out of logs (its fields are those of {@linkcode Credentials}). */
interface AwsCredentials extends Credentials {}
class AwsCredentials {
  /** What logs see: everything but the secret key and the session token. */
  toJSON(): Record<string, unknown> {
    return { ...(this as Credentials), secretAccessKey: REDACTED, sessionToken: REDACTED };
  }

  // Node and Bun call this as (depth, options, inspect); Deno's hook below as (inspect, options).
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: unknown,
    options: unknown,
    inspect?: (v: unknown, o: unknown) => string,
  ): unknown {
    const visible = { ...this.toJSON(), expiration: this.expiration };
    return typeof inspect === "function" ? `Credentials ${inspect(visible, options)}` : visible;
  }

  [Symbol.for("Deno.customInspect")](inspect: (v: unknown, o: unknown) => string, options: unknown): string {
    return `Credentials ${inspect({ ...this.toJSON(), expiration: this.expiration }, options)}`;
  }
}

/**
 * Builds {@linkcode Credentials} from an STS result. `claims` is read on the first access of
 * `credentials.claims` (then kept as a plain value): see `claimsOf` in ./assume.ts. @internal
 */
export function makeCredentials(
  result: AssumeRoleWithWebIdentityResult,
  fields: {
    roleArn: string;
    roleSessionName: string;
    profile?: string;
    claims?: () => TokenClaims | undefined;
    tokenSource?: string;
  },
): Credentials {
  const credentials = new AwsCredentials();
  const { packedPolicySize: _packed, ...rest } = result;
  const { claims, ...named } = fields;
  Object.assign(credentials, rest, named);
  if (claims) {
    const settle = (target: object, value: TokenClaims | undefined) =>
      Object.defineProperty(target, "claims", { value, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(credentials, "claims", {
      enumerable: true,
      configurable: true,
      get(this: object) {
        const value = claims();
        settle(this, value);
        return value;
      },
      set(this: object, value: TokenClaims | undefined) {
        settle(this, value);
      },
    });
  }
  return credentials;
}
