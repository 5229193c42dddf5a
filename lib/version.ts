/** The version of oidc2aws (kept equal to package.json and deno.json by a test). */
export const VERSION = "0.1.0";
