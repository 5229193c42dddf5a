/**
 * Every fault knob seen from plain clients, on STS and the token server and on the other platforms' endpoints.
 * Runs under Node (tsx), Deno and Bun.
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Emulator, startEmulator } from "../../emulator/mod.ts";
import { assertStsError, assume, DEPLOY, IDENTITY, raw, type RawAnswer, tokenHeaders } from "./_setup.ts";

describe("faults", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator();
  });
  after(() => em.stop());

  it("raw replies: any status, body, content type and headers", async () => {
    em.reset();
    em.fault("token", { status: 502, body: "Bad Gateway" });
    em.fault("sts", { status: 429, headers: { "retry-after": "2" } });
    const bad = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.deepEqual([bad.status, bad.headers!["content-type"], bad.head, bad.complete], [
      502,
      "text/plain",
      "Bad Gateway",
      true,
    ]);
    const limited = await raw(em.stsUrl, { method: "POST", body: "Action=GetCallerIdentity" });
    assert.deepEqual([
      limited.status,
      limited.headers!["retry-after"],
      limited.received,
      limited.headers!["content-type"],
    ], [429, "2", 0, undefined]);
    em.fault("token", { status: 500, body: '{"message":"oops"}', contentType: "application/json" });
    const json = await fetch(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.deepEqual([json.status, json.headers.get("content-type"), await json.json()], [500, "application/json", {
      message: "oops",
    }]);
    assert.deepEqual(em.requests.map((r) => [r.target, r.status, r.faulted]), [
      ["token", 502, true],
      ["sts", 429, true],
      ["token", 500, true],
    ]);
  });

  it("stsError replies with the code's default status and type, or the ones given", async () => {
    const token = await em.mintToken();
    const expect: [Parameters<Emulator["fault"]>[1], number, string, string | RegExp][] = [
      [{ stsError: "Throttling" }, 400, "Throttling", "Rate exceeded"],
      [{ stsError: "IDPCommunicationError" }, 400, "IDPCommunicationError", /could not be reached/],
      [{ stsError: "InvalidIdentityToken", message: "custom <msg>" }, 400, "InvalidIdentityToken", "custom <msg>"],
      [{ stsError: "ExpiredTokenException" }, 400, "ExpiredTokenException", /^Token expired/],
      [{ stsError: "AccessDenied" }, 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"],
      [{ stsError: "ServiceUnavailable" }, 503, "ServiceUnavailable", /temporary failure/],
      [{ stsError: "InternalFailure" }, 500, "InternalFailure", /unknown error/],
      [{ stsError: "Throttling", status: 429 }, 429, "Throttling", "Rate exceeded"],
    ];
    for (const [fault, status, code, message] of expect) {
      em.fault("sts", fault);
      assertStsError(await assume(em, token), status, code, message);
    }
    assert.equal((await assume(em, token)).status, 200);
  });

  it("html: a load balancer's error page", async () => {
    em.fault("sts", { html: true });
    em.fault("token", { html: true, status: 502 });
    const sts = await raw(em.stsUrl, { method: "POST" });
    assert.deepEqual([sts.status, sts.headers!["content-type"]], [503, "text/html"]);
    assert.match(sts.head, /^<html>\r\n<head><title>503 Service Unavailable<\/title>/);
    const token = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.equal(token.status, 502);
    assert.match(token.head, /502 Bad Gateway/);
  });

  it("truncate: full Content-Length announced, half the body sent, then the connection cut", async () => {
    for (const target of ["token", "sts"] as const) {
      em.reset();
      em.fault(target, { truncate: true });
      const answer = target === "token" ? await raw(em.tokenUrl, { headers: tokenHeaders(em) }) : await raw(em.stsUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body:
          `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=${DEPLOY}&RoleSessionName=abc&WebIdentityToken=${await em
            .mintToken()}`,
      });
      assert.equal(answer.status, 200, target);
      const length = Number(answer.headers!["content-length"]);
      assert.ok(length > 100);
      assert.equal(answer.received, Math.floor(length / 2), target);
      assert.equal(answer.complete, false);
      assert.ok(answer.error && answer.error !== "timeout", `${target}: ${answer.error}`);
      assert.deepEqual(em.requests.map((r) => [r.status, r.faulted]), [[200, true]]);
    }
    em.fault("token", { truncate: true });
    const res = await fetch(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
  });

  it("drop: the connection is destroyed before any response", async () => {
    em.reset();
    em.fault("sts", { drop: true, times: 2 });
    const plain = await raw(em.stsUrl, { method: "POST", body: "Action=GetCallerIdentity" });
    assert.equal(plain.status, undefined);
    assert.ok(plain.error && plain.error !== "timeout", plain.error);
    await assert.rejects(fetch(em.stsUrl, { method: "POST", body: "x=1" }), TypeError);
    assert.deepEqual(em.requests.map((r) => [r.status, r.faulted]), [[0, true], [0, true]]);
  });

  it("hang: no answer until the client gives up", async () => {
    em.reset();
    em.fault("token", { hang: true });
    const answer = await raw(em.tokenUrl, { headers: tokenHeaders(em), timeoutMs: 200 });
    assert.deepEqual([answer.status, answer.error], [undefined, "timeout"]);
    assert.ok(answer.ms >= 190);
    em.fault("token", { hang: true });
    const started = Date.now();
    await assert.rejects(fetch(em.tokenUrl, { headers: tokenHeaders(em), signal: AbortSignal.timeout(150) }));
    assert.ok(Date.now() - started >= 140);
    assert.equal((await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status, 200, "the next request is answered");
    assert.deepEqual(em.requests.map((r) => [r.status, r.faulted ?? false]), [[0, true], [0, true], [200, false]]);
  });

  it("delayMs: answers normally after the delay; latencyMs delays every response", async () => {
    em.fault("token", { delayMs: 150 });
    const slow = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.equal(slow.status, 200);
    assert.ok(slow.complete);
    assert.ok(slow.ms >= 140, `${slow.ms}`);
    em.fault("sts", { delayMs: 100, stsError: "Throttling" });
    const throttled = await raw(em.stsUrl, { method: "POST" });
    assert.ok(throttled.status === 400 && throttled.ms >= 90);
    await using laggy = await startEmulator({ latencyMs: 120 });
    const lag = await raw(`${laggy.url}/.well-known/jwks`);
    assert.equal(lag.status, 200);
    assert.ok(lag.ms >= 110, `${lag.ms}`);
  });

  it("redirect: Location to another URL", async () => {
    em.fault("token", { redirect: "http://127.0.0.1:9/elsewhere" });
    em.fault("sts", { redirect: `${em.url}/sts`, status: 308 });
    const token = await raw(em.tokenUrl, { headers: tokenHeaders(em) });
    assert.deepEqual([token.status, token.headers!.location], [307, "http://127.0.0.1:9/elsewhere"]);
    const sts = await raw(em.stsUrl, { method: "POST" });
    assert.deepEqual([sts.status, sts.headers!.location], [308, `${em.url}/sts`]);
    em.fault("token", { redirect: "http://127.0.0.1:9/elsewhere" });
    await assert.rejects(fetch(em.tokenUrl, { headers: tokenHeaders(em), redirect: "error" }));
  });

  it("hugeBody: a streamed 200 of exactly that many bytes", async () => {
    const size = 16 * 1024 * 1024 + 3;
    em.fault("token", { hugeBody: size });
    const token = await raw(em.tokenUrl, { headers: tokenHeaders(em), timeoutMs: 4000 });
    assert.deepEqual([token.status, token.headers!["content-length"], token.received, token.complete], [
      200,
      String(size),
      size,
      true,
    ]);
    assert.match(token.headers!["content-type"]!, /^application\/json/);
    assert.ok(token.head.startsWith('{"count":1,"value":"AAAA'));
    assert.ok(token.tail.endsWith('AAAA"}'));
    em.fault("sts", { hugeBody: 100_000 });
    const sts = await raw(em.stsUrl, { method: "POST" });
    assert.deepEqual([sts.status, sts.received, sts.headers!["content-type"]], [200, 100_000, "text/xml"]);
    assert.ok(sts.head.startsWith("<AssumeRoleWithWebIdentityResponse"));
    assert.ok(sts.tail.endsWith("</AssumeRoleWithWebIdentityResponse>\n"));
    em.fault("sts", { hugeBody: 10 });
    assert.equal((await raw(em.stsUrl, { method: "POST" })).received, 10);
    em.fault("token", { hugeBody: 64 * 1024 * 1024 });
    const gaveUp = await raw(em.tokenUrl, { headers: tokenHeaders(em), abortAfterBytes: 100_000 });
    assert.equal(gaveUp.error, "aborted by client");
    assert.equal(
      (await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status,
      200,
      "still serving after a client left mid-body",
    );
  });

  it("times, queue order and reset", async () => {
    em.reset();
    em.fault("sts", { stsError: "Throttling", times: 2 });
    em.fault("sts", { status: 503 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await raw(em.stsUrl, { method: "POST" })).status);
    assert.deepEqual(statuses, [400, 400, 503, 400]); // the last one is the real MissingAction
    assert.deepEqual(em.requests.map((r) => r.faulted ?? false), [true, true, true, false]);
    em.fault("token", { status: 500 });
    em.reset();
    assert.equal(em.count(), 0);
    assert.equal((await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status, 200);
    assert.throws(() => em.fault("token", { stats: 500 } as never), TypeError);
    assert.throws(() => em.fault("jwks" as never, { status: 500 }), TypeError);
  });
});

describe("faults on the other platforms' endpoints", () => {
  let em: Emulator;
  before(async () => {
    em = await startEmulator();
  });
  after(() => em.stop());

  const call = (target: "buildkite" | "azure" | "gcp", init: { abortAfterBytes?: number } = {}): Promise<RawAnswer> =>
    target === "buildkite"
      ? raw(`${em.buildkiteEndpoint}/jobs/${em.buildkiteJobId}/oidc/tokens`, {
        method: "POST",
        headers: { authorization: `Token ${em.buildkiteAgentToken}`, "content-type": "application/json" },
        body: "{}",
        ...init,
      })
      : target === "azure"
      ? raw(`${em.azureOidcUrl}?api-version=7.1`, {
        method: "POST",
        headers: { authorization: `Bearer ${em.azureAccessToken}`, "content-type": "application/json" },
        body: "{}",
        ...init,
      })
      : raw(`http://${em.gcpMetadataHost}${IDENTITY}?audience=a`, {
        headers: { "metadata-flavor": "Google" },
        ...init,
      });

  it("queues every fault kind for buildkite, azure and gcp, and leaves the other targets alone", async () => {
    const shapes = {
      buildkite: ['{"token":"AAA', 'AAA"}', 201],
      azure: ['{"oidcToken":"AAA', 'AAA"}', 200],
      gcp: ["AAA", "AAA", 200],
    };
    for (const target of ["buildkite", "azure", "gcp"] as const) {
      em.reset();
      em.fault(target, { status: 503, body: "busy", headers: { "retry-after": "1" }, times: 2 });
      em.fault(target, { drop: true });
      em.fault(target, { truncate: true });
      em.fault(target, { hugeBody: 100_000 });
      em.fault(target, { html: true, status: 502 });
      assert.equal(
        (await raw(em.tokenUrl, { headers: tokenHeaders(em) })).status,
        200,
        "GitHub's endpoint is not faulted",
      );
      const busy = [await call(target), await call(target)];
      assert.deepEqual(busy.map((a) => [a.status, a.head, a.headers!["retry-after"]]), [[503, "busy", "1"], [
        503,
        "busy",
        "1",
      ]]);
      const dropped = await call(target);
      assert.deepEqual([dropped.status, dropped.error !== undefined], [undefined, true]);
      const cut = await call(target);
      assert.equal(cut.status, shapes[target][2], target);
      assert.equal(cut.complete, false);
      assert.equal(cut.received, Math.floor(Number(cut.headers!["content-length"]) / 2));
      const huge = await call(target);
      assert.deepEqual([huge.status, huge.received, huge.complete], [200, 100_000, true]);
      assert.ok(huge.head.startsWith(shapes[target][0] as string), huge.head);
      assert.ok(huge.tail.endsWith(shapes[target][1] as string), huge.tail);
      assert.equal(
        huge.headers!["content-type"],
        target === "gcp" ? "application/text" : "application/json; charset=utf-8",
      );
      const html = await call(target);
      assert.deepEqual([html.status, html.headers!["content-type"]], [502, "text/html"]);
      const normal = await call(target);
      assert.equal(normal.status, shapes[target][2], `${target} answers normally once the queue is empty`);
      assert.deepEqual(em.requests.filter((r) => r.target === target).map((r) => r.faulted ?? false), [
        true,
        true,
        true,
        true,
        true,
        true,
        false,
      ]);
      assert.equal(em.count(target), 7);
    }
    em.fault("gcp", { hang: true });
    const hung = await raw(`http://${em.gcpMetadataHost}${IDENTITY}?audience=a`, { timeoutMs: 150 });
    assert.equal(hung.error, "timeout");
    em.fault("azure", { status: 500 });
    em.fault("buildkite", { status: 500 });
    em.reset();
    assert.equal((await call("azure")).status, 200, "reset clears every queue");
    assert.equal((await call("buildkite")).status, 201);
  });
});
