// Spacelift: SPACELIFT_OIDC_TOKEN, with a fixed audience.
import { describe } from "node:test";
import { detects, parses, TOKEN } from "./_sources.ts";

describe("Spacelift: parseTokenServer", () => {
  parses([
    ["Spacelift", { type: "env", name: "SPACELIFT_OIDC_TOKEN", platform: "Spacelift" }],
  ]);
});

describe("Spacelift: detectTokenSource", () => {
  detects("Spacelift", { SPACELIFT_OIDC_TOKEN: TOKEN }, "env", "SPACELIFT_OIDC_TOKEN");
});
