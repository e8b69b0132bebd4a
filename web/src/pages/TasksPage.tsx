// The task list (filters, search, ordering and page in the URL, so a reload or a shared link
// shows the same list), the new-task form, and each task's controls.
import { useRef, useState } from "react";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { ORDERING_LABELS, STATUS_LABELS, type TaskOrdering, type TaskQuery } from "../api/types";
import { useSignedIn } from "../auth";
import { Field, Options, text } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { offsetOf, Pagination } from "../components/Pagination";
import { useLoad } from "../components/useLoad";
import { navigate, queryOf, searchOf, useLocation } from "../router";
import { isStatus, TaskForm } from "./TaskForm";
import { TaskItem } from "./TaskItem";

const PAGE_SIZE = 20;

function isOrdering(value: string): value is TaskOrdering {
  return value in ORDERING_LABELS;
}

/** The URL's filters (`?status=&assignee=me|<id>&search=&ordering=&page=`) as the API's query. */
function taskQuery(filters: Record<string, string>, me: number): TaskQuery {
  const query: TaskQuery = { limit: PAGE_SIZE, offset: offsetOf(filters.page, PAGE_SIZE) };
  const { status = "", assignee = "", search = "", ordering = "" } = filters;
  if (isStatus(status)) query.status = status;
  if (assignee === "me") query.assignee_id = me;
  else if (/^\d+$/.test(assignee)) query.assignee_id = Number(assignee);
  if (search) query.search = search;
  if (isOrdering(ordering)) query.ordering = ordering;
  return query;
}

export function TasksPage() {
  const { user, can } = useSignedIn();
  const { search } = useLocation();
  const filters = queryOf(search);
  const query = taskQuery(filters, user.id);
  const tasks = useLoad(`tasks${searchOf(query)}`, () => unwrap(api.GET("/api/tasks/", { params: { query } })));
  const [notice, setNotice] = useState<string | null>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);

  const changed = (message: string) => {
    setNotice(message);
    tasks.reload();
  };

  return (
    <>
      <PageHeading title="Tasks">Tasks</PageHeading>
      <Notice message={notice} />
      {can("tasks.create") && (
        <details className="panel">
          <summary>New task</summary>
          <TaskForm
            canAssign={can("tasks.assign")}
            onSaved={(task) => {
              changed(`Task “${task.title}” created.`);
            }}
          />
        </details>
      )}
      <TaskFilters key={search} filters={filters} />
      <section aria-labelledby="task-list-heading" aria-busy={tasks.loading}>
        <h2 id="task-list-heading" ref={listHeading} tabIndex={-1}>
          {can("tasks.view_any") ? "All tasks" : "Your tasks and tasks assigned to you"}
        </h2>
        {tasks.error && (
          <p className="form-error" role="alert">
            {tasks.error}
          </p>
        )}
        {tasks.data?.count === 0 && <p>No tasks match.</p>}
        <ul className="task-list">
          {tasks.data?.items.map((task) => (
            <TaskItem
              key={task.id}
              task={task}
              onChanged={changed}
              onDeleted={(message) => {
                changed(message);
                listHeading.current?.focus(); // its item, and the focused button, are gone
              }}
            />
          ))}
        </ul>
        {tasks.data && (
          <Pagination
            label="Task pages"
            path="/tasks"
            query={filters}
            count={tasks.data.count}
            offset={query.offset ?? 0}
            limit={PAGE_SIZE}
          />
        )}
      </section>
    </>
  );
}

function TaskFilters({ filters }: { filters: Record<string, string> }) {
  const initial = filters.assignee ?? "";
  const [assignee, setAssignee] = useState(initial === "" || initial === "me" ? initial : "other");

  return (
    <form
      className="filters"
      role="search"
      aria-label="Filter tasks"
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        const chosen = text(data, "assignee");
        navigate(
          `/tasks${searchOf({
            search: text(data, "search").trim(),
            status: text(data, "status"),
            assignee: chosen === "other" ? text(data, "assignee_id") : chosen,
            ordering: text(data, "ordering"),
          })}`,
        );
      }}
    >
      <Field label="Search" name="search">
        {(props) => <input {...props} type="search" defaultValue={filters.search ?? ""} />}
      </Field>
      <Field label="Status" name="status">
        {(props) => (
          <select {...props} defaultValue={filters.status ?? ""}>
            <option value="">Any status</option>
            <Options labels={STATUS_LABELS} />
          </select>
        )}
      </Field>
      <Field label="Assignee" name="assignee">
        {(props) => (
          <select
            {...props}
            value={assignee}
            onChange={(event) => {
              setAssignee(event.target.value);
            }}
          >
            <option value="">Anyone</option>
            <option value="me">Assigned to me</option>
            <option value="other">Another user…</option>
          </select>
        )}
      </Field>
      {assignee === "other" && (
        <Field label="Assignee user id" name="assignee_id">
          {(props) => <input {...props} type="number" min={1} step={1} required defaultValue={/^\d+$/.test(initial) ? initial : ""} />}
        </Field>
      )}
      <Field label="Order" name="ordering">
        {(props) => (
          <select {...props} defaultValue={filters.ordering ?? "-created_at"}>
            <Options labels={ORDERING_LABELS} />
          </select>
        )}
      </Field>
      <button type="submit">Apply filters</button>
    </form>
  );
}
