import { describe, expect, it } from "vitest";

import type { Task } from "./api/types";
import { taskControls } from "./taskControls";

type Can = Task["can"];

const OWNER: Can = { change: true, change_status: true, delete: true, assign: true };
const CUSTOMER_OWNER: Can = { change: true, change_status: true, delete: true, assign: false };
const ASSIGNEE: Can = { change: false, change_status: true, delete: false, assign: false };
const STRANGER: Can = { change: false, change_status: false, delete: false, assign: false };

const holds = (held: boolean) => () => held;

describe("taskControls", () => {
  it("gives an owner who may assign every control", () => {
    expect(taskControls({ can: OWNER }, holds(true))).toEqual({ edit: true, status: true, delete: true, assign: true });
  });

  it("gives a CUSTOMER owner no assignee field", () => {
    expect(taskControls({ can: CUSTOMER_OWNER }, holds(false))).toEqual({
      edit: true,
      status: true,
      delete: true,
      assign: false,
    });
  });

  it("gives an assignee the status only: no edit, no delete", () => {
    expect(taskControls({ can: ASSIGNEE }, holds(true))).toEqual({
      edit: false,
      status: true,
      delete: false,
      assign: false,
    });
  });

  it("offers nothing the task's can refuses", () => {
    expect(taskControls({ can: STRANGER }, holds(true))).toEqual({
      edit: false,
      status: false,
      delete: false,
      assign: false,
    });
  });

  it("hides assigning when tasks.assign is no longer among the policies read at load", () => {
    expect(taskControls({ can: OWNER }, holds(false)).assign).toBe(false);
  });

  it("never assigns without the edit form that carries the field", () => {
    expect(taskControls({ can: { ...STRANGER, assign: true } }, holds(true)).assign).toBe(false);
  });
});
