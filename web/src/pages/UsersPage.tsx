// Users, for a role with users.view (ADMIN by default): list and filter; create an account
// (users.create); for one user, change the role (users.change_role) with its history in view,
// their sessions (end them all: users.change), deactivate or reactivate (users.change), and
// explain a verdict: whether they may act under a policy (on a task), and why.
import { useRef, useState } from "react";

import { api } from "../api/client";
import { errorMessage, unwrap } from "../api/errors";
import {
  ROLE_LABELS,
  SIGNUP_ROLE_LABELS,
  type Role,
  type User,
  type UserCreateBody,
  type UserQuery,
  type Verdict,
} from "../api/types";
import { useAuth, useSignedIn } from "../auth";
import { Field, FormError, Options, text, useApiForm } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { offsetOf, Pagination } from "../components/Pagination";
import { SessionTable } from "../components/SessionTable";
import { useLoad } from "../components/useLoad";
import { verdictWords } from "../permissions";
import { navigate, queryOf, searchOf, useLocation } from "../router";

const PAGE_SIZE = 20;

function isRole(value: string): value is Role {
  return value in ROLE_LABELS;
}

function userQuery(filters: Record<string, string>): UserQuery {
  const query: UserQuery = { limit: PAGE_SIZE, offset: offsetOf(filters.page, PAGE_SIZE) };
  const { role = "", active = "", search = "" } = filters;
  if (isRole(role)) query.role = role;
  if (active === "yes" || active === "no") query.is_active = active === "yes";
  if (search) query.search = search;
  return query;
}

function fullName(user: User): string {
  return `${user.first_name} ${user.last_name}`.trim() || "—";
}

export function UsersPage() {
  const { can } = useSignedIn();
  if (can("users.view")) return <UserList />;
  return (
    <>
      <PageHeading title="Users">Users</PageHeading>
      <p>Your role may not see the list of users.</p>
    </>
  );
}

