// Names for the generated API types (./schema.d.ts, from docs/openapi.json): nothing here
// is written by hand, so a change of the spec that breaks a screen fails `tsc`.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type User = Schemas["UserOut"];
export type Role = Schemas["Role"];
export type RoleChange = Schemas["RoleChangeOut"];
export type Task = Schemas["TaskOut"];
export type TaskStatus = Schemas["Status"];
export type TokenPair = Schemas["TokenPairOut"];
export type Policy = Schemas["PolicyOut"];
export type Session = Schemas["SessionOut"];
export type Matrix = Schemas["MatrixOut"];
export type Verdict = Schemas["VerdictOut"];

export type RegisterBody = Schemas["RegisterIn"];
/** The roles sign-up offers: the spec publishes CUSTOMER and SELLER only. */
export type SignupRole = NonNullable<RegisterBody["role"]>;
export type ProfileBody = Schemas["ProfileUpdateIn"];
export type UserCreateBody = Schemas["UserCreateIn"];
export type TaskCreateBody = Schemas["TaskCreateIn"];
export type TaskUpdateBody = Schemas["TaskUpdateIn"];

export type TaskQuery = NonNullable<paths["/api/tasks/"]["get"]["parameters"]["query"]>;
export type TaskOrdering = NonNullable<TaskQuery["ordering"]>;
export type UserQuery = NonNullable<paths["/api/users/"]["get"]["parameters"]["query"]>;

/** Labels for the enums of the spec: a `Record` over the generated union, so a value the spec
 *  adds or drops fails `tsc` here, and the keys are the runtime list of values. */
export const STATUS_LABELS: Record<TaskStatus, string> = {
  todo: "To do",
  in_progress: "In progress",
  done: "Done",
};

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: "Admin",
  SELLER: "Seller",
  CUSTOMER: "Customer",
};

export const SIGNUP_ROLE_LABELS: Record<SignupRole, string> = {
  CUSTOMER: "Customer",
  SELLER: "Seller",
};

export const ORDERING_LABELS: Record<TaskOrdering, string> = {
  "-created_at": "Newest first",
  created_at: "Oldest first",
  due_date: "Due date, soonest first",
  "-due_date": "Due date, latest first",
  title: "Title, A to Z",
  "-title": "Title, Z to A",
};

export function keysOf<K extends string>(record: Record<K, string>): K[] {
  return Object.keys(record) as K[];
}
