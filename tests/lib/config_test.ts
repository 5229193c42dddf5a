import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ConfigError, ConfigSyntaxError, loadConfig, parseConfig } from "../../mod.ts";

const testdata = (name: string) => readFileSync(new URL(`../testdata/${name}`, import.meta.url), "utf8");

/** Parses and returns a plain copy (the parser's maps have no prototype). */
function parse(text: string, kind: "config" | "credentials" = "config") {
  return JSON.parse(JSON.stringify(parseConfig(text, { kind, source: "test.ini" })));
}

function syntaxError(text: string, line: number, pattern: RegExp) {
  assert.throws(() => parseConfig(text, { source: ".github/aws_config" }), (err: unknown) => {
    assert.ok(err instanceof ConfigSyntaxError, String(err));
    assert.equal(err.code, "ERR_CONFIG_SYNTAX");
    assert.equal(err.file, ".github/aws_config");
    assert.equal(err.line, line);
    assert.match(err.message, new RegExp(`^Cannot parse \\.github/aws_config at line ${line}: `));
    assert.match(err.message, pattern);
    return true;
  });
}

describe("parseConfig: sections", () => {
  it("reads the seed's five profiles", () => {
    const { profiles } = parse(testdata("seed_aws_config"));
    assert.deepEqual(Object.keys(profiles), [
      "default",
      "role-2",
      "manual-config-1",
      "manual-config-2",
      "manual-config-3",
    ]);
    assert.equal(
      profiles["manual-config-3"].web_identity_token_server,
      "ACTIONS_ID_TOKEN_REQUEST_URL,ACTIONS_ID_TOKEN_REQUEST_TOKEN,sigstore",
    );
    assert.equal(profiles.default.role_session_name, "DefaultProfile");
  });

  it("reads every dialect of the sample file", () => {
    const parsed = parse(testdata("dialects.ini"));
    assert.deepEqual(Object.keys(parsed.profiles).sort(), ["default", "quoted name", "spaced", "trailing"]);
    assert.deepEqual(parsed.profiles.default, { region: "us-east-1", output: "json" });
    assert.deepEqual(parsed.profiles.spaced, {
      region: "eu-west-1",
      url: "https://example.com/a=b:c",
      inline: "value # not a comment",
      quoted: '"kept as is"',
      multi: "first\nsecond\nthird",
      s3: { max_concurrent_requests: "20", Signature_Version: "s3v4" },
    });
    assert.deepEqual(parsed.profiles.trailing, { region: "ap-south-1" });
    assert.deepEqual(parsed.ssoSessions, { corp: { sso_region: "us-east-1" } });
    assert.deepEqual(parsed.services, { local: { sts: { endpoint_url: "http://127.0.0.1:4566" } } });
  });

  it("does not treat a bare [NAME] in a config file as a profile, but does in a credentials file", () => {
    const text = "[ci]\naws_access_key_id = A\n[profile ci2]\nregion = x\n";
    assert.deepEqual(Object.keys(parse(text).profiles), ["ci2"]);
    assert.deepEqual(Object.keys(parse(text, "credentials").profiles), ["ci", "profile ci2"]);
  });

  it("matches section names case-sensitively", () => {
    const { profiles } = parse("[Default]\na = 1\n[Profile x]\nb = 2\n[PROFILE y]\nc = 3\n");
    assert.deepEqual(Object.keys(profiles), []);
  });

  it("splits the profile header shell-style, as botocore does", () => {
    const { profiles } = parse(
      `[profile 'single quoted']\na = 1\n[profile "esc\\"aped"]\nb = 2\n[profilex odd]\nc = 3\n[profile "unbalanced]\nd = 4\n`,
    );
    assert.deepEqual(profiles, { "single quoted": { a: "1" }, 'esc"aped': { b: "2" }, odd: { c: "3" } });
  });

  it("lets the later of [default] and [profile default] win whole", () => {
    const first = parse("[default]\nregion = a\noutput = json\n[profile default]\nregion = b\n");
    assert.deepEqual(first.profiles, { default: { region: "b" } });
    const second = parse("[profile default]\nregion = b\n[default]\nregion = a\noutput = json\n");
    assert.deepEqual(second.profiles, { default: { region: "a", output: "json" } });
  });

  it("gives every section the keys of [DEFAULT], unless the section sets them", () => {
    const { profiles } = parse(
      "[DEFAULT]\nregion = eu-west-1\noutput = json\n[profile a]\nregion = us-east-2\n[default]\n",
    );
    assert.deepEqual(profiles, {
      a: { region: "us-east-2", output: "json" },
      default: { region: "eu-west-1", output: "json" },
    });
  });

  it("is safe for profile names and keys such as __proto__", () => {
    const parsed = parseConfig("[profile __proto__]\nconstructor = x\n__proto__ = y\n[profile toString]\na = 1\n");
    assert.equal(Object.getPrototypeOf(parsed.profiles), null);
    assert.equal(parsed.profiles["__proto__"].constructor, "x");
    assert.equal(parsed.profiles["__proto__"]["__proto__"], "y");
    assert.equal(parsed.profiles["toString"].a, "1");
    assert.equal(({} as Record<string, unknown>).constructor, Object, "Object.prototype is untouched");
  });
});