function UserList() {
  const { can } = useSignedIn();
  const { search } = useLocation();
  const filters = queryOf(search);
  const query = userQuery(filters);
  const users = useLoad(`users${searchOf(query)}`, () => unwrap(api.GET("/api/users/", { params: { query } })));
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const chosen = users.data?.items.find((user) => user.id === selected) ?? null;
  return (
    <>
      <PageHeading title="Users">Users</PageHeading>
      <Notice message={notice} />
      {can("users.create") && (
        <details className="panel">
          <summary>Create user</summary>
          <CreateUserForm
            onCreated={(user) => {
              setNotice(`${user.email} is created: a link to choose a password has been mailed to it.`);
              users.reload();
            }}
          />
        </details>
      )}
      <form
        key={search}
        className="filters"
        role="search"
        aria-label="Filter users"
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          navigate(
            `/users${searchOf({ search: text(data, "search").trim(), role: text(data, "role"), active: text(data, "active") })}`,
          );
        }}
      >
        <Field label="Search" name="search" hint="Part of an email or a name.">
          {(props) => <input {...props} type="search" defaultValue={filters.search ?? ""} />}
        </Field>
        <Field label="Role" name="role">
          {(props) => (
            <select {...props} defaultValue={filters.role ?? ""}>
              <option value="">Any role</option>
              <Options labels={ROLE_LABELS} />
            </select>
          )}
        </Field>
        <Field label="Active" name="active">
          {(props) => (
            <select {...props} defaultValue={filters.active ?? ""}>
              <option value="">Active or not</option>
              <option value="yes">Active</option>
              <option value="no">Deactivated</option>
            </select>
          )}
        </Field>
        <button type="submit">Apply filters</button>
      </form>
      <section aria-labelledby="user-list-heading" aria-busy={users.loading}>
        <h2 id="user-list-heading">Accounts</h2>
        {users.error && (
          <p className="form-error" role="alert">
            {users.error}
          </p>
        )}
        {users.data?.count === 0 && <p>No users match.</p>}
        {users.data && users.data.count > 0 && (
          <div className="table-box">
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((user) => (
                  <tr key={user.id}>
                    <th scope="row">{user.email}</th>
                    <td>{fullName(user)}</td>
                    <td>{user.id}</td>
                    <td>{ROLE_LABELS[user.role]}</td>
                    <td>{user.is_active ? "Active" : "Deactivated"}</td>
                    <td>
                      <button
                        type="button"
                        aria-expanded={selected === user.id}
                        onClick={() => {
                          setSelected(selected === user.id ? null : user.id);
                        }}
                      >
                        Manage<span className="visually-hidden"> {user.email}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {users.data && (
          <Pagination
            label="User pages"
            path="/users"
            query={filters}
            count={users.data.count}
            offset={query.offset ?? 0}
            limit={PAGE_SIZE}
          />
        )}
      </section>
      {chosen && (
        <UserPanel
          key={chosen.id}
          user={chosen}
          onChanged={(message) => {
            setNotice(message);
            users.reload();
          }}
        />
      )}
    </>
  );
}

/** POST /api/users/: an account with no password; the API mails it a link to set one. A role
 *  no visitor may choose at sign-up (ADMIN) also takes users.change_role. */
function CreateUserForm({ onCreated }: { onCreated: (user: User) => void }) {
  const { can } = useSignedIn();
  const form = useApiForm(["email", "role", "first_name", "last_name"], { email_taken: "email" });
  const fields = form.errors.fields;
  const roles: Partial<Record<Role, string>> = can("users.change_role") ? ROLE_LABELS : SIGNUP_ROLE_LABELS;
  return (
    <form
      onSubmit={form.onSubmit(async (data, element) => {
        const role = text(data, "role");
        if (!isRole(role)) return;
        const body: UserCreateBody = { email: text(data, "email"), role };
        const firstName = text(data, "first_name").trim();
        const lastName = text(data, "last_name").trim();
        if (firstName) body.first_name = firstName;
        if (lastName) body.last_name = lastName;
        const created = await unwrap(api.POST("/api/users/", { body }));
        element.reset();
        onCreated(created);
      })}
    >
      <FormError message={form.errors.form} />
      <Field label="Email" name="email" error={fields.email} hint="A link to choose a password is mailed to it.">
        {(props) => <input {...props} type="email" autoComplete="off" required />}
      </Field>
      <Field label="Role" name="role" error={fields.role}>
        {(props) => (
          <select {...props} defaultValue="CUSTOMER">
            {Object.entries(roles).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="First name (optional)" name="first_name" error={fields.first_name}>
        {(props) => <input {...props} type="text" autoComplete="off" />}
      </Field>
      <Field label="Last name (optional)" name="last_name" error={fields.last_name}>
        {(props) => <input {...props} type="text" autoComplete="off" />}
      </Field>
      <button type="submit" aria-disabled={form.busy}>
        {form.busy ? "Creating…" : "Create user"}
      </button>
    </form>
  );
}

function UserPanel({ user, onChanged }: { user: User; onChanged: (message: string) => void }) {
  const { can } = useSignedIn();
  const history = useLoad(`history-${user.id}-${user.role}`, () =>
    unwrap(api.GET("/api/users/{user_id}/role-history/", { params: { path: { user_id: user.id } } })),
  );
  const [activeError, setActiveError] = useState<string | null>(null);
  const roleForm = useApiForm(["role"], { last_admin: "role", own_role_raise: "role" });

  const setActive = async (is_active: boolean) => {
    setActiveError(null);
    try {
      await unwrap(api.PATCH("/api/users/{user_id}/", { params: { path: { user_id: user.id } }, body: { is_active } }));
      onChanged(`${user.email} is ${is_active ? "active again" : "deactivated: every session of theirs has ended"}.`);
    } catch (error) {
      setActiveError(errorMessage(error));
    }
  };

  return (
    <section className="panel" aria-labelledby="user-panel-heading">
      <h2 id="user-panel-heading" tabIndex={-1}>
        {user.email}
      </h2>
      {can("users.change_role") && (
        <form
          onSubmit={roleForm.onSubmit(async (data) => {
            const role = text(data, "role");
            if (!isRole(role) || role === user.role) return;
            await unwrap(api.PUT("/api/users/{user_id}/role/", { params: { path: { user_id: user.id } }, body: { role } }));
            onChanged(`${user.email} is now ${ROLE_LABELS[role]}.`);
          })}
        >
          <FormError message={roleForm.errors.form} />
          <Field label={`Role of ${user.email}`} name="role" error={roleForm.errors.fields.role}>
            {(props) => (
              <select {...props} defaultValue={user.role}>
                <Options labels={ROLE_LABELS} />
              </select>
            )}
          </Field>
          <button type="submit" aria-disabled={roleForm.busy}>
            Change role
          </button>
        </form>
      )}
      <section aria-labelledby="role-history-heading">
        <h3 id="role-history-heading">Role history</h3>
        {history.error && (
          <p className="form-error" role="alert">
            {history.error}
          </p>
        )}
        {history.data?.count === 0 && <p>The role has never been changed.</p>}
        {history.data && history.data.count > 0 && (
          <div className="table-box">
            <table>
              <caption className="visually-hidden">Role changes of {user.email}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((change) => (
                  <tr key={change.id}>
                    <td>{new Date(change.at).toLocaleString()}</td>
                    <td>{change.old_role === null ? "(account created)" : ROLE_LABELS[change.old_role]}</td>
                    <td>{ROLE_LABELS[change.new_role]}</td>
                    <td>{change.actor_id === null ? "Command line" : `User #${change.actor_id}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <UserSessions user={user} />
      <ExplainForm user={user} />
      {can("users.change") && (
        <div className="actions">
          {/* One button whose words change, so it keeps the focus. */}
          <button type="button" className={user.is_active ? "danger" : ""} onClick={() => void setActive(!user.is_active)}>
            {user.is_active ? "Deactivate" : "Reactivate"} {user.email}
          </button>
          <FormError message={activeError} />
        </div>
      )}
    </section>
  );
}

/** A user's live sessions (users.view; the newest 100) and, with users.change, ending them all. */
function UserSessions({ user }: { user: User }) {
  const { can, user: me } = useSignedIn();
  const { forgetSession } = useAuth();
  const path = { user_id: user.id };
  const sessions = useLoad(`sessions-${user.id}`, () =>
    unwrap(api.GET("/api/users/{user_id}/sessions/", { params: { path, query: { limit: 100 } } })),
  );
  const [ended, setEnded] = useState<string | null>(null);
  const [endError, setEndError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const endAll = async () => {
    setEndError(null);
    try {
      await unwrap(api.DELETE("/api/users/{user_id}/sessions/", { params: { path } }));
    } catch (error) {
      setEndError(errorMessage(error));
      return;
    }
    if (user.id === me.id) {
      forgetSession("You have ended every session of yours, this one included.");
      return;
    }
    setEnded(`Every session of ${user.email} has ended.`);
    sessions.reload();
    heading.current?.focus(); // the button goes with the sessions
  };

  const count = sessions.data?.count ?? 0;
  return (
    <section aria-labelledby="user-sessions-heading">
      <h3 id="user-sessions-heading" ref={heading} tabIndex={-1}>
        Sessions
      </h3>
      <Notice message={ended} />
      {sessions.error && (
        <p className="form-error" role="alert">
          {sessions.error}
        </p>
      )}
      {sessions.data && count === 0 && <p>No live sessions.</p>}
      {sessions.data && count > 0 && (
        <>
          <p>
            {count === 1 ? "1 live session" : `${count} live sessions`}
            {count > sessions.data.items.length ? `; the newest ${sessions.data.items.length} are listed.` : "."}
          </p>
          <SessionTable sessions={sessions.data.items} caption={`Live sessions of ${user.email}, newest first`} />
        </>
      )}
      {can("users.change") && sessions.data && count > 0 && (
        <div className="actions">
          <button type="button" className="danger" onClick={() => void endAll()}>
            End all sessions of {user.email}
          </button>
          <FormError message={endError} />
        </div>
      )}
    </section>
  );
}

/** GET /api/permissions/explain/ (users.view): the verdict a request of `user` would get under a
 *  policy, on a task when one is given, in words: allowed or not, how the role holds the
 *  policy (default or grant), the object rule that decided, the reason of a refusal. */
function ExplainForm({ user }: { user: User }) {
  const matrix = useLoad("matrix", () => unwrap(api.GET("/api/permissions/")));
  const form = useApiForm(["policy", "task_id"]);
  const [verdict, setVerdict] = useState<{ verdict: Verdict; task: number | null } | null>(null);
  return (
    <section aria-labelledby="explain-heading">
      <h3 id="explain-heading">Explain a permission</h3>
      {matrix.error && (
        <p className="form-error" role="alert">
          {matrix.error}
        </p>
      )}
      {matrix.data && (
        <form
          onSubmit={form.onSubmit(async (data) => {
            setVerdict(null);
            const policy = text(data, "policy");
            const task = text(data, "task_id").trim();
            const query = task ? { user_id: user.id, policy, task_id: Number(task) } : { user_id: user.id, policy };
            const answer = await unwrap(api.GET("/api/permissions/explain/", { params: { query } }));
            setVerdict({ verdict: answer, task: task ? Number(task) : null });
          })}
        >
          <FormError message={form.errors.form} />
          <Field label="Policy" name="policy" error={form.errors.fields.policy}>
            {(props) => (
              <select {...props} defaultValue={matrix.data?.policies[0]?.name}>
                {matrix.data?.policies.map((policy) => (
                  <option key={policy.name} value={policy.name}>
                    {policy.name}: {policy.description}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Task id (optional)"
            name="task_id"
            error={form.errors.fields.task_id}
            hint="With a task, the policy's rule on it decides too; without, the role alone."
          >
            {(props) => <input {...props} type="number" min={1} step={1} />}
          </Field>
          <button type="submit" aria-disabled={form.busy}>
            Explain for {user.email}
          </button>
        </form>
      )}
      <div role="status">
        {verdict && (
          <div className={verdict.verdict.allowed ? "panel verdict-box" : "panel attention verdict-box"}>
            <p>
              <strong>
                {user.email}, {verdict.verdict.policy}
                {verdict.task === null ? "" : `, task #${verdict.task}`}
              </strong>
            </p>
            <ul className="verdict">
              {verdictWords(verdict.verdict, (role: Role) => ROLE_LABELS[role]).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}
