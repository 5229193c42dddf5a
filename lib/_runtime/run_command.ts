/**
 * Running commands with `node:child_process` (all three runtimes have it): token commands, captured
 * and stopped with their whole process group at the deadline, and `exec`'s command, with inherited
 * stdio and the caller's signals forwarded. Imported on first use only.
 *
 * @module
 */
import { isPermissionDenied, PermissionError } from "../errors.ts";
import type { RunCommand } from "../host.ts";
import { FORWARDED_SIGNALS, type SpawnResult } from "./mod.ts";

interface NodeReadable {
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  destroy(): void;
}
interface NodeChild {
  pid?: number;
  stdout: NodeReadable | null;
  stderr: NodeReadable | null;
  on(event: "exit" | "close", listener: (code: number | null, signal: string | null) => void): void;
  on(event: "error", listener: (err: Error & { code?: string }) => void): void;
  kill(signal: string): boolean;
}
interface NodeChildProcess {
  spawn(
    command: string,
    args: string[],
    options: {
      stdio: "inherit" | ["ignore", "pipe", "pipe"];
      env: Record<string, string>;
      detached?: boolean;
      windowsHide?: boolean;
    },
  ): NodeChild;
}
interface NodeProcess {
  kill(pid: number, signal: string): void;
}

function childProcess(): Promise<NodeChildProcess> {
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  return import("node:child_process") as Promise<NodeChildProcess>;
}

/** The most a token command may print (stdout and stderr together). */
const COMMAND_OUTPUT_LIMIT = 1024 * 1024;
/** After SIGTERM at the deadline, the command's process group gets this long before SIGKILL. */
const KILL_GRACE_MS = 500;
/** After the command exits, how long its output pipes may stay open (held by a child it left). */
const EXIT_GRACE_MS = 200;

/**
 * Runs a command without a shell. At the deadline (or when the signal aborts) it answers at once and
 * stops the command's whole process group: SIGTERM, then SIGKILL after a short grace, so neither a
 * command that ignores SIGTERM nor a child it left behind holding stdout can keep the caller waiting.
 */
export async function runCommand(
  command: string,
  args: string[],
  options: Parameters<RunCommand>[2],
  windows: boolean,
): ReturnType<RunCommand> {
  const { spawn } = await childProcess();
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  const { default: proc } = await (import("node:process") as Promise<{ default: NodeProcess }>);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) env[name] = value;
  let child: NodeChild;
  try {
    // detached: its own process group (POSIX), so that the group can be stopped as a whole.
    child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: !windows, windowsHide: true });
  } catch (err) {
    throw commandError(err);
  }
  const stop = (): void => {
    const signal = (name: string): void => {
      try {
        if (!windows && child.pid !== undefined) proc.kill(-child.pid, name);
        else child.kill(name);
      } catch {
        // already gone
      }
    };
    signal("SIGTERM");
    setTimeout(() => signal("SIGKILL"), KILL_GRACE_MS);
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  return await captured(child, stop, options);
}