describe("parseConfig: keys and values", () => {
  it("lowercases keys, splits at the first = or :, and trims around key and value", () => {
    const { profiles } = parse("[default]\n  Role_ARN   =  arn:x:y  \nkey:with = colon\nk2 = v=w:z\n");
    assert.deepEqual(profiles.default, { role_arn: "arn:x:y", key: "with = colon", k2: "v=w:z" });
  });

  it("keeps inline comments and quotes as part of the value (botocore, unlike the JavaScript SDK)", () => {
    const { profiles } = parse("[default]\nregion = us-east-1 # east\nname = 'x' ; y\n");
    assert.equal(profiles.default.region, "us-east-1 # east");
    assert.equal(profiles.default.name, "'x' ; y");
  });

  it("skips whole-line comments, even indented ones, also inside a continued value", () => {
    const { profiles } = parse("# top\n[default]\n; one\na = 1\n   # two\n  more\nb = 2\n");
    assert.deepEqual(profiles.default, { a: "1\nmore", b: "2" });
  });

  it("continues a value on indented lines, keeping inner blank lines and dropping trailing ones", () => {
    const { profiles } = parse("[default]\na = one\n\n   two\n\n\nb = 2\n");
    assert.deepEqual(profiles.default, { a: "one\n\ntwo", b: "2" });
  });

  it("parses an empty value followed by indented lines as a nested map, keys not lowercased", () => {
    const { profiles } = parse("[default]\ns3 =\n  Max_Concurrent = 20\n  addressing_style = path = odd\nempty =\n");
    assert.deepEqual(profiles.default, { s3: { Max_Concurrent: "20", addressing_style: "path = odd" }, empty: "" });
  });

  it("treats an indented section header after a value as a continuation (configparser's rule)", () => {
    const { profiles } = parse("[default]\nregion = a\n  [profile b]\n");
    assert.deepEqual(profiles, { default: { region: "a\n[profile b]" } });
  });

  it("reads indented keys right after a header as keys", () => {
    const { profiles } = parse("[default]\n    region = a\n    output = b\n");
    assert.deepEqual(profiles.default, { region: "a", output: "b" });
  });

  it("accepts CRLF and CR line ends and a byte-order mark", () => {
    const { profiles } = parse("\uFEFF[default]\r\nregion = a\r\n[profile b]\routput = c\r");
    assert.deepEqual(profiles, { default: { region: "a" }, b: { output: "c" } });
  });
});

