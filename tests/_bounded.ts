// Bounded waits for the hardening tests: a subprocess that must exit on its own (a hang is a test
// failure, not a test hang), and a raw TCP server that answers with whatever bytes a scenario needs
// (a stalled body, a drip, a broken chunk) and tells when the client closed the connection.
import { spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";

/** How a bounded run ended: `hung` when the kill-timer had to stop it. */
export interface BoundedRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  hung: boolean;
}

/** Runs a command; after `killAfterMs` it is killed (SIGKILL) and reported as hung. */
export function runBounded(
  command: string,
  args: string[],
  options: { env: Record<string, string>; killAfterMs?: number; cwd?: string; input?: string },
): Promise<BoundedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, options.killAfterMs ?? 8000);
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    // Both pipes at their end: all the process wrote has been read.
    const drained = Promise.all(
      [child.stdout!, child.stderr!].map((pipe) => new Promise((end) => pipe.on("close", end))),
    );
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'exit', not 'close': a grandchild holding the pipes must not count as our process running. What
    // the process wrote is read to the pipes' end, or for at most 2 s if a grandchild keeps them open
    // (a fixed short wait could cut the output of a process on a loaded machine).
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      let grace: ReturnType<typeof setTimeout> | undefined;
      Promise.race([drained, new Promise((late) => (grace = setTimeout(late, 2000)))]).then(() => {
        clearTimeout(grace);
        resolve({ code, signal, stdout, stderr, hung });
      });
    });
    // A process that exits before reading its stdin closes the pipe: EPIPE here is no failure.
    child.stdin!.on("error", (err: NodeJS.ErrnoException) => err.code !== "EPIPE" && reject(err));
    child.stdin!.end(options.input ?? "");
  });
}

/** A raw loopback server; each connection is handed to `serve` once the request head has arrived. */
export interface RawServer {
  url: string;
  /** Resolves true once every connection made so far was closed by the client, false after `ms`. */
  clientsClosed(ms: number): Promise<boolean>;
  /** How many connections were made. */
  connections(): number;
  stop(): Promise<void>;
}

export async function startRawServer(serve: (socket: Socket, head: string) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const open = new Set<Socket>();
  let waiters: Array<() => void> = [];
  let count = 0;
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    open.add(socket);
    let head = "";
    let served = false;
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      if (served) return;
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      served = true;
      serve(socket, head);
    });
    socket.on("close", () => {
      open.delete(socket);
      sockets.delete(socket);
      if (open.size === 0) { for (const wake of waiters.splice(0)) wake(); }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    clientsClosed(ms) {
      if (open.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== wake);
          resolve(false);
        }, ms);
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        waiters.push(wake);
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `data`, then `unit` every `everyMs` until the connection closes (a drip that never ends). */
export function drip(socket: Socket, data: string, unit = " ", everyMs = 300): void {
  socket.write(data);
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(unit);
  }, everyMs);
  socket.on("close", () => clearInterval(timer));
}
