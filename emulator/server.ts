/**
 * The loopback HTTP server that puts every route (the issuer's discovery
 * documents, STS, and each platform's token endpoint) behind one port, with
 * fault injection and a request log.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Socket } from "node:net";
import {
  checkFault,
  cutConnection,
  type Fault,
  faultReply,
  type FaultTarget,
  writeHugeBody,
  writeTruncated,
} from "./faults.ts";
import { foreignSigningKey, sharedSigningKey, type SigningKey, signJwt } from "./jwt.ts";
import { awsEnv, type EmulatedPlatform, type PlatformContext } from "./platforms/_platform.ts";
import { PLATFORM_EMULATORS, platformById } from "./platforms/mod.ts";
import { discoveryRoute, findRoute, noRoute, type Route, type RouteRequest, stsRoute } from "./routes.ts";
import { createStsService, stsErrorReply } from "./sts.ts";
import type { Emulator, EmulatorOptions, RequestRecord } from "./types.ts";
import { jsonReply, type Reply, sleep } from "./_util.ts";

const MAX_BODY_BYTES = 1 << 20;

/** Faults queued per target, each with how many more requests it applies to. */
type FaultQueues = Map<FaultTarget, { fault: Fault; left: number }[]>;

/** The routes of every emulator: discovery, STS (made per emulator), then each platform's endpoints. */
const PLATFORM_ROUTES: readonly Route[] = PLATFORM_EMULATORS.flatMap((p) => p.routes ?? []);

/** Every target faults can be queued for: STS and the platforms' token endpoints whose route takes faults. */
export const FAULT_TARGETS: readonly FaultTarget[] = [
  "sts",
  ...PLATFORM_ROUTES.filter((route) => route.faults).map((route) => route.target),
];

/** What the request pipeline needs from the running emulator. */
interface Host {
  ctx: PlatformContext;
  routes: readonly Route[];
  requests: RequestRecord[];
  faults: FaultQueues;
  /** Unanswered requests, cut by `stop()`. */
  pending: Map<ServerResponse, IncomingMessage>;
  sockets: Set<Socket>;
  stopping: AbortController;
}

/**
 * Starts the emulator on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { startEmulator } from "./mod.ts";
 * await using emulator = await startEmulator();
 * const res = await fetch(emulator.tokenUrl, { headers: { authorization: `Bearer ${emulator.bearer}` } });
 * console.log((await res.json()).value.split(".").length); // 3
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const key = await sharedSigningKey();
  // With `tls`, https on 127.0.0.1 with the caller's key and certificate (its URLs say https://).
  const server: Server = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert })
    : createServer();
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => track(sockets, socket));
  server.on("clientError", (_error: unknown, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const ctx = createContext(options, key, `${options.tls ? "https" : "http"}://127.0.0.1:${port}`, port);
  const sts = createStsService({
    key,
    issuer: ctx.url,
    audiences: options.audiences ?? ["sts.amazonaws.com"],
    roles: options.roles,
    now: options.stsNow ?? Date.now,
    region: options.stsRegion,
  });
  const host: Host = {
    ctx,
    routes: [discoveryRoute, stsRoute(sts), ...PLATFORM_ROUTES],
    requests: [],
    faults: new Map(FAULT_TARGETS.map((target) => [target, []])),
    pending: new Map(),
    sockets,
    stopping: new AbortController(),
  };
  // Listening already, but no request is read before this synchronous continuation ends.
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    serve(host, req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) send(res, undefined, stsErrorReply("InternalFailure"));
      else res.destroy();
    });
  });
  return emulatorFor(host, server, sts.issued);
}

/** The context every platform's code runs in; each platform's state is made on first use. */
function createContext(options: EmulatorOptions, key: SigningKey, url: string, port: number): PlatformContext {
  const states = new Map<EmulatedPlatform, unknown>();
  return {
    options,
    key,
    url,
    port,
    now: options.now ?? Date.now,
    overrides: { ...options.platformClaims, GitHub: { ...options.claims, ...options.platformClaims?.GitHub } },
    state<T>(platform: EmulatedPlatform, init: () => T): T {
      if (!states.has(platform)) states.set(platform, init());
      return states.get(platform) as T;
    },
  };
}

