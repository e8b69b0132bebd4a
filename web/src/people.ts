// People as a task shows them. A task carries only `owner_id` and `assignee_id`; the names of
// the people picked from the user directory in this tab are remembered, so a task assigned
// here says whom to (others stay "User #id": reading anyone's account needs users.view).
import type { components } from "./api/schema";

export type Person = components["schemas"]["DirectoryUserOut"];

const known = new Map<number, Person>();

export function rememberPeople(people: readonly Person[]): void {
  for (const person of people) known.set(person.id, person);
}

/** "Ada Lovelace (ada@example.com)", or the email alone when the account has no name. */
export function personName(person: Person): string {
  const name = `${person.first_name} ${person.last_name}`.trim();
  return name ? `${name} (${person.email})` : person.email;
}

/** Who a task's `owner_id` or `assignee_id` is, for the user `me`. */
export function whoIs(id: number | null, me: number): string {
  if (id === null) return "Nobody";
  if (id === me) return "You";
  const person = known.get(id);
  return person ? personName(person) : `User #${id}`;
}
