// The permission matrix and the explain endpoint's verdicts, as the pages read them.
import type { Matrix, Role, Verdict } from "./api/types";

/** The policies `role` holds in `matrix` (as granted now). */
export function grantsOf(matrix: Matrix, role: Role): ReadonlySet<string> {
  return new Set(matrix.policies.filter((policy) => policy.roles.includes(role)).map((policy) => policy.name));
}

/** The checked policies of a form (`FormData.getAll`), each once, in order: the whole set a PUT sends. */
export function policyList(values: readonly FormDataEntryValue[]): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === "string"))];
}

const REASONS: Record<NonNullable<Verdict["reason"]>, string> = {
  role: "the role does not hold the policy",
  object: "the role holds the policy, but its rule on this task refuses",
  inactive: "the account is deactivated",
};

/** A verdict of GET /api/permissions/explain/ in sentences, for someone who reads no JSON. */
export function verdictWords(verdict: Verdict, roleLabel: (role: Role) => string): string[] {
  const who = verdict.role === null ? "This user has no role" : `This user's role is ${roleLabel(verdict.role)}`;
  const held =
    verdict.granted_by === "default"
      ? "it holds the policy by default (the code's defaults)"
      : verdict.granted_by === "grant"
        ? "it holds the policy by a grant made at run time"
        : "it does not hold the policy";
  const lines = [
    verdict.allowed ? `Allowed: ${verdict.policy}.` : `Refused: ${verdict.policy}.`,
    `${who}; ${held}.`,
  ];
  if (verdict.reason !== null) lines.push(`Reason (${verdict.reason}): ${REASONS[verdict.reason]}.`);
  if (verdict.rule !== null) lines.push(`Rule that decided: ${verdict.rule}.`);
  return lines;
}
