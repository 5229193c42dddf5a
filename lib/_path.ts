import type { Env } from "./host.ts";

/** Expands `$VAR` / `${VAR}` (unknown ones stay) and then a leading `~`, like Python's os.path. */
export function expandPath(path: string, env: Env): string {
  const expanded = path.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith("{") ? name.slice(1, -1) : name;
    return env[key] ?? whole;
  });
  if (!/^~(?=$|[/\\])/.test(expanded)) return expanded;
  const home = env.HOME || env.USERPROFILE;
  return home ? home.replace(/[/\\]+$/, "") + expanded.slice(1) : expanded;
}