/** Collects a started command's output until it ends, overflows, times out or is aborted. */
function captured(child: NodeChild, stop: () => void, options: Parameters<RunCommand>[2]): ReturnType<RunCommand> {
  return new Promise((resolve, reject) => {
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    let exitTimer: ReturnType<typeof setTimeout> | undefined;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(exitTimer);
      options.signal?.removeEventListener("abort", onAbort);
      action();
    };
    const collect = (into: Uint8Array[]) => (chunk: Uint8Array): void => {
      size += chunk.length;
      if (size > COMMAND_OUTPUT_LIMIT) {
        stop();
        const error = Object.assign(new Error(`it printed more than ${COMMAND_OUTPUT_LIMIT} bytes`), {
          code: "EOVERFLOW",
        });
        return settle(() => reject(error));
      }
      into.push(chunk);
    };
    child.stdout?.on("data", collect(out));
    child.stderr?.on("data", collect(err));
    child.on("error", (error) => settle(() => reject(commandError(error))));
    const done = (code: number | null, timedOut = false) => (): void =>
      resolve({ code, stdout: text(out), stderr: text(err), timedOut });
    child.on("close", (code) => settle(done(code)));
    // The command exited but something it started still holds its output open: take what is in the
    // pipes, then stop the rest of its group.
    child.on("exit", (code) => {
      if (settled) return;
      exitTimer = setTimeout(() => {
        if (settled) return;
        stop();
        settle(done(code));
      }, EXIT_GRACE_MS);
    });
    const timer = setTimeout(() => {
      stop();
      settle(done(null, true));
    }, options.timeoutMs);
    const onAbort = (): void => {
      stop();
      settle(() => reject(options.signal!.reason));
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function text(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
}

/** How a runtime lets a process listen to signals. */
export interface SignalApi {
  add(signal: string, handler: () => void): void;
  remove(signal: string, handler: () => void): void;
}

/**
 * Runs a command with inherited stdio, passing on every signal of FORWARDED_SIGNALS to it until it
 * exits (so that oidc2aws never ends before it); resolves its exit, with the shell's status.
 */
export async function spawnInherit(
  command: string,
  args: string[],
  env: Record<string, string>,
  signals: SignalApi,
): Promise<SpawnResult> {
  const { spawn } = await childProcess();
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  const { constants } = await (import("node:os") as Promise<{ constants: { signals: Record<string, number> } }>);
  const denied = (err: unknown) => deniedRun(err, JSON.stringify(command), `--allow-run=${command}`) ?? err;
  let child: NodeChild;
  try {
    child = spawn(command, args, { stdio: "inherit", env });
  } catch (err) {
    throw denied(err);
  }
  const stop = forwardSignals(signals, (signal) => void child.kill(signal), constants.signals);
  return new Promise((resolve, reject) => {
    child.on("error", (err) => {
      stop();
      reject(denied(err));
    });
    child.on("exit", (code, signal) => {
      stop();
      resolve({ code, signal, status: code ?? 128 + (constants.signals[signal ?? ""] ?? 0) });
    });
  });
}

/**
 * Listens to every signal of FORWARDED_SIGNALS this platform has (per `known`, when given) and
 * passes each on with `send`; returns what stops listening. @internal
 */
export function forwardSignals(
  signals: SignalApi,
  send: (signal: string) => void,
  known?: Record<string, number>,
): () => void {
  const listening: Array<[string, () => void]> = [];
  for (const signal of FORWARDED_SIGNALS) {
    if (known && known[signal] === undefined) continue;
    const handler = () => {
      try {
        send(signal);
      } catch {
        // The command has just exited: nothing left to signal.
      }
    };
    try {
      signals.add(signal, handler);
      listening.push([signal, handler]);
    } catch {
      // A signal this platform has but may not be caught here (Windows lacks most).
    }
  }
  return () => {
    for (const [signal, handler] of listening) signals.remove(signal, handler);
  };
}

/** Deno's refusal to run a command (no --allow-run) as ERR_PERMISSION naming the flag; else undefined. */
function deniedRun(err: unknown, what: string, flag: string): PermissionError | undefined {
  if (!isPermissionDenied(err)) return undefined;
  return new PermissionError(`Deno denied running ${what}: run with --allow-run (or ${flag})`);
}

/**
 * A token command that could not start, reduced to what is safe to show: its errno code (ENOENT,
 * EACCES) and no arguments (the raw error lists them, and the command is not quoted in case a
 * token was pasted there). Deno's permission refusal becomes ERR_PERMISSION.
 */
function commandError(err: unknown): Error {
  const denied = deniedRun(err, "the token command", "--allow-run=<the command's name>");
  if (denied) return denied;
  const code = (err as { code?: unknown })?.code;
  return Object.assign(new Error(typeof code === "string" ? code : "it could not be started"), {
    code: typeof code === "string" ? code : undefined,
  });
}
