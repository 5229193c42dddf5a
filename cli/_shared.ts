/**
 * What the rarely used commands (`doctor`, `trust-policy`), built as files of their own, take from
 * dist/cli.js rather than carry a copy of: one copy of each class, so that `instanceof` holds (see
 * scripts/build.mjs). Every run parses ~20 kB less for it.
 *
 * @module
 */
export { CliError, ConfigError } from "../lib/errors.ts";
export { decodePayload } from "../lib/jwt.ts";
export { getToken } from "../lib/token.ts";
export { oneLine } from "../lib/_redact.ts";
