// The permission matrix as granted now (roles x policies, each policy described), for every
// role with permissions.view; with permissions.manage, changing a role's grants (the whole set
// saved at once, or the code's defaults restored) and the log of those changes.
import { useState, type ReactNode } from "react";

import { api } from "../api/client";
import { errorMessage, unwrap } from "../api/errors";
import { ROLE_LABELS, type Matrix, type Role } from "../api/types";
import { useSignedIn } from "../auth";
import { Field, FormError, useApiForm } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { offsetOf, Pagination } from "../components/Pagination";
import { useLoad } from "../components/useLoad";
import { grantsOf, policyList } from "../permissions";
import { queryOf, searchOf, useLocation } from "../router";

const PAGE_SIZE = 20;

/** A policy's name, free to break after each dot on a narrow screen. */
export function PolicyCode({ name }: { name: string }): ReactNode {
  const parts = name.split(".");
  return (
    <code>
      {parts.map((part, index) => (
        <span key={index}>
          {index > 0 && "."}
          {index > 0 && <wbr />}
          {part}
        </span>
      ))}
    </code>
  );
}

export function PermissionsPage() {
  const { can } = useSignedIn();
  const [version, setVersion] = useState(0);
  const matrix = useLoad(`matrix#${version}`, () => unwrap(api.GET("/api/permissions/")));
  const [notice, setNotice] = useState<string | null>(null);
  const manage = can("permissions.manage");

  const changed = (message: string) => {
    setNotice(message);
    setVersion((n) => n + 1);
  };

  return (
    <>
      <PageHeading title="Permissions">Permissions</PageHeading>
      <p>
        Which role holds which policy, as granted now. The API checks every request against it;
        {manage ? " you may change a role's grants below." : " an admin may change it."}
      </p>
      <Notice message={notice} />
      {!can("permissions.view") ? (
        <p>Your role may not see the permission matrix.</p>
      ) : (
        <section aria-labelledby="matrix-heading" aria-busy={matrix.loading}>
          <h2 id="matrix-heading">Policies and the roles that hold them</h2>
          {matrix.error && (
            <p className="form-error" role="alert">
              {matrix.error}
            </p>
          )}
          {matrix.data && <MatrixTable matrix={matrix.data} />}
        </section>
      )}
      {manage && matrix.data && <GrantsForm matrix={matrix.data} onChanged={changed} />}
      {manage && <ChangeLog version={version} />}
    </>
  );
}

function MatrixTable({ matrix }: { matrix: Matrix }) {
  return (
    <div className="table-box">
      <table className="matrix">
        <caption className="visually-hidden">Each policy, what it allows, and whether each role holds it now</caption>
        <thead>
          <tr>
            <th scope="col">Policy</th>
            {matrix.roles.map((role) => (
              <th key={role} scope="col">
                {ROLE_LABELS[role]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.policies.map((policy) => (
            <tr key={policy.name}>
              <th scope="row">
                <PolicyCode name={policy.name} />
                <span className="description">{policy.description}</span>
              </th>
              {matrix.roles.map((role) => (
                <td key={role}>{policy.roles.includes(role) ? "Yes" : "No"}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One role's whole set of policies: checkboxes, saved at once (PUT), or back to the defaults (DELETE). */
function GrantsForm({ matrix, onChanged }: { matrix: Matrix; onChanged: (message: string) => void }) {
  const [role, setRole] = useState<Role>(matrix.roles.find((name) => name !== "ADMIN") ?? matrix.roles[0] ?? "SELLER");
  const form = useApiForm([]);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const label = ROLE_LABELS[role];
  const held = grantsOf(matrix, role);

  const restore = async () => {
    setRestoreError(null);
    try {
      await unwrap(api.DELETE("/api/permissions/roles/{role}/", { params: { path: { role } } }));
      onChanged(`${label} holds the default policies again.`);
    } catch (error) {
      setRestoreError(errorMessage(error));
    }
  };

  return (
    <section className="panel" aria-labelledby="grants-heading">
      <h2 id="grants-heading">Change a role's grants</h2>
      <Field label="Role to change" name="role">
        {(props) => (
          <select
            {...props}
            value={role}
            onChange={(event) => {
              const chosen = matrix.roles.find((name) => name === event.target.value);
              if (chosen) setRole(chosen);
            }}
          >
            {matrix.roles.map((name) => (
              <option key={name} value={name}>
                {ROLE_LABELS[name]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <form
        key={`${role}:${[...held].join(",")}`} // fresh checkboxes when the role, or what it holds, changes
        aria-label={`Policies of ${label}`}
        onSubmit={form.onSubmit(async (data) => {
          const policies = policyList(data.getAll("policies"));
          const saved = await unwrap(api.PUT("/api/permissions/roles/{role}/", { params: { path: { role } }, body: { policies } }));
          onChanged(`${label} holds ${saved.policies.length} policies now${saved.default ? ", its defaults" : ""}.`);
        })}
      >
        <FormError message={form.errors.form ?? restoreError} />
        <fieldset className="checks">
          <legend>Policies {label} holds</legend>
          {matrix.policies.map((policy) => (
            <div key={policy.name} className="check">
              <input
                id={`grant-${policy.name}`}
                type="checkbox"
                name="policies"
                value={policy.name}
                defaultChecked={held.has(policy.name)}
                aria-describedby={`grant-${policy.name}-hint`}
              />
              <label htmlFor={`grant-${policy.name}`}>
                <PolicyCode name={policy.name} />
              </label>
              <p id={`grant-${policy.name}-hint`} className="hint">
                {policy.description}
              </p>
            </div>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" aria-disabled={form.busy}>
            Save the policies of {label}
          </button>
          <button type="button" className="secondary" onClick={() => void restore()}>
            Restore the defaults of {label}
          </button>
        </div>
      </form>
    </section>
  );
}

/** GET /api/permissions/changes/: newest first, in pages (`?page=` in the URL, as other lists). */
function ChangeLog({ version }: { version: number }) {
  const { search } = useLocation();
  const filters = queryOf(search);
  const query = { limit: PAGE_SIZE, offset: offsetOf(filters.page, PAGE_SIZE) };
  const changes = useLoad(`changes${searchOf(query)}#${version}`, () =>
    unwrap(api.GET("/api/permissions/changes/", { params: { query } })),
  );
  return (
    <section aria-labelledby="changes-heading" aria-busy={changes.loading}>
      <h2 id="changes-heading">Changes, newest first</h2>
      {changes.error && (
        <p className="form-error" role="alert">
          {changes.error}
        </p>
      )}
      {changes.data?.count === 0 && <p>No grant has been changed: every role holds the code's defaults.</p>}
      <ol className="changes">
        {changes.data?.items.map((change) => (
          <li key={change.id}>
            <strong>{ROLE_LABELS[change.role]}</strong>
            {change.added.length > 0 && <> gained {change.added.join(", ")}</>}
            {change.added.length > 0 && change.removed.length > 0 && ";"}
            {change.removed.length > 0 && <> lost {change.removed.join(", ")}</>}
            {change.added.length === 0 && change.removed.length === 0 && " kept the same policies"}
            <span className="when">
              {change.actor_id === null ? "by a command" : `by User #${change.actor_id}`},{" "}
              <time dateTime={change.at}>{new Date(change.at).toLocaleString()}</time>
            </span>
          </li>
        ))}
      </ol>
      {changes.data && (
        <Pagination
          label="Change pages"
          path="/permissions"
          query={filters}
          count={changes.data.count}
          offset={query.offset}
          limit={PAGE_SIZE}
        />
      )}
    </section>
  );
}
