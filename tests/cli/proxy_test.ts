// Proxies and CA bundles on the built CLI, on the runtime running the tests: the emulator serves
// https on 127.0.0.1 with a test CA, and a CONNECT proxy on 127.0.0.1 answers the real-looking
// names (the default regional STS endpoint, GitHub's token host) from loopback. The CLI never
// resolves them: a direct request to one would fail, so every success below went through the proxy.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { runCli, RUNTIME } from "../_cli.ts";
import { deadPort, hasOpenssl, makeTestCerts, startProxy, type TestCerts, type TestProxy } from "../_tls.ts";

const DEPLOY = "arn:aws:iam::123456789012:role/deploy";
const STS_HOST = "sts.us-east-1.amazonaws.com";
const TOKEN_HOST = "pipelines.actions.githubusercontent.com";
const PASSWORD = "pr0xy-s3cret-pa55";

let certs: TestCerts;
let emulator: Emulator;
let port: number;
/** The job's env, direct to the emulator on 127.0.0.1 (https), with the test CA trusted. */
let direct: Record<string, string>;
/** The job's env with the real-looking hosts (only a proxy can reach them), the test CA trusted. */
let named: Record<string, string>;
const proxies: TestProxy[] = [];

async function proxy(options: { auth?: string; status?: number; targets?: Record<string, number> } = {}) {
  const started = await startProxy({
    targets: options.targets ?? { [`${STS_HOST}:443`]: port, [`${TOKEN_HOST}:443`]: port },
    auth: options.auth,
    status: options.status,
  });
  proxies.push(started);
  return started;
}

const skip = hasOpenssl() ? false : "openssl is not on this machine";

before(async () => {
  if (skip) return;
  certs = await makeTestCerts();
  emulator = await startEmulator({
    tls: { key: certs.key, cert: certs.cert },
    roles: { [DEPLOY]: { sub: "repo:octo-org/octo-repo:*" } },
  });
  port = Number(new URL(emulator.url).port);
  const env = emulator.env;
  direct = {
    GITHUB_ACTIONS: "true",
    ACTIONS_ID_TOKEN_REQUEST_URL: env.ACTIONS_ID_TOKEN_REQUEST_URL,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    AWS_ENDPOINT_URL_STS: emulator.stsUrl,
    AWS_REGION: "us-east-1",
    AWS_ROLE_ARN: DEPLOY,
    AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub",
    AWS_CA_BUNDLE: certs.caFile,
    AWS_MAX_ATTEMPTS: "1",
    AWS_CONFIG_FILE: join(certs.dir, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(certs.dir, "no-credentials"),
  };
  const tokenUrl = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL);
  named = {
    ...direct,
    ACTIONS_ID_TOKEN_REQUEST_URL: `https://${TOKEN_HOST}${tokenUrl.pathname}${tokenUrl.search}`,
    AWS_ENDPOINT_URL_STS: "",
  };
});

after(async () => {
  for (const p of proxies) await p.stop();
  await emulator?.stop();
  await certs?.remove();
});

/** Runs credential-process; returns the run and whether it printed credentials the emulator issued. */
async function credentials(env: Record<string, string | undefined>, extra: string[] = []) {
  const run = await runCli(["credential-process", "--no-cache", ...extra], { env });
  let issued = false;
  if (run.code === 0) issued = emulator.issued.has(JSON.parse(run.stdout).AccessKeyId);
  return { ...run, issued };
}

/** What a CONNECT line asked for. */
const connects = (p: TestProxy) => p.seen.map((s) => s.line);

