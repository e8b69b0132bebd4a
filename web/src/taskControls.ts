// Which controls a task shows: each from the task's `can` (what the API would allow now, from
// the same rules and grants its writes check), so no button is offered that would be refused.
import type { Task } from "./api/types";

export interface TaskControls {
  /** The whole task (title, description, due date, status): the owner, or tasks.change_any. */
  edit: boolean;
  /** The status alone: also an assignee. */
  status: boolean;
  delete: boolean;
  /** The assignee field of the edit form, a pick from the user directory (tasks.assign). */
  assign: boolean;
}

/**
 * The controls of `task` for a viewer whose role holds the policies `held` says. `can` decides;
 * assigning also needs `tasks.assign` among the policies read at load, since the directory the
 * pick comes from asks for it (the two differ only while a grant changes under an open page).
 */
export function taskControls(task: Pick<Task, "can">, held: (policy: "tasks.assign") => boolean): TaskControls {
  const { can } = task;
  return {
    edit: can.change,
    status: can.change_status,
    delete: can.delete,
    assign: can.change && can.assign && held("tasks.assign"),
  };
}
