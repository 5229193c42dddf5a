/**
 * The emulator with a fixed delay before every response, for the "20 profiles at once" figure with
 * network latency: `node --import tsx bench/cases/latency_emulator.ts MS`. Prints the same `export` lines
 * as emulator/main.ts (every role trusted) and stops on SIGTERM or SIGINT.
 *
 * @module
 */
import process from "node:process";
import { startEmulator } from "../../emulator/mod.ts";

const emulator = await startEmulator({ latencyMs: Number(process.argv[2] ?? 25) });
const stop = (): void => void emulator.stop().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
process.stdout.write(Object.entries(emulator.env).map(([name, value]) => `export ${name}=${quote(value)}\n`).join(""));
process.stderr.write(`latency emulator listening on ${emulator.url}\n`);