describe(`CLI on ${RUNTIME}: proxies (HTTPS_PROXY, NO_PROXY)`, { skip }, () => {
  it("HTTPS_PROXY: the token server and STS through CONNECT tunnels; the proxy sees no bearer, token or key", async () => {
    const p = await proxy();
    const run = await credentials({ ...named, HTTPS_PROXY: p.url }, ["--debug"]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.issued);
    assert.deepEqual(connects(p), [`CONNECT ${TOKEN_HOST}:443 HTTP/1.1`, `CONNECT ${STS_HOST}:443 HTTP/1.1`]);
    // The CONNECT carries the target's name and nothing of the job (no Authorization, no Proxy-Authorization).
    for (const seen of p.seen) {
      for (const name of Object.keys(seen.headers)) assert.ok(["host", "connection"].includes(name), name);
    }
    const tunnelled = p.tunnelled();
    assert.ok(tunnelled.length > 0);
    const out = JSON.parse(run.stdout);
    for (
      const secret of [
        named.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        "Bearer",
        "WebIdentityToken",
        "AssumeRoleWithWebIdentity",
        out.SecretAccessKey,
        out.SessionToken,
      ]
    ) {
      assert.ok(!tunnelled.includes(secret), `the proxy saw ${secret.slice(0, 20)} in cleartext`);
    }
    assert.match(run.stderr, new RegExp(`GET https://${TOKEN_HOST}/\\S* → HTTP 200 \\(.* via proxy ${p.host}\\)`));
    assert.match(run.stderr, new RegExp(`POST https://${STS_HOST}/ → HTTP 200 \\(.* via proxy ${p.host}\\)`));
  });

  it("https_proxy (lower case) wins over HTTPS_PROXY", async () => {
    const lower = await proxy();
    const upper = await proxy();
    const run = await credentials({ ...named, https_proxy: lower.url, HTTPS_PROXY: upper.url });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(lower.seen.length, 2);
    assert.equal(upper.seen.length, 0);
  });

  it("a proxy URL without a scheme is http://", async () => {
    const p = await proxy();
    const run = await credentials({ ...named, HTTPS_PROXY: p.host });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(p.seen.length, 2);
  });

  it("HTTP_PROXY alone does not apply to https: loopback URLs stay direct and the proxy sees nothing", async () => {
    const p = await proxy();
    const run = await credentials({ ...direct, HTTP_PROXY: p.url });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(p.seen.length, 0);
  });

  it("loopback is always direct, whatever the variables say (127.0.0.1 and localhost, NO_PROXY empty)", async () => {
    const p = await proxy();
    const viaLocalhost = {
      ...direct,
      ACTIONS_ID_TOKEN_REQUEST_URL: direct.ACTIONS_ID_TOKEN_REQUEST_URL.replace("127.0.0.1", "localhost"),
    };
    for (const env of [direct, viaLocalhost]) {
      const run = await credentials({ ...env, HTTPS_PROXY: p.url, https_proxy: p.url, NO_PROXY: "" }, ["--debug"]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.issued);
      assert.match(run.stderr, /→ HTTP 200 \(.* direct\)/);
      assert.doesNotMatch(run.stderr, /via proxy/);
    }
    assert.equal(p.seen.length, 0);
  });

  it("NO_PROXY entries that do not match still go through the proxy (port, partial label, other name)", async () => {
    const p = await proxy();
    const noProxy =
      `amazonaws.com:80, s-east-1.amazonaws.com, .githubusercontent.com:8443, ${TOKEN_HOST}.evil, example.org`;
    const run = await credentials({ ...named, HTTPS_PROXY: p.url, NO_PROXY: noProxy });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(p.seen.length, 2);
  });

  it("NO_PROXY with a leading dot, a bare suffix and * sends a loopback URL direct (and others by the table)", async () => {
    const p = await proxy();
    for (const noProxy of ["*", ".0.0.1", "localhost", "127.0.0.1:1"]) {
      const run = await credentials({ ...direct, HTTPS_PROXY: p.url, NO_PROXY: noProxy });
      assert.equal(run.code, 0, run.stderr);
    }
    assert.equal(p.seen.length, 0);
  });

  it("proxy credentials in the URL become Proxy-Authorization: Basic on the CONNECT, and are never shown", async () => {
    const p = await proxy({ auth: `ci-user:${PASSWORD}` });
    const run = await credentials({ ...named, HTTPS_PROXY: `http://ci-user:${PASSWORD}@${p.host}` }, ["--debug"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(p.seen.length, 2);
    for (const seen of p.seen) {
      assert.equal(seen.headers["proxy-authorization"], `Basic ${btoa(`ci-user:${PASSWORD}`)}`);
    }
    assert.ok(!run.stderr.includes(PASSWORD));
    assert.ok(!run.stderr.includes("ci-user"));
  });

  it("percent-encoded proxy credentials are decoded for Basic", async () => {
    const p = await proxy({ auth: "user@corp:p:ss w" });
    const run = await credentials({ ...named, HTTPS_PROXY: `http://user%40corp:p%3Ass%20w@${p.host}` });
    assert.equal(run.code, 0, run.stderr);
  });

  it("a proxy that wants credentials (407): ERR_NETWORK naming the proxy and the status, not retried, no password", async () => {
    const p = await proxy({ auth: `ci-user:${PASSWORD}` });
    const wrong = `${PASSWORD}-wrong`;
    for (const proxyUrl of [p.url, `http://ci-user:${wrong}@${p.host}`]) {
      const run = await credentials({ ...named, HTTPS_PROXY: proxyUrl, AWS_MAX_ATTEMPTS: "3" }, ["--debug"]);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        new RegExp(
          `^oidc2aws: ERR_NETWORK: Cannot reach the token server at https://${TOKEN_HOST}/\\S*: the proxy ${p.host} refused to open a tunnel to ${TOKEN_HOST}:443: HTTP 407`,
          "m",
        ),
      );
      assert.doesNotMatch(run.stderr, /after \d attempts/);
      assert.ok(!run.stderr.includes(PASSWORD));
    }
    assert.equal(p.seen.length, 2);
  });

  it("a proxy that refuses the target (403) or fails (502): ERR_NETWORK with its host:port and the status", async () => {
    const refusing = await proxy({ targets: {} });
    const run = await credentials({ ...named, HTTPS_PROXY: refusing.url });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(`ERR_NETWORK: .*the proxy ${refusing.host} refused to open a tunnel to ${TOKEN_HOST}:443: HTTP 403`),
    );
    const failing = await proxy({ status: 502 });
    const bad = await credentials({ ...named, HTTPS_PROXY: failing.url });
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      new RegExp(`ERR_NETWORK: .*the proxy ${failing.host} refused to open a tunnel to ${TOKEN_HOST}:443: HTTP 502`),
    );
  });

  it("a proxy that cannot be reached: ERR_NETWORK naming it (never its credentials)", async () => {
    const dead = await deadPort();
    const run = await credentials({ ...named, HTTPS_PROXY: `http://u:${PASSWORD}@127.0.0.1:${dead}` });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`ERR_NETWORK: .*cannot reach the proxy 127\\.0\\.0\\.1:${dead}: ECONNREFUSED`));
    assert.ok(!run.stderr.includes(PASSWORD));
  });

  it("a proxy variable that is not an http:// URL is a config error (exit 2) naming the variable, not the value", async () => {
    for (
      const value of [
        `http://u:${PASSWORD}@[bad`,
        `socks5://u:${PASSWORD}@127.0.0.1:1080`,
        `https://u:${PASSWORD}@127.0.0.1:3128`,
      ]
    ) {
      const run = await credentials({ ...named, HTTPS_PROXY: value });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^oidc2aws: ERR_CONFIG_INVALID: HTTPS_PROXY (is not a proxy URL|has the scheme)/);
      assert.ok(!run.stderr.includes(PASSWORD));
    }
  });
});