describe("parseConfig: syntax errors name the file and line", () => {
  it("requires a section header first", () => syntaxError("# c\n\nregion = us-east-1\n", 3, /section header/));
  it("rejects a line that is not key = value", () =>
    syntaxError("[default]\nregion = a\njust words\n", 3, /expected "key = value"/));
  it("rejects an empty key", () => syntaxError("[default]\n= value\n", 2, /expected "key = value"/));
  it("rejects a header with nothing inside", () => syntaxError("[default]\n[]\n", 2, /expected "key = value"/));
  it("rejects a repeated section", () =>
    syntaxError(
      "[default]\na = 1\n[profile x]\n[default]\n",
      4,
      /section \[default\] appears twice \(first at line 1\)/,
    ));
  it("rejects a repeated key", () =>
    syntaxError(
      "[default]\nRegion = a\nregion = b\n",
      3,
      /key "region" appears twice in \[default\] \(first at line 2\)/,
    ));
  it("rejects a nested line without =", () => syntaxError("[default]\ns3 =\n  a = 1\n  b: 2\n", 4, /block under "s3"/));
  it("never shows the offending line's text (it may hold a secret)", () => {
    assert.throws(
      () => parseConfig("[default]\naws_secret_access_key wJalrXUtnFEMI\n"),
      (err: Error) => !err.message.includes("wJalr"),
    );
  });
});

describe("loadConfig", () => {
  const files: Record<string, string> = {
    "/home/runner/.aws/config":
      "[default]\nregion = us-east-1\n[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nregion = eu-west-1\n",
    "/home/runner/.aws/credentials":
      "[ci]\nregion = eu-north-1\naws_access_key_id = AKIDEXAMPLE\n[creds-only]\nx = 1\n",
    "/work/repo/.github/aws_config": "[profile repo]\nregion = ap-south-1\n",
  };
  const readFile = (path: string) => Promise.resolve(files[path]);

  it("reads ~/.aws/config and ~/.aws/credentials by default and overlays credentials keys per profile", async () => {
    const config = await loadConfig({ env: { HOME: "/home/runner" }, readFile });
    assert.deepEqual(config.files, {
      config: "/home/runner/.aws/config",
      credentials: "/home/runner/.aws/credentials",
    });
    assert.deepEqual({ ...config.profiles.ci }, {
      role_arn: "arn:aws:iam::123456789012:role/ci",
      region: "eu-north-1",
      aws_access_key_id: "AKIDEXAMPLE",
    });
    assert.equal(config.origins.ci.role_arn, "/home/runner/.aws/config");
    assert.equal(config.origins.ci.region, "/home/runner/.aws/credentials");
    assert.deepEqual({ ...config.profiles["creds-only"] }, { x: "1" });
  });

  it("expands $VAR, ${VAR} and ~ in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE", async () => {
    const seen: string[] = [];
    await loadConfig({
      env: {
        HOME: "/h",
        WS: "/work/repo",
        AWS_CONFIG_FILE: "$WS/.github/aws_config",
        AWS_SHARED_CREDENTIALS_FILE: "~/${NOPE}/c",
      },
      readFile: (path) => {
        seen.push(path);
        return Promise.resolve(undefined);
      },
    });
    assert.deepEqual(seen.sort(), ["/h/${NOPE}/c", "/work/repo/.github/aws_config"]);
  });

  it("treats missing files as empty and an empty AWS_CONFIG_FILE as no file", async () => {
    const config = await loadConfig({ env: { HOME: "/nowhere", AWS_CONFIG_FILE: "" }, readFile });
    assert.deepEqual({ ...config.profiles }, {});
    assert.equal(config.files.config, undefined);
  });

  it("reports an unreadable file with ERR_CONFIG_READ naming it and the variable to change", async () => {
    const err = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    await assert.rejects(
      loadConfig({ env: { AWS_CONFIG_FILE: "/etc/aws" }, readFile: () => Promise.reject(err) }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, "ERR_CONFIG_READ");
        assert.equal(e.file, "/etc/aws");
        assert.match(e.message, /^Cannot read \/etc\/aws: EACCES: permission denied\. .*AWS_CONFIG_FILE/);
        assert.equal(e.cause, err);
        return true;
      },
    );
  });

  it("reports a syntax error with the expanded path", async () => {
    await assert.rejects(
      loadConfig({
        env: { HOME: "/home/runner", AWS_CONFIG_FILE: "~/bad" },
        readFile: () => Promise.resolve("[default]\nnope\n"),
      }),
      { code: "ERR_CONFIG_SYNTAX", file: "/home/runner/bad", line: 2 },
    );
  });
});
