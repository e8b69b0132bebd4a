// One task in the list, with the controls its `can` allows (taskControls): the owner (or
// tasks.change_any / tasks.delete_any) edits and deletes, the assignee changes the status.
import { useId, useRef, useState } from "react";

import { api } from "../api/client";
import { errorMessage, unwrap } from "../api/errors";
import { STATUS_LABELS, type Task } from "../api/types";
import { useSignedIn } from "../auth";
import { FormError, Options, text, useApiForm } from "../components/forms";
import { whoIs } from "../people";
import { taskControls } from "../taskControls";
import { isStatus, TaskForm } from "./TaskForm";

interface TaskItemProps {
  task: Task;
  onChanged: (message: string) => void;
  onDeleted: (message: string) => void;
}

export function TaskItem({ task, onChanged, onDeleted }: TaskItemProps) {
  const { user, can } = useSignedIn();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const headingId = useId();

  const controls = taskControls(task, can);

  const closeEditor = () => {
    setEditing(false);
    requestAnimationFrame(() => editButton.current?.focus()); // back where editing began
  };

  const remove = async () => {
    try {
      await unwrap(api.DELETE("/api/tasks/{task_id}/", { params: { path: { task_id: task.id } } }));
      onDeleted(`Task “${task.title}” deleted.`);
    } catch (error) {
      setDeleteError(errorMessage(error));
    }
  };

  return (
    <li className="task" aria-labelledby={headingId}>
      <h3 id={headingId}>{task.title}</h3>
      {task.description && <p className="description">{task.description}</p>}
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>{STATUS_LABELS[task.status]}</dd>
        </div>
        <div>
          <dt>Due</dt>
          <dd>{task.due_date ?? "No due date"}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{whoIs(task.owner_id, user.id)}</dd>
        </div>
        <div>
          <dt>Assignee</dt>
          <dd>{whoIs(task.assignee_id, user.id)}</dd>
        </div>
      </dl>
      {editing ? (
        <section aria-label={`Edit “${task.title}”`}>
          <TaskForm
            task={task}
            canAssign={controls.assign}
            onSaved={(saved) => {
              closeEditor();
              onChanged(`Task “${saved.title}” saved.`);
            }}
            onCancel={closeEditor}
          />
        </section>
      ) : (
        <div className="actions">
          {controls.status && <StatusForm task={task} onChanged={onChanged} />}
          {controls.edit && (
            <button
              ref={editButton}
              type="button"
              onClick={() => {
                setEditing(true);
              }}
            >
              Edit<span className="visually-hidden"> “{task.title}”</span>
            </button>
          )}
          {controls.delete && !confirming && (
            <button
              type="button"
              className="danger"
              onClick={() => {
                setConfirming(true);
              }}
            >
              Delete<span className="visually-hidden"> “{task.title}”</span>
            </button>
          )}
        </div>
      )}
      {confirming && (
        <div className="confirm" role="group" aria-label={`Delete “${task.title}”?`}>
          <p>Delete “{task.title}”? This cannot be undone.</p>
          <button type="button" className="danger" autoFocus onClick={() => void remove()}>
            Yes, delete
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setConfirming(false);
              setDeleteError(null);
            }}
          >
            Keep it
          </button>
          <FormError message={deleteError} />
        </div>
      )}
    </li>
  );
}

/** The status alone: all an assignee may change (PATCH with `status` only). */
function StatusForm({ task, onChanged }: Pick<TaskItemProps, "task" | "onChanged">) {
  const form = useApiForm(["status"]);
  // The choice follows the task when it changes elsewhere (a reload of the list).
  const [choice, setChoice] = useState(task.status);
  const [shown, setShown] = useState(task.status);
  if (task.status !== shown) {
    setShown(task.status);
    setChoice(task.status);
  }
  return (
    <form
      className="inline"
      onSubmit={form.onSubmit(async (data) => {
        const status = text(data, "status");
        if (!isStatus(status) || status === task.status) return;
        await unwrap(api.PATCH("/api/tasks/{task_id}/", { params: { path: { task_id: task.id } }, body: { status } }));
        onChanged(`“${task.title}” is now ${STATUS_LABELS[status].toLowerCase()}.`);
      })}
    >
      <label htmlFor={`status-${task.id}`} className="visually-hidden">
        Status of “{task.title}”
      </label>
      <select
        id={`status-${task.id}`}
        name="status"
        value={choice}
        onChange={(event) => {
          if (isStatus(event.target.value)) setChoice(event.target.value);
        }}
        aria-invalid={form.errors.fields.status ? true : undefined}
      >
        <Options labels={STATUS_LABELS} />
      </select>
      <button type="submit" aria-disabled={form.busy}>
        Set status<span className="visually-hidden"> of “{task.title}”</span>
      </button>
      <FormError message={form.errors.form ?? form.errors.fields.status ?? null} />
    </form>
  );
}
