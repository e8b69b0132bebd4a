// The form that creates a task, or edits all of one (its owner, or a role with tasks.change_any).
import { useState } from "react";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { STATUS_LABELS, type Task, type TaskCreateBody, type TaskStatus, type TaskUpdateBody } from "../api/types";
import { useSignedIn } from "../auth";
import { Field, FormError, Options, text, useApiForm } from "../components/forms";
import { PersonPicker } from "../components/PersonPicker";

const FIELDS = ["title", "description", "status", "due_date", "assignee_id"] as const;

export function isStatus(value: string): value is TaskStatus {
  return value in STATUS_LABELS;
}

/** The id the assignee picker posts: a whole number, or null for "nobody" (""). */
function userId(value: string): number | null {
  return value.trim() === "" ? null : Number(value);
}

interface TaskFormProps {
  /** The task to edit; a new one when absent. */
  task?: Task;
  /** Show the assignee picker (a new task: the role holds tasks.assign; an existing one: its `can`). */
  canAssign: boolean;
  onSaved: (task: Task) => void;
  onCancel?: () => void;
}

export function TaskForm({ task, canAssign, onSaved, onCancel }: TaskFormProps) {
  const { user } = useSignedIn();
  const form = useApiForm(FIELDS);
  const fields = form.errors.fields;
  // A new picker after each task created: the form's reset does not reach its chosen person.
  const [created, setCreated] = useState(0);

  const create = async (data: FormData): Promise<Task> => {
    const body: TaskCreateBody = { title: text(data, "title") };
    const description = text(data, "description");
    const status = text(data, "status");
    const due = text(data, "due_date");
    if (description) body.description = description;
    if (isStatus(status)) body.status = status;
    if (due) body.due_date = due;
    if (canAssign) body.assignee_id = userId(text(data, "assignee_id"));
    return unwrap(api.POST("/api/tasks/", { body }));
  };

  const update = async (existing: Task, data: FormData): Promise<Task> => {
    // Only what changed: PATCH leaves the other fields as they are.
    const body: TaskUpdateBody = {};
    const title = text(data, "title");
    const description = text(data, "description");
    const status = text(data, "status");
    const due = text(data, "due_date") || null;
    if (title !== existing.title) body.title = title;
    if (description !== existing.description) body.description = description;
    if (isStatus(status) && status !== existing.status) body.status = status;
    if (due !== existing.due_date) body.due_date = due;
    if (canAssign) {
      const assignee = userId(text(data, "assignee_id"));
      if (assignee !== existing.assignee_id) body.assignee_id = assignee;
    }
    return unwrap(api.PATCH("/api/tasks/{task_id}/", { params: { path: { task_id: existing.id } }, body }));
  };

  return (
    <form
      className="task-form"
      onSubmit={form.onSubmit(async (data, element) => {
        const saved = task ? await update(task, data) : await create(data);
        if (!task) {
          element.reset();
          setCreated((n) => n + 1);
        }
        onSaved(saved);
      })}
    >
      <FormError message={form.errors.form} />
      <Field label="Title" name="title" error={fields.title}>
        {(props) => <input {...props} type="text" required maxLength={200} defaultValue={task?.title ?? ""} />}
      </Field>
      <Field label="Description" name="description" error={fields.description}>
        {(props) => <textarea {...props} rows={3} defaultValue={task?.description ?? ""} />}
      </Field>
      <Field label="Status" name="status" error={fields.status}>
        {(props) => (
          <select {...props} defaultValue={task?.status ?? "todo"}>
            <Options labels={STATUS_LABELS} />
          </select>
        )}
      </Field>
      <Field label="Due date" name="due_date" error={fields.due_date}>
        {(props) => <input {...props} type="date" defaultValue={task?.due_date ?? ""} />}
      </Field>
      {canAssign && (
        <PersonPicker
          key={created}
          label="Assignee"
          name="assignee_id"
          initial={task?.assignee_id ?? null}
          me={user.id}
          error={fields.assignee_id}
        />
      )}
      <div className="actions">
        <button type="submit" aria-disabled={form.busy}>
          {task ? "Save task" : "Create task"}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
