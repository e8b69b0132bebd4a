import { describe, expect, it, vi } from "vitest";

import { ApiError } from "./api/errors";
import { oneShot, outcome, tokenLink, uidTokenLink } from "./links";

describe("the mailed links", () => {
  it.each([
    ["?uid=MTI&token=cp3x-abc123", { uid: "MTI", token: "cp3x-abc123" }],
    ["?token=cp3x-abc123&uid=MTI&utm=x", { uid: "MTI", token: "cp3x-abc123" }],
    ["?uid=MTI&token=a%2Bb%3D", { uid: "MTI", token: "a+b=" }],
    ["?uid=%20MTI%20&token=t", { uid: "MTI", token: "t" }],
    ["?uid=MTI", null],
    ["?uid=MTI&token=", null],
    ["?uid=&token=t", null],
    ["", null],
  ])("uid and token of %j", (search, expected) => {
    expect(uidTokenLink(search)).toEqual(expected);
  });

  it.each([
    ["?token=eyJ1IjoxMn0:1v2:sig", { token: "eyJ1IjoxMn0:1v2:sig" }],
    ["?token=", null],
    ["?uid=MTI", null],
    ["", null],
  ])("token of %j", (search, expected) => {
    expect(tokenLink(search)).toEqual(expected);
  });
});

describe("oneShot", () => {
  it("uses a link once, however often it is asked (StrictMode runs effects twice)", async () => {
    const once = oneShot<string>();
    const post = vi.fn(() => Promise.resolve("verified"));

    const first = once("verify:MTI:t", post);
    const second = once("verify:MTI:t", post);

    expect(second).toBe(first);
    expect(await second).toBe("verified");
    expect(post).toHaveBeenCalledTimes(1);
  });

  it("keeps a failure too: the spent link is not posted again", async () => {
    const once = oneShot<string>();
    const post = vi.fn(() => Promise.reject(new Error("invalid")));

    await expect(once("k", post)).rejects.toThrow("invalid");
    await expect(once("k", post)).rejects.toThrow("invalid");
    expect(post).toHaveBeenCalledTimes(1);
  });

  it("uses each link of its own", async () => {
    const once = oneShot<string>();
    const post = vi.fn((answer: string) => Promise.resolve(answer));

    expect(await once("a", () => post("first"))).toBe("first");
    expect(await once("b", () => post("second"))).toBe("second");
    expect(post).toHaveBeenCalledTimes(2);
  });
});

describe("outcome", () => {
  it("is the value of a success", async () => {
    expect(await outcome(Promise.resolve(42))).toEqual({ ok: true, value: 42 });
  });

  it("is the code and words of an API error", async () => {
    const spent = new ApiError(400, { detail: "This link is invalid or has expired.", code: "invalid_link" });
    expect(await outcome(Promise.reject(spent))).toEqual({
      ok: false,
      code: "invalid_link",
      message: "This link is invalid or has expired, or it has been used already.",
    });
    const taken = new ApiError(409, { detail: "A user with this email already exists.", code: "email_taken" });
    expect(await outcome(Promise.reject(taken))).toMatchObject({ ok: false, code: "email_taken" });
  });

  it("has no code when the server could not be reached", async () => {
    expect(await outcome(Promise.reject(new TypeError("Failed to fetch")))).toEqual({
      ok: false,
      code: null,
      message: "The server could not be reached. Check your connection and try again.",
    });
  });
});
