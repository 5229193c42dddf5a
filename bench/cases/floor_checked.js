// The checked floor: the floor's two requests (floor_http.js on Node, floor_fetch.js elsewhere), plus
// the work a correct credential_process cannot skip, written as plainly as possible: both AWS config
// files read and parsed (sections, comments, `key = value`, a repeated section refused), the region
// and the role ARN checked, the token server's URL checked (https, or this machine), a time limit and
// a size cap on each answer, the status codes, the token's shape, an STS error answer told apart, the
// four credential fields checked and the expiration parsed.
// What it leaves out, and oidc2aws does not: botocore's every rule, profiles, retries, the other token
// sources, proxies and CA bundles, messages that say what to do, redaction. It is a yardstick for how
// much of oidc2aws's cost is that (bench/RESULTS.md), not code to use.
const deno = globalThis.Deno;
const bun = globalThis.Bun;
const node = deno || bun ? undefined : globalThis.process;
const env = deno ? deno.env.toObject() : globalThis.process.env;
const fs = node?.getBuiltinModule("node:fs");
const http = node?.getBuiltinModule("node:http");
const print = node ? (text) => fs.writeSync(1, `${text}\n`) : console.log;
const MAX = 1 << 20;

/** A file's text, or undefined if it cannot be read (each runtime's cheapest synchronous read). */
function readText(path) {
  try {
    if (deno) return deno.readTextFileSync(path);
    if (bun) return new TextDecoder().decode(bun.mmap(path));
    return fs.readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** An INI file's sections: name → { key: value }. */
function parseIni(text = "") {
  const sections = {};
  let current;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === "" || line[0] === "#" || line[0] === ";") continue;
    const header = /^\[(.+)\]/.exec(line);
    if (header) {
      if (Object.hasOwn(sections, header[1])) throw new Error(`section [${header[1]}] appears twice`);
      current = sections[header[1]] = {};
      continue;
    }
    const at = line.search(/[=:]/);
    if (at <= 0 || !current) throw new Error("a config line is not key = value");
    current[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return sections;
}

/** `raw` as a URL, if it is https or on this machine. */
function checkedUrl(raw) {
  const url = new URL(raw);
  if (url.protocol !== "https:" && !/^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname)) {
    throw new Error("not an https URL");
  }
  return url;
}

/** node:http as a fetch: a timer that ends the request, and a size cap. */
function nodeRequest(url, init) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method ?? "GET", headers: init.headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        text += chunk;
        if (text.length > MAX) request.destroy(new Error("answer too large"));
      });
      response.on("end", () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode, text });
      });
    });
    const timer = setTimeout(() => request.destroy(new Error("timed out")), 10_000);
    timer.unref();
    request.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    request.end(init.body);
  });
}

/** One request with a time limit and a size cap; resolves its status and text. */
async function exchange(url, init) {
  if (node) return nodeRequest(url, init);
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000), redirect: "manual" });
  if (Number(response.headers.get("content-length") ?? 0) > MAX) throw new Error("answer too large");
  const text = await response.text();
  if (text.length > MAX) throw new Error("answer too large");
  return { status: response.status, text };
}

const home = env.HOME ?? "";
const config = parseIni(readText(env.AWS_CONFIG_FILE || `${home}/.aws/config`));
parseIni(readText(env.AWS_SHARED_CREDENTIALS_FILE || `${home}/.aws/credentials`));
const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || config.default?.region || "us-east-1";
if (!/^[a-z0-9-]+$/.test(region)) throw new Error("not a region");
const roleArn = env.AWS_ROLE_ARN ?? "";
if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\x21-\x7e]+$/.test(roleArn)) throw new Error("not a role ARN");

const tokenUrl = checkedUrl(env.ACTIONS_ID_TOKEN_REQUEST_URL);
tokenUrl.searchParams.set("audience", "sts.amazonaws.com");
const tokenAnswer = await exchange(tokenUrl, {
  headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
});
if (tokenAnswer.status !== 200) throw new Error(`the token server answered ${tokenAnswer.status}`);
const token = JSON.parse(tokenAnswer.text).value;
if (typeof token !== "string" || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) throw new Error("no token");

// The emulator's endpoint only: the bench never lets a request leave this machine (no default endpoint).
if (!env.AWS_ENDPOINT_URL_STS) throw new Error("AWS_ENDPOINT_URL_STS is not set");
const sts = checkedUrl(env.AWS_ENDPOINT_URL_STS);
const body = new URLSearchParams({
  Action: "AssumeRoleWithWebIdentity",
  Version: "2011-06-15",
  RoleArn: roleArn,
  RoleSessionName: `GitHubActions-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT}`,
  WebIdentityToken: token,
}).toString();
const stsAnswer = await exchange(sts, {
  method: "POST",
  // The form body is ASCII, so its length in bytes is its length in characters.
  headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) },
  body,
});
if (stsAnswer.status !== 200 || stsAnswer.text.includes("<ErrorResponse")) {
  throw new Error(`STS answered ${stsAnswer.status}`);
}
const field = (name) => {
  const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(stsAnswer.text)?.[1];
  if (!value || !/^[\x21-\x7e]+$/.test(value)) throw new Error(`no ${name} in the answer`);
  return value;
};
const expiration = new Date(field("Expiration"));
if (Number.isNaN(expiration.getTime())) throw new Error("not an expiration");
print(JSON.stringify({
  Version: 1,
  AccessKeyId: field("AccessKeyId"),
  SecretAccessKey: field("SecretAccessKey"),
  SessionToken: field("SessionToken"),
  Expiration: expiration.toISOString(),
}));
