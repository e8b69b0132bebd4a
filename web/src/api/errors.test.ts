import { describe, expect, it } from "vitest";

import { ApiError, formErrors } from "./errors";

describe("formErrors", () => {
  it("puts a code that concerns a field next to it, and keeps the code", () => {
    const wrong = new ApiError(400, { detail: "The current password is wrong.", code: "wrong_password" });
    expect(formErrors(wrong, ["new_email", "password"], { wrong_password: "password" })).toEqual({
      form: null,
      fields: { password: "The current password is wrong." },
      code: "wrong_password",
    });
  });

  it("shows any other code on the form, with the server's detail when it has no words of its own", () => {
    const unverified = new ApiError(403, { detail: "Verify your email address first.", code: "email_not_verified" });
    expect(formErrors(unverified, ["email", "password"])).toEqual({
      form: "Verify your email address first.",
      fields: {},
      code: "email_not_verified",
    });
  });

  it("says how long to wait when throttled", () => {
    const throttled = new ApiError(429, { detail: "Too many attempts.", code: "throttled" }, 42);
    expect(formErrors(throttled, [])).toEqual({ form: "Too many attempts. Try again in 42 seconds.", fields: {}, code: "throttled" });
  });
});
