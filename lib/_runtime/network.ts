/**
 * Proxies and CA bundles over Node's built-ins (node:http, node:https, node:tls), which Deno and Bun
 * provide too: an https request through a proxy is an HTTP `CONNECT` tunnel with TLS from end to end
 * (the proxy sees the CONNECT line and nothing else). Loaded only when a proxy variable or a CA
 * bundle is set: the common path never imports node:tls.
 *
 * @module
 */
import { ConfigError, describeOrigin } from "../errors.ts";
import type { Env, NetworkSettings, ReadFile } from "../host.ts";
import { displayProxy, proxyFor, proxyPort } from "../proxy.ts";

/** What a request is made with: the environment (proxy variables), the CA bundle, the file reader. */
export interface NetworkContext {
  env: Env;
  caBundle?: NetworkSettings["caBundle"];
  readFile: ReadFile;
}

const bundles = new Map<string, Promise<string[]>>();

/**
 * The PEM certificates of a CA bundle, read once per path: ERR_CONFIG_READ when the file is missing
 * or unreadable, ERR_CONFIG_INVALID when it holds no certificate.
 */
export function loadCaBundle(bundle: NonNullable<NetworkSettings["caBundle"]>, readFile: ReadFile): Promise<string[]> {
  let loaded = bundles.get(bundle.path);
  if (!loaded) {
    loaded = readCaBundle(bundle, readFile);
    bundles.set(bundle.path, loaded);
    // A failure is not kept: the next call reads the file again.
    loaded.catch(() => bundles.delete(bundle.path));
  }
  return loaded;
}

async function readCaBundle(bundle: NonNullable<NetworkSettings["caBundle"]>, readFile: ReadFile): Promise<string[]> {
  const { path, origin } = bundle;
  const where = describeOrigin(origin);
  const fields = { file: path, profile: origin.profile, key: origin.envVar ?? origin.key };
  let text: string | undefined;
  try {
    text = await readFile(path);
  } catch (err) {
    const reason = (err as Error)?.message ?? String(err);
    throw new ConfigError("ERR_CONFIG_READ", `Cannot read the CA bundle ${path} (${where}): ${reason}`, {
      ...fields,
      cause: err,
    });
  }
  if (text === undefined) {
    throw new ConfigError(
      "ERR_CONFIG_READ",
      `The CA bundle ${path} (${where}) does not exist: give the path of a PEM file of CA certificates`,
      fields,
    );
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) {
    throw new ConfigError(
      "ERR_CONFIG_INVALID",
      `The CA bundle ${path} (${where}) holds no certificate: it must be PEM (-----BEGIN CERTIFICATE-----)`,
      fields,
    );
  }
  return pems.map((pem) => `${pem}\n`);
}

/** The built-in root certificates and the bundle's: what Node's and Bun's `ca` option takes to add, not replace. */
export async function caCertificates(
  bundle: NonNullable<NetworkSettings["caBundle"]>,
  readFile: ReadFile,
): Promise<string[]> {
  const [pems, tls] = await Promise.all([loadCaBundle(bundle, readFile), importTls()]);
  return [...tls.rootCertificates, ...pems];
}

// Minimal shapes of the built-ins used here (lib/ is type-checked without runtime types).
interface Socket {
  once(event: string, listener: (...args: never[]) => void): void;
  on(event: string, listener: (...args: never[]) => void): void;
  destroy(err?: Error): void;
}
interface ConnectRequest {
  on(event: "connect", listener: (res: { statusCode?: number; statusMessage?: string }, socket: Socket) => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  on(event: "response", listener: (res: { statusCode?: number; statusMessage?: string; resume(): void }) => void): void;
  end(): void;
  destroy(): void;
}
interface NodeHttpModule {
  request(options: object): ConnectRequest;
}
interface NodeTls {
  connect(options: object): Socket;
  rootCertificates: readonly string[];
}

/** A refusal or failure of the proxy, said with its host:port only (never its credentials). */
class ProxyFailure extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = "ProxyFailure";
    this.retryable = retryable;
  }
}