/** The {@link Emulator} object: the platforms' fields (URLs, secrets), the log, faults, minting, envFor, stop. */
function emulatorFor(host: Host, server: Server, issued: Emulator["issued"]): Emulator {
  const { ctx, requests, faults } = host;
  let stopped: Promise<void> | undefined;
  const fields: Partial<Emulator> = Object.assign({}, ...PLATFORM_EMULATORS.map((p) => p.fields?.(ctx)));
  const emulator = {
    ...fields,
    url: ctx.url,
    stsUrl: ctx.url,
    issuer: ctx.url,
    requests,
    issued,
    count: (target?: RequestRecord["target"]) =>
      target ? requests.filter((r) => r.target === target).length : requests.length,
    fault(target: FaultTarget, fault: Fault) {
      const queue = faults.get(target);
      if (!queue) {
        throw new TypeError(
          `Unknown fault target ${JSON.stringify(target)}: expected one of ${FAULT_TARGETS.join(", ")}`,
        );
      }
      checkFault(fault);
      queue.push({ fault, left: fault.times ?? 1 });
    },
    async mintToken(mint: Parameters<Emulator["mintToken"]>[0] = {}) {
      const claims = platformById(mint.platform ?? "GitHub").claims(ctx, {
        audience: mint.audience,
        claims: mint.claims,
      });
      return mint.foreignKey
        ? await signJwt(await foreignSigningKey(), claims, ctx.key.kid)
        : await signJwt(ctx.key, claims);
    },
    async envFor(which: EmulatedPlatform, envOptions = {}) {
      return { ...await platformById(which).env(ctx, envOptions), ...awsEnv(ctx) };
    },
    reset() {
      requests.length = 0;
      for (const queue of faults.values()) queue.length = 0;
    },
    stop() {
      return stopped ??= stop(host, server);
    },
    [Symbol.asyncDispose]() {
      return emulator.stop();
    },
  } as Emulator;
  return emulator;
}

/** Closes the server and every connection, hung ones included. */
function stop(host: Host, server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    host.stopping.abort();
    server.close(() => resolve());
    for (const [res, req] of host.pending) cutConnection(req, res);
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    for (const socket of host.sockets) socket.destroy();
  });
}

/** One request: logged under its route's target, then answered (or faulted). */
async function serve(host: Host, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Bun's node:http does not emit "connection"; the request's socket covers it there.
  track(host.sockets, req.socket);
  host.pending.set(res, req);
  res.once("close", () => host.pending.delete(res));
  res.on("error", () => {});
  req.on("error", () => {});

  const request = await readRequest(req);
  const route = findRoute(host.routes, request.path);
  const record: RequestRecord = {
    target: route?.target ?? "other",
    method: request.method,
    path: request.path,
    status: 0,
    hasAuthorization: request.headers.authorization !== undefined,
    ...route?.log?.(request, host.ctx),
  };
  host.requests.push(record);

  const signal = host.stopping.signal;
  if (host.ctx.options.latencyMs) await sleep(host.ctx.options.latencyMs, signal);
  const fault = takeFault(host.faults, record.target);
  if (fault) {
    record.faulted = true;
    if (fault.delayMs) await sleep(fault.delayMs, signal);
  }
  if (signal.aborted || res.destroyed) return;
  if (fault && "drop" in fault) return cutConnection(req, res);
  if (fault && "hang" in fault) return; // answered by stop() or by the client leaving
  if (fault && "hugeBody" in fault) {
    record.status = 200;
    return await writeHugeBody(res, route!.faults!.hugeBody, fault.hugeBody, signal);
  }
  const injected = fault && faultReply(fault);
  if (injected) return send(res, record, injected);
  if (request.body === undefined) {
    return send(res, record, jsonReply(413, { message: `Request body over ${MAX_BODY_BYTES} bytes` }));
  }

  const outcome = route
    ? await route.handle({ ...request, body: request.body }, host.ctx)
    : noRoute(request.method, request.path);
  if (outcome.error) record.error = outcome.error;
  if (signal.aborted || res.destroyed) return;
  if (fault && "truncate" in fault) {
    record.status = outcome.reply.status;
    return writeTruncated(req, res, outcome.reply);
  }
  send(res, record, outcome.reply);
}

async function readRequest(req: IncomingMessage): Promise<RouteRequest> {
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
  return {
    method: req.method ?? "GET",
    path: q < 0 ? rawUrl : rawUrl.slice(0, q),
    rawUrl,
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers: req.headers,
    body: await readBody(req),
  };
}

function send(res: ServerResponse, record: RequestRecord | undefined, reply: Reply): void {
  if (record) record.status = reply.status;
  const bytes = new TextEncoder().encode(reply.body);
  res.writeHead(reply.status, { ...reply.headers, "content-length": String(bytes.length) });
  res.end(bytes);
}

function track(sockets: Set<Socket>, socket: Socket | null | undefined): void {
  if (!socket || sockets.has(socket)) return;
  sockets.add(socket);
  socket.once("close", () => sockets.delete(socket));
}

/** The next queued fault for `target`, counting it down. */
function takeFault(faults: FaultQueues, target: RequestRecord["target"]): Fault | undefined {
  const queue = faults.get(target);
  const head = queue?.[0];
  if (!head) return undefined;
  if (--head.left <= 0) queue!.shift();
  return head.fault;
}

/** The body as text, or `undefined` when it is larger than {@link MAX_BODY_BYTES}. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    req.on("data", (chunk: Uint8Array) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return resolve(undefined);
      const all = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) all.set(chunk, (at += chunk.length) - chunk.length);
      resolve(new TextDecoder().decode(all));
    });
    req.on("error", () => resolve(undefined));
  });
}
