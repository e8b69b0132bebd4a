import { describe, expect, it } from "vitest";

import type { Matrix, Verdict } from "./api/types";
import { grantsOf, policyList, verdictWords } from "./permissions";

const MATRIX: Matrix = {
  roles: ["ADMIN", "SELLER", "CUSTOMER"],
  policies: [
    { name: "tasks.assign", description: "Assign tasks", roles: ["ADMIN", "SELLER"] },
    { name: "tasks.create", description: "Create tasks", roles: ["ADMIN", "SELLER", "CUSTOMER"] },
    { name: "users.view", description: "See users", roles: ["ADMIN"] },
  ],
};

const label = (role: string) => role.charAt(0) + role.slice(1).toLowerCase();

describe("grantsOf", () => {
  it("lists the policies a role holds now", () => {
    expect([...grantsOf(MATRIX, "SELLER")]).toEqual(["tasks.assign", "tasks.create"]);
    expect([...grantsOf(MATRIX, "CUSTOMER")]).toEqual(["tasks.create"]);
  });
});

describe("policyList", () => {
  it("keeps each checked name once, and strings only", () => {
    expect(policyList(["tasks.create", "users.view", "tasks.create"])).toEqual(["tasks.create", "users.view"]);
    expect(policyList([])).toEqual([]);
  });
});

describe("verdictWords", () => {
  it("says why an assignee may not delete: the object rule", () => {
    const verdict: Verdict = {
      allowed: false,
      policy: "tasks.delete_own",
      role: "CUSTOMER",
      reason: "object",
      granted_by: "default",
      rule: "is_owner",
    };
    expect(verdictWords(verdict, label)).toEqual([
      "Refused: tasks.delete_own.",
      "This user's role is Customer; it holds the policy by default (the code's defaults).",
      "Reason (object): the role holds the policy, but its rule on this task refuses.",
      "Rule that decided: is_owner.",
    ]);
  });

  it("says a grant made at run time allows", () => {
    const verdict: Verdict = { allowed: true, policy: "users.view", role: "SELLER", reason: null, granted_by: "grant", rule: null };
    expect(verdictWords(verdict, label)).toEqual([
      "Allowed: users.view.",
      "This user's role is Seller; it holds the policy by a grant made at run time.",
    ]);
  });

  it("says a role without the policy is refused for the role", () => {
    const verdict: Verdict = { allowed: false, policy: "users.view", role: "CUSTOMER", reason: "role", granted_by: null, rule: null };
    expect(verdictWords(verdict, label)).toEqual([
      "Refused: users.view.",
      "This user's role is Customer; it does not hold the policy.",
      "Reason (role): the role does not hold the policy.",
    ]);
  });
});