describe(`CLI on ${RUNTIME}: CA bundles (AWS_CA_BUNDLE, ca_bundle)`, { skip }, () => {
  it("AWS_CA_BUNDLE: the token server and STS over https with the test CA", async () => {
    const run = await credentials(direct);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.issued);
  });

  it("without the bundle, the TLS failure names the host and AWS_CA_BUNDLE / ca_bundle", async () => {
    const run = await credentials({ ...direct, AWS_CA_BUNDLE: undefined });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_NETWORK: Cannot reach the token server at https:\/\/127\.0\.0\.1:\d+\/\S*: .*127\.0\.0\.1's certificate is not trusted.*AWS_CA_BUNDLE.*ca_bundle/m,
    );
  });

  it("a bundle of another CA does not trust the server", async () => {
    const run = await credentials({ ...direct, AWS_CA_BUNDLE: certs.otherCaFile });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /ERR_NETWORK: .*certificate is not trusted/);
  });

  it("through a proxy: TLS end to end to the target with the bundle; without it, the target's name fails", async () => {
    const p = await proxy();
    const ok = await credentials({ ...named, HTTPS_PROXY: p.url });
    assert.equal(ok.code, 0, ok.stderr);
    const run = await credentials({ ...named, HTTPS_PROXY: p.url, AWS_CA_BUNDLE: undefined });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `ERR_NETWORK: Cannot reach the token server at https://${TOKEN_HOST}/.*${
          TOKEN_HOST.replaceAll(".", "\\.")
        }'s certificate is not trusted`,
      ),
    );
  });

  it("ca_bundle in the profile; AWS_CA_BUNDLE wins over it", async () => {
    const config = join(certs.dir, "ca_config");
    await writeFile(
      config,
      `[profile ci]\nrole_arn = ${DEPLOY}\nweb_identity_token_server = GitHub\nca_bundle = ${certs.caFile}\n`,
    );
    const env = {
      ...direct,
      AWS_ROLE_ARN: undefined,
      AWS_WEB_IDENTITY_TOKEN_SERVER: undefined,
      AWS_CONFIG_FILE: config,
    };
    const run = await credentials({ ...env, AWS_CA_BUNDLE: undefined }, ["--profile", "ci"]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.issued);
    const overridden = await credentials({ ...env, AWS_CA_BUNDLE: certs.otherCaFile }, ["--profile", "ci"]);
    assert.equal(overridden.code, 1);
  });

  it("a bundle that does not exist: ERR_CONFIG_READ (exit 2) naming the path and the setting", async () => {
    const missing = join(certs.dir, "missing.pem");
    const run = await credentials({ ...direct, AWS_CA_BUNDLE: missing });
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      `oidc2aws: ERR_CONFIG_READ: The CA bundle ${missing} (AWS_CA_BUNDLE) does not exist: give the path of a PEM file of CA certificates\n`,
    );
  });

  it("a bundle with no certificate: ERR_CONFIG_INVALID (exit 2), from a profile's ca_bundle too", async () => {
    const empty = join(certs.dir, "empty.pem");
    await writeFile(empty, "not a certificate\n");
    const run = await credentials({ ...direct, AWS_CA_BUNDLE: empty });
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^oidc2aws: ERR_CONFIG_INVALID: The CA bundle \S+empty\.pem \(AWS_CA_BUNDLE\) holds no certificate/,
    );
    const config = join(certs.dir, "empty_config");
    await writeFile(
      config,
      `[profile ci]\nrole_arn = ${DEPLOY}\nweb_identity_token_server = GitHub\nca_bundle = ${empty}\n`,
    );
    const fromProfile = await credentials(
      { ...direct, AWS_CA_BUNDLE: undefined, AWS_ROLE_ARN: undefined, AWS_CONFIG_FILE: config },
      ["--profile", "ci"],
    );
    assert.equal(fromProfile.code, 2);
    assert.match(
      fromProfile.stderr,
      /ERR_CONFIG_INVALID: The CA bundle \S+ \(ca_bundle in profile "ci" \(\S+\)\) holds no certificate/,
    );
  });
});
