// A small typed client of the kind a React app writes against docs/openapi.json.
// `src/schema.d.ts` is generated from the committed spec (npm run generate); if a schema
// the frontend relies on changes incompatibly, `tsc --noEmit` fails here.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer Body } } };
}
  ? Body
  : paths[P][M] extends { responses: { 201: { content: { "application/json": infer Body } } } }
    ? Body
    : never;
type Accepted<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 202: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;
type RequestBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

export type User = Schemas["UserOut"];
export type Task = Schemas["TaskOut"];
export type Role = User["role"];
export type TaskStatus = Task["status"];

// Every error answer of every operation, derived from the spec: `{detail, code}` with the
// operation's codes as a union (a 403 from the policy layer adds `policy`, a 422 a list).
type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503;
type ErrorBodyOf<Op> = Op extends { responses: infer R }
  ? {
      [S in keyof R & ErrorStatus]: R[S] extends { content: { "application/json": infer B } } ? B : never;
    }[keyof R & ErrorStatus]
  : never;
type AnyOperation = { [P in keyof paths]: { [M in keyof paths[P]]: paths[P][M] }[keyof paths[P]] }[keyof paths];
export type ApiErrorBody = ErrorBodyOf<AnyOperation>;
export type ErrorCode = ApiErrorBody["code"];
// The codes are a closed union a `switch` can be checked against, not just `string`.
const errorCodesAreTyped: string extends ErrorCode ? false : true = true;
const handledCodes: ErrorCode[] = [
  "permission_denied", "not_authenticated", "last_admin", "email_taken", "validation_error",
  "invalid_link", "email_not_verified", "wrong_password", "throttled",
];
void errorCodesAreTyped;
void handledCodes;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(`HTTP ${status}`);
  }
}

export class NexoraClient {
  private access: string | null = null;
  private refreshToken: string | null = null;

  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.access) headers["Authorization"] = `Bearer ${this.access}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(this.baseUrl + path, init);
    if (response.status === 204) return undefined as T;
    const data: unknown = await response.json();
    if (!response.ok) throw new ApiError(response.status, data as ApiError["body"]);
    return data as T;
  }

  register(body: RequestBody<"/api/register/", "post">): Promise<User> {
    return this.call<Json<"/api/register/", "post">>("POST", "/api/register/", body);
  }

  async login(email: string, password: string): Promise<User> {
    const body: RequestBody<"/api/login/", "post"> = { email, password };
    const result = await this.call<Json<"/api/login/", "post">>("POST", "/api/login/", body);
    this.access = result.access;
    this.refreshToken = result.refresh;
    return result.user;
  }

  async refresh(): Promise<void> {
    if (!this.refreshToken) throw new Error("not logged in");
    const pair = await this.call<Json<"/api/token/refresh/", "post">>("POST", "/api/token/refresh/", {
      refresh: this.refreshToken,
    });
    this.access = pair.access;
    this.refreshToken = pair.refresh;
  }

  listTasks(query: paths["/api/tasks/"]["get"]["parameters"]["query"] = {}): Promise<Json<"/api/tasks/", "get">> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    return this.call("GET", `/api/tasks/?${params.toString()}`);
  }

  createTask(body: RequestBody<"/api/tasks/", "post">): Promise<Task> {
    return this.call<Json<"/api/tasks/", "post">>("POST", "/api/tasks/", body);
  }

  updateTask(id: number, body: RequestBody<"/api/tasks/{task_id}/", "patch">): Promise<Task> {
    return this.call<Json<"/api/tasks/{task_id}/", "patch">>("PATCH", `/api/tasks/${id}/`, body);
  }

  // The account lifecycle: the web client's /reset-password, /verify-email and /confirm-email
  // routes read `uid` and `token` from their query string and post them here.
  async requestPasswordReset(email: string): Promise<string> {
    const body: RequestBody<"/api/password/reset/", "post"> = { email };
    const accepted: Accepted<"/api/password/reset/", "post"> = await this.call("POST", "/api/password/reset/", body);
    return accepted.detail;
  }

  resetPassword(body: RequestBody<"/api/password/reset/confirm/", "post">): Promise<void> {
    return this.call("POST", "/api/password/reset/confirm/", body);
  }

  verifyEmail(body: RequestBody<"/api/email/verify/", "post">): Promise<User> {
    return this.call<Json<"/api/email/verify/", "post">>("POST", "/api/email/verify/", body);
  }

  resendVerification(): Promise<Accepted<"/api/email/verify/resend/", "post">> {
    return this.call("POST", "/api/email/verify/resend/");
  }

  changeEmail(body: RequestBody<"/api/profile/email/", "post">): Promise<Accepted<"/api/profile/email/", "post">> {
    return this.call("POST", "/api/profile/email/", body);
  }

  confirmEmail(token: string): Promise<User> {
    const body: RequestBody<"/api/profile/email/confirm/", "post"> = { token };
    return this.call<Json<"/api/profile/email/confirm/", "post">>("POST", "/api/profile/email/confirm/", body);
  }

  deleteAccount(password: string): Promise<void> {
    const body: RequestBody<"/api/profile/", "delete"> = { password };
    return this.call("DELETE", "/api/profile/", body);
  }

  createUser(body: RequestBody<"/api/users/", "post">): Promise<User> {
    return this.call<Json<"/api/users/", "post">>("POST", "/api/users/", body);
  }

  permissionMatrix(): Promise<Json<"/api/permissions/", "get">> {
    return this.call("GET", "/api/permissions/");
  }

  myPermissions(): Promise<Json<"/api/profile/permissions/", "get">> {
    return this.call("GET", "/api/profile/permissions/");
  }
}

// What a screen does with it: every name and type below is checked against the spec.
export async function dayOne(client: NexoraClient): Promise<string[]> {
  await client.register({ email: "ada@example.com", password: "analytical-engine-1843", role: "SELLER" });
  const me: User = await client.login("ada@example.com", "analytical-engine-1843");
  const role: Role = me.role;
  const task: Task = await client.createTask({ title: "Ship the catalogue", due_date: "2026-12-01" });
  const done: TaskStatus = "done";
  const updated = await client.updateTask(task.id, { status: done, assignee_id: me.id });
  const page = await client.listTasks({ status: "todo", ordering: "-due_date", limit: 20, offset: 0 });
  const titles: string[] = page.items.map((item: Task) => item.title);
  const count: number = page.count;
  const matrix = await client.permissionMatrix();
  const canAssign = matrix.policies.some((policy) => policy.name === "tasks.assign" && policy.roles.includes(role));
  const mine = await client.myPermissions();
  await client.refresh();
  // A forgotten password and a new address, from the links in the mails.
  const sent: string = await client.requestPasswordReset("ada@example.com");
  await client.resetPassword({ uid: "MQ", token: "from-the-link", new_password: "difference-engine-1837" });
  const verified: boolean = (await client.verifyEmail({ uid: "MQ", token: "from-the-link" })).email_verified;
  await client.changeEmail({ new_email: "countess@example.com", password: "difference-engine-1837" });
  const moved: string = (await client.confirmEmail("from-the-link")).email;
  const hired: User = await client.createUser({ email: "babbage@example.com", role: "SELLER" });
  await client.deleteAccount("difference-engine-1837");
  void [sent, verified, moved, hired];
  return [...titles, String(count), updated.status, String(canAssign), ...mine.permissions];
}
