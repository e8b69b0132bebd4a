import { describe, expect, it } from "vitest";

import { localPath, queryOf, searchOf } from "./router";

describe("the query string", () => {
  it("reads and writes only non-empty values", () => {
    expect(queryOf("?status=done&search=&page=2")).toEqual({ status: "done", page: "2" });
    expect(searchOf({ status: "done", search: "", assignee: null, page: 2, active: false })).toBe(
      "?status=done&page=2&active=false",
    );
    expect(searchOf({ search: "" })).toBe("");
  });
});

describe("localPath", () => {
  it.each([
    ["/tasks?page=2", "/tasks?page=2"],
    ["/profile", "/profile"],
    [undefined, "/tasks"],
    ["https://evil.example/", "/tasks"],
    ["//evil.example/", "/tasks"],
    ["/\\evil.example/", "/tasks"],
    ["tasks", "/tasks"],
  ])("%s -> %s", (next, expected) => {
    expect(localPath(next, "/tasks")).toBe(expected);
  });
});
