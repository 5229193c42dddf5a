// Test TLS and a test proxy, all on loopback: a CA and a server certificate made with openssl in a
// temporary directory (nothing committed, nothing that expires in the tree), and a CONNECT proxy
// that records what it saw and opens tunnels only to the targets in its own map, on 127.0.0.1.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The real-looking names the server certificate covers (besides localhost and 127.0.0.1). */
export const TLS_NAMES = [
  "sts.us-east-1.amazonaws.com",
  "sts.eu-west-1.amazonaws.com",
  "sts.amazonaws.com",
  "pipelines.actions.githubusercontent.com",
  "token.example.test",
  "sts.example.test",
];

/** A test CA and a server certificate it signed, as PEM, and the files that hold them. */
export interface TestCerts {
  dir: string;
  /** The CA's certificate (the CA bundle to trust). */
  caFile: string;
  ca: string;
  key: string;
  cert: string;
  /** Another CA's certificate: a bundle that does not trust the server. */
  otherCaFile: string;
  remove(): Promise<void>;
}

/** Whether openssl is on this machine (CI runners have it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Makes a CA, a server certificate for loopback and {@link TLS_NAMES}, and an unrelated CA. */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), "oidc2aws-tls-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ca = (name: string) =>
    run(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-subj",
      `/CN=oidc2aws ${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  ca("test-ca");
  ca("other-ca");
  run(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=oidc2aws test server",
  );
  const names = ["DNS:localhost", "IP:127.0.0.1", ...TLS_NAMES.map((n) => `DNS:${n}`)].join(",");
  await writeFile(
    join(dir, "server.ext"),
    `subjectAltName=${names}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "test-ca.pem",
    "-CAkey",
    "test-ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  );
  const caFile = join(dir, "test-ca.pem");
  return {
    dir,
    caFile,
    ca: await readFile(caFile, "utf8"),
    key: await readFile(join(dir, "server.key"), "utf8"),
    cert: await readFile(join(dir, "server.pem"), "utf8"),
    otherCaFile: join(dir, "other-ca.pem"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** One request the proxy received: its request line and headers. */
export interface ProxySeen {
  line: string;
  headers: Record<string, string>;
}

/** A loopback CONNECT proxy. */
export interface TestProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** Every request's head, in order (CONNECT lines, and anything else it was sent). */
  seen: ProxySeen[];
  /** Every byte clients sent through its tunnels, as latin1 text (TLS records: no cleartext). */
  tunnelled(): string;
  /** Resolves when every connection a client opened to the proxy so far has closed. */
  allClosed(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a CONNECT proxy on 127.0.0.1. `targets` maps `host:port` to a loopback port: the only
 * tunnels it opens (anything else: 403; a request that is not CONNECT: 405). With `auth`
 * ("user:password"), a CONNECT without that Proxy-Authorization gets 407. With `status`, every
 * CONNECT gets that answer. With `hang`, no CONNECT is ever answered.
 */
export async function startProxy(
  options: { targets: Record<string, number>; auth?: string; status?: number; hang?: boolean },
): Promise<TestProxy> {
  const seen: ProxySeen[] = [];
  const sockets = new Set<Socket>();
  const chunks: string[] = [];
  const open = new Set<Promise<void>>();
  const server = createServer((client) => {
    sockets.add(client);
    open.add(new Promise<void>((resolve) => client.on("close", () => resolve())));
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 16384) client.destroy();
        return;
      }
      client.off("data", onData);
      const [line, ...rest] = head.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const h of rest) {
        const i = h.indexOf(":");
        if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      seen.push({ line, headers });
      if (options.hang) return;
      const after = head.subarray(end + 4);
      const answer = (status: number, reason: string, extra = "") =>
        client.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}content-length: 0\r\nconnection: close\r\n\r\n`);
      const [method, authority] = line.split(" ");
      if (method !== "CONNECT") return answer(405, "Method Not Allowed");
      if (options.auth !== undefined) {
        const expected = `Basic ${Buffer.from(options.auth).toString("base64")}`;
        if (headers["proxy-authorization"] !== expected) {
          return answer(407, "Proxy Authentication Required", 'proxy-authenticate: Basic realm="test"\r\n');
        }
      }
      if (options.status !== undefined) return answer(options.status, "Refused");
      const port = Object.hasOwn(options.targets, authority) ? options.targets[authority] : undefined;
      if (port === undefined) return answer(403, "Forbidden");
      const upstream = connect({ host: "127.0.0.1", port }, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (after.length) {
          chunks.push(after.toString("latin1"));
          upstream.write(after);
        }
        client.on("data", (data: Buffer) => {
          chunks.push(data.toString("latin1"));
          upstream.write(data);
        });
        upstream.pipe(client);
        client.on("end", () => upstream.end());
      });
      sockets.add(upstream);
      upstream.on("close", () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    tunnelled: () => chunks.join(""),
    allClosed: () => Promise.all(open).then(() => {}),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
