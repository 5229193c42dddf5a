// Reading the environment: variables by name (own ones only), and paths expanded with them.
import { isPermissionDenied } from "./errors.ts";
import type { Env } from "./host.ts";

/**
 * The environment variable `name`: `env`'s own value when it is a string, else `undefined`. Every
 * lookup of a variable goes through here, because Node's and Bun's `process.env` and a caller's
 * plain-object env inherit from Object.prototype: `env.constructor` is a function, and a polluted
 * prototype would hand out values nobody set. It reads first and checks ownership only for a string,
 * so an unset variable costs one lookup and a variable Deno may not read throws its `ERR_PERMISSION`
 * naming the flag. @internal
 */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && Object.hasOwn(env, name) ? value : undefined;
}

/**
 * {@linkcode envValue} for a look that may find nothing: detecting a platform. A variable Deno may not
 * read counts as not set (the job is not that platform's), where {@linkcode envValue} would stop with
 * `ERR_PERMISSION`. @internal
 */
export function envProbe(env: Env, name: string): string | undefined {
  try {
    return envValue(env, name);
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === "ERR_PERMISSION" || isPermissionDenied(err)) return undefined;
    throw err;
  }
}

/** Expands `$VAR` / `${VAR}` (unknown ones stay) and then a leading `~`, like Python's os.path. */
export function expandPath(path: string, env: Env): string {
  // String tests before regexes, which a path rarely needs (a regex's first use costs Deno and Bun ~0.05 ms).
  const expanded = !path.includes("$") ? path : path.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith("{") ? name.slice(1, -1) : name;
    return envValue(env, key) ?? whole;
  });
  if (expanded !== "~" && !expanded.startsWith("~/") && !expanded.startsWith("~\\")) return expanded;
  const home = envValue(env, "HOME") || envValue(env, "USERPROFILE");
  return home ? home.replace(/[/\\]+$/, "") + expanded.slice(1) : expanded;
}
