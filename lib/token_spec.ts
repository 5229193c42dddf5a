/**
 * Where a profile's OIDC token comes from: the `web_identity_token_server` grammar of the seed
 * proposal, and token files.
 *
 * @module
 */
import { ConfigError, describeOrigin, type ValueOrigin } from "./errors.ts";

/** The audience asked for when a token-server value names none: what AWS's GitHub OIDC setup expects. */
export const DEFAULT_AUDIENCE = "sts.amazonaws.com";

/** A token requested from a CI token server over HTTP (the GitHub Actions protocol). */
export interface ServerTokenSpec {
  type: "server";
  /** The known server's name (`GitHub`), or `undefined` for the manual form. */
  name: "GitHub" | undefined;
  /** The name of the env var that holds the token request URL. */
  urlEnv: string;
  /** The name of the env var that holds the request bearer token. */
  tokenEnv: string;
  /** The audience to ask for; `undefined` sends none (the server's default). */
  audience: string | undefined;
}

/** A token read from a file on every call (EKS IRSA, self-hosted runners). */
export interface FileTokenSpec {
  type: "file";
  /** The file's path. */
  path: string;
}

/** Where to get the OIDC token. */
export type TokenSpec = ServerTokenSpec | FileTokenSpec;

const KNOWN_SERVERS: Record<string, { name: "GitHub"; urlEnv: string; tokenEnv: string }> = {
  github: { name: "GitHub", urlEnv: "ACTIONS_ID_TOKEN_REQUEST_URL", tokenEnv: "ACTIONS_ID_TOKEN_REQUEST_TOKEN" },
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const FORMS = "GitHub, GitHub,AUDIENCE, URL_ENV,TOKEN_ENV or URL_ENV,TOKEN_ENV,AUDIENCE " +
  "(URL_ENV and TOKEN_ENV are the names of the environment variables that hold the token request URL and bearer)";

/**
 * Parses a `web_identity_token_server` value (the seed's grammar).
 *
 * | value | meaning |
 * |---|---|
 * | `GitHub` | GitHub Actions' token server, audience `sts.amazonaws.com` |
 * | `GitHub,AUDIENCE` | the same, asking for AUDIENCE (empty: the server's default) |
 * | `URL_ENV,TOKEN_ENV` | any server speaking GitHub's protocol: the names of the env vars holding URL and bearer |
 * | `URL_ENV,TOKEN_ENV,AUDIENCE` | the same with an audience (it may contain commas) |
 *
 * Known names match case-insensitively; whitespace around each part is ignored; three parts are
 * always the manual form.
 *
 * @example
 * ```ts
 * import { parseTokenServer } from "oidc2aws";
 * console.log(parseTokenServer("GitHub,sigstore").audience); // "sigstore"
 * console.log(parseTokenServer("MY_URL,MY_TOKEN").urlEnv); // "MY_URL"
 * ```
 */
export function parseTokenServer(
  value: string,
  origin: ValueOrigin = { key: "web_identity_token_server" },
): ServerTokenSpec {
  const where = describeOrigin(origin);
  const fail = (problem: string): never => {
    throw new ConfigError("ERR_CONFIG_INVALID", `${where} ${problem}`, {
      file: origin.file,
      profile: origin.profile,
      key: origin.envVar ?? origin.key,
    });
  };
  if (value.trim() === "") fail(`is empty: use ${FORMS}`);
  const first = value.indexOf(",");
  const second = first < 0 ? -1 : value.indexOf(",", first + 1);
  const parts = first < 0
    ? [value]
    : second < 0
    ? [value.slice(0, first), value.slice(first + 1)]
    : [value.slice(0, first), value.slice(first + 1, second), value.slice(second + 1)];
  const trimmed = parts.map((part) => part.trim());
  const known = KNOWN_SERVERS[trimmed[0].toLowerCase()];
  if (trimmed.length === 1) {
    if (!known) fail(`names an unknown token server ${JSON.stringify(clip(trimmed[0]))}: use ${FORMS}`);
    return {
      type: "server",
      name: known.name,
      urlEnv: known.urlEnv,
      tokenEnv: known.tokenEnv,
      audience: DEFAULT_AUDIENCE,
    };
  }
  if (trimmed.length === 2 && known) {
    return {
      type: "server",
      name: known.name,
      urlEnv: known.urlEnv,
      tokenEnv: known.tokenEnv,
      audience: trimmed[1] || undefined,
    };
  }
  const [urlEnv, tokenEnv] = trimmed;
  for (const name of [urlEnv, tokenEnv]) {
    if (!ENV_NAME.test(name)) {
      fail(
        `has ${
          name === "" ? "an empty part" : JSON.stringify(clip(name))
        } where the name of an environment variable belongs: use ${FORMS}`,
      );
    }
  }
  const audience = trimmed.length === 3 ? trimmed[2] || undefined : DEFAULT_AUDIENCE;
  return { type: "server", name: undefined, urlEnv, tokenEnv, audience };
}

/** Shortens a value for a message; a value that looks like a JWT is not shown at all. */
export function clip(value: string): string {
  if (/^[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/.test(value)) return "<a token, not shown>";
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