/** How node_http.ts makes a request: the module (node:http or node:https) and the options to add. */
export interface Route {
  module: "node:http" | "node:https";
  options: Record<string, unknown>;
  /** "direct" or "via proxy HOST:PORT". */
  via: string;
  /**
   * Ends the tunnel's CONNECT, if still pending, and its socket: called when the request closes
   * (answered, timed out, aborted), so that a proxy that never answers cannot hold the process open.
   */
  close?(): void;
}

/**
 * The route of a request: direct (with the CA bundle's certificates, if any, next to the built-in
 * ones), or through the proxy that {@linkcode proxyFor} chose: a node:http request over a socket
 * that `createConnection` makes by a CONNECT to the proxy (then TLS to the target for https).
 */
export async function route(target: URL, context: NetworkContext): Promise<Route> {
  const decision = proxyFor(target, context.env);
  const https = target.protocol === "https:";
  const pems = context.caBundle ? await loadCaBundle(context.caBundle, context.readFile) : undefined;
  const tls = https && (pems || decision !== "direct") ? await importTls() : undefined;
  const ca = pems && tls ? [...tls.rootCertificates, ...pems] : undefined;
  if (decision === "direct") {
    return { module: https ? "node:https" : "node:http", options: ca ? { ca } : {}, via: "direct" };
  }
  const proxy = decision.proxy;
  const http = await importHttp();
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = target.port || (https ? "443" : "80");
  const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username || proxy.password) {
    const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers["proxy-authorization"] = `Basic ${base64(user)}`;
  }
  const shown = displayProxy(proxy);
  let pending: ConnectRequest | undefined;
  let tunnel: Socket | undefined;
  const createConnection = (_options: unknown, done: (err: Error | null, socket?: Socket) => void) => {
    let settled = false;
    const finish = (err: Error | null, socket?: Socket) => {
      if (settled) return;
      settled = true;
      done(err, socket);
    };
    const connect = pending = http.request({
      host: proxy.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: proxyPort(proxy),
      method: "CONNECT",
      path: authority,
      headers,
      agent: false,
    });
    connect.on("connect", (res, socket) => {
      tunnel = socket;
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        socket.destroy();
        return finish(refusal(shown, authority, status, res.statusMessage));
      }
      if (!https) return finish(null, socket);
      const secure = tls!.connect({
        socket,
        // SNI takes a name, not an address.
        servername: /^[\d.]+$|:/.test(host) ? undefined : host,
        host,
        ...(ca ? { ca } : {}),
      });
      finish(null, secure);
    });
    // A proxy that answers a CONNECT without 'connect' (Node emits 'response' for some refusals).
    connect.on("response", (res) => {
      res.resume();
      finish(refusal(shown, authority, res.statusCode ?? 0, res.statusMessage));
    });
    connect.on("error", (err) => {
      const code = (err as { code?: string }).code;
      finish(new ProxyFailure(`cannot reach the proxy ${shown}: ${code ?? err.message}`, true));
    });
    connect.end();
  };
  return {
    module: "node:http",
    options: { protocol: "http:", createConnection, agent: undefined },
    via: `via proxy ${shown}`,
    close() {
      pending?.destroy();
      tunnel?.destroy();
    },
  };
}

function refusal(proxy: string, authority: string, status: number, reason?: string): ProxyFailure {
  const why = status === 407
    ? " (it wants credentials: give them in the proxy URL, http://user:password@host:port)"
    : reason && /^[\x20-\x7e]{1,60}$/.test(reason)
    ? ` ${reason}`
    : "";
  // A 5xx may pass (the proxy could not reach the target for now); 403 and 407 will not.
  return new ProxyFailure(
    `the proxy ${proxy} refused to open a tunnel to ${authority}: HTTP ${status}${why}`,
    status >= 500,
  );
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function importHttp(): Promise<NodeHttpModule> {
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  return (import("node:http") as Promise<{ default: NodeHttpModule }>).then((m) => m.default);
}

function importTls(): Promise<NodeTls> {
  // @ts-ignore: lib/ is type-checked without runtime types (the runtime has this module)
  return (import("node:tls") as Promise<{ default: NodeTls }>).then((m) => m.default);
}
