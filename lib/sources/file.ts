/**
 * Token files (`web_identity_token_file`, `AWS_WEB_IDENTITY_TOKEN_FILE`): Kubernetes (EKS IRSA) and
 * any platform that writes the token to a file. Read on every call, since it may be rotated.
 *
 * @module
 */
import { Oidc2AwsError, PermissionError, TokenError } from "../errors.ts";
import type { ReadFile } from "../host.ts";
import { envValue } from "../_path.ts";
import { clip } from "../_redact.ts";
import type { FileTokenSpec } from "../token_spec.ts";
import type { TokenSource } from "./registry.ts";

/** The token-file source; `auto` takes it where `AWS_WEB_IDENTITY_TOKEN_FILE` is set. */
export const file: TokenSource<FileTokenSpec> = {
  detect: (env) => ({ type: "file", path: envValue(env, "AWS_WEB_IDENTITY_TOKEN_FILE")! }),
  obtain: (spec, host) => readTokenFile(spec.path, host.readFile),
  binding: async (spec, _env, readFile) => ({
    file: (await readFile(spec.path).catch(() => undefined)) ?? "",
  }),
  describe: (spec) => `token file ${spec.path}`,
};

/**
 * The token in a file: trimmed, and not empty. The path is read whatever it looks like; `clip` only
 * decides how messages show it (a token pasted into the setting is not shown, even where the
 * reader's own error quotes it).
 */
export async function readTokenFile(rawPath: string, readFile: ReadFile): Promise<string> {
  const path = clip(rawPath);
  let text: string | undefined;
  try {
    text = await readFile(rawPath);
  } catch (cause) {
    const hidden = path.startsWith("<");
    const shown = (message: string) => (hidden ? message.split(rawPath).join(path) : message);
    if (cause instanceof PermissionError && hidden) throw new PermissionError(shown(cause.message));
    if (cause instanceof Oidc2AwsError) throw cause;
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `Cannot read the web identity token file ${path}: ${shown(String((cause as Error)?.message ?? cause))}`,
    );
  }
  if (text === undefined) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `The web identity token file ${path} does not exist: check web_identity_token_file / AWS_WEB_IDENTITY_TOKEN_FILE`,
    );
  }
  const token = text.trim();
  if (token === "") {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `The web identity token file ${path} is empty: it should hold the OIDC token`,
    );
  }
  return token;
}
