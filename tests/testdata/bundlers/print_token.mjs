// The token command of the web_identity_token_process profile: prints the token in token.txt next to it.
import { readFileSync } from "node:fs";

process.stdout.write(readFileSync(new URL("./token.txt", import.meta.url), "utf8") + "\n");
