/**
 * lib/_sigv4.ts against AWS's published Signature Version 4 test suite ("aws-sig-v4-test-suite",
 * https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): the same key, date,
 * region and service, each request's inputs, and the signature AWS computed. Where the suite's
 * canonical request agrees with its signature, the hash of our canonical request (the last line of
 * its string to sign) is checked too.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { signRequest } from "../../lib/_sigv4.ts";

const KEYS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const SCOPE = { region: "us-east-1", service: "service", now: Date.UTC(2015, 7, 30, 12, 36, 0) };
const TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

interface Vector {
  name: string;
  method: "GET" | "POST";
  uri: string;
  /** Headers besides Host and X-Amz-Date (the signer adds those). Repeated headers joined by commas, as fetch sends them. */
  headers?: Record<string, string>;
  body?: string;
  sessionToken?: string;
  signedHeaders: string;
  signature: string;
  /** The last line of the suite's string to sign: the SHA-256 of the canonical request. */
  canonicalHash?: string;
}

const VECTORS: Vector[] = [
  {
    name: "get-vanilla",
    method: "GET",
    uri: "/",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    canonicalHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
  },
  {
    name: "get-vanilla-query",
    method: "GET",
    uri: "/",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    canonicalHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
  },
  {
    name: "get-vanilla-empty-query-key",
    method: "GET",
    uri: "/?Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    canonicalHash: "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
  },
  {
    name: "get-vanilla-query-order-key",
    method: "GET",
    uri: "/?Param1=value2&Param1=Value1",
    signedHeaders: "host;x-amz-date",
    signature: "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
    canonicalHash: "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
  },
  {
    name: "get-vanilla-query-order-key-case",
    method: "GET",
    uri: "/?Param2=value2&Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    canonicalHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
  },
  {
    name: "get-vanilla-query-order-value",
    method: "GET",
    uri: "/?Param1=value2&Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
    canonicalHash: "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
  },
  {
    name: "get-vanilla-query-unreserved",
    method: "GET",
    uri: "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=" +
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    signedHeaders: "host;x-amz-date",
    signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    canonicalHash: "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
  },
  {
    name: "get-vanilla-utf8-query",
    method: "GET",
    uri: "/?\u1234=bar",
    signedHeaders: "host;x-amz-date",
    signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    canonicalHash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
  },
  {
    name: "get-unreserved",
    method: "GET",
    uri: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    signedHeaders: "host;x-amz-date",
    signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    canonicalHash: "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
  },
  {
    name: "get-utf8",
    method: "GET",
    uri: "/\u1234",
    signedHeaders: "host;x-amz-date",
    signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    canonicalHash: "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
  },
  {
    name: "get-header-key-duplicate",
    method: "GET",
    uri: "/",
    headers: { "My-Header1": "value2,value2,value1" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    canonicalHash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
  },
  {
    name: "get-header-value-order",
    method: "GET",
    uri: "/",
    headers: { "My-Header1": "value4,value1,value3,value2" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
    canonicalHash: "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
  },
  {
    name: "get-header-value-trim",
    method: "GET",
    uri: "/",
    headers: { "My-Header1": " value1", "My-Header2": ' "a   b   c"' },
    signedHeaders: "host;my-header1;my-header2;x-amz-date",
    signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    canonicalHash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
  },
  {
    name: "post-vanilla",
    method: "POST",
    uri: "/",
    signedHeaders: "host;x-amz-date",
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    canonicalHash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
  },
  {
    name: "post-vanilla-query",
    method: "POST",
    uri: "/?Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    canonicalHash: "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
  },
  {
    name: "post-vanilla-empty-query-value",
    method: "POST",
    uri: "/?Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    canonicalHash: "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
  },
  {
    name: "post-header-key-case",
    method: "POST",
    uri: "/",
    signedHeaders: "host;x-amz-date",
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    canonicalHash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
  },
  {
    name: "post-header-key-sort",
    method: "POST",
    uri: "/",
    headers: { "My-Header1": "value1" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
    canonicalHash: "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
  },
  {
    name: "post-header-value-case",
    method: "POST",
    uri: "/",
    headers: { "My-Header1": "VALUE1" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
    canonicalHash: "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    uri: "/",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
  {
    name: "post-x-www-form-urlencoded-parameters",
    method: "POST",
    uri: "/",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf8" },
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
  },
  {
    name: "post-sts-header-before",
    method: "POST",
    uri: "/",
    sessionToken: TOKEN,
    signedHeaders: "host;x-amz-date;x-amz-security-token",
    signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
    canonicalHash: "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
  },
  // normalize-path: the canonical URI of every service but S3 is the normalized path.
  {
    name: "get-relative",
    method: "GET",
    uri: "/example/..",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    canonicalHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
  },
  {
    name: "get-relative-relative",
    method: "GET",
    uri: "/example1/example2/../..",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    canonicalHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
  },
  {
    name: "get-slash",
    method: "GET",
    uri: "//",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    canonicalHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
  },
  {
    name: "get-slash-dot-slash",
    method: "GET",
    uri: "/./",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    canonicalHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
  },
  {
    name: "get-slash-pointless-dot",
    method: "GET",
    uri: "/./example",
    signedHeaders: "host;x-amz-date",
    signature: "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
    canonicalHash: "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
  },
  {
    name: "get-slashes",
    method: "GET",
    uri: "//example//",
    signedHeaders: "host;x-amz-date",
    signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
    canonicalHash: "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
  },
  {
    name: "get-space",
    method: "GET",
    uri: "/example space/",
    signedHeaders: "host;x-amz-date",
    signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    canonicalHash: "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
  },
];

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function sign(vector: Vector) {
  return signRequest(
    {
      method: vector.method,
      url: `https://example.amazonaws.com${vector.uri}`,
      headers: vector.headers ?? {},
      body: vector.body ?? "",
    },
    { ...KEYS, sessionToken: vector.sessionToken },
    SCOPE,
  );
}

describe("SigV4: AWS's test suite", () => {
  for (const vector of VECTORS) {
    it(vector.name, async () => {
      const signed = await sign(vector);
      assert.equal(
        signed.headers.authorization,
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ` +
          `SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
      );
      assert.equal(signed.headers["x-amz-date"], "20150830T123600Z");
      const lines = signed.stringToSign.split("\n");
      assert.deepEqual(lines.slice(0, 3), [
        "AWS4-HMAC-SHA256",
        "20150830T123600Z",
        "20150830/us-east-1/service/aws4_request",
      ]);
      if (vector.canonicalHash) assert.equal(lines[3], vector.canonicalHash);
      assert.equal(lines[3], await sha256Hex(signed.canonicalRequest));
    });
  }
});

describe("SigV4: what the signer sends", () => {
  it("get-vanilla's canonical request, line by line, as the suite gives it", async () => {
    const signed = await sign(VECTORS[0]);
    assert.equal(
      signed.canonicalRequest,
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("sends the session token and the date, and leaves Host to fetch", async () => {
    const signed = await sign(VECTORS.find((v) => v.name === "post-sts-header-before")!);
    assert.equal(signed.headers["x-amz-security-token"], TOKEN);
    assert.equal(signed.headers.host, undefined);
  });

  it("a different key, region, service, date or body gives a different signature", async () => {
    const base = VECTORS.find((v) => v.name === "post-x-www-form-urlencoded")!;
    const request = {
      method: base.method,
      url: "https://example.amazonaws.com/",
      headers: base.headers!,
      body: base.body!,
    };
    const variants = [
      signRequest(request, { ...KEYS, secretAccessKey: `${KEYS.secretAccessKey}x` }, SCOPE),
      signRequest(request, KEYS, { ...SCOPE, region: "eu-west-1" }),
      signRequest(request, KEYS, { ...SCOPE, service: "sts" }),
      signRequest(request, KEYS, { ...SCOPE, now: SCOPE.now + 1000 }),
      signRequest({ ...request, body: "Param1=value2" }, KEYS, SCOPE),
    ];
    for (const variant of await Promise.all(variants)) assert.notEqual(variant.signature, base.signature);
  });
});
