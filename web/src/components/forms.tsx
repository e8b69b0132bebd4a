// Form building blocks: a labelled control with its error next to it, the form's own error,
// and a hook that runs a submission, maps the API's error to fields, and moves focus to it.
import { useEffect, useId, useRef, useState, type ReactNode, type SubmitEvent } from "react";

import { formErrors, NO_ERRORS, type ErrorCode, type FormErrors } from "../api/errors";
import { keysOf } from "../api/types";

export interface ControlProps {
  id: string;
  name: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

interface FieldProps {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: string | undefined;
  children: (props: ControlProps) => ReactNode;
}

/** A `<label>` and its control (rendered by `children` with the ids and ARIA wired up). */
export function Field({ label, name, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  const props: ControlProps = { id, name };
  if (error) props["aria-invalid"] = true;
  if (describedBy) props["aria-describedby"] = describedBy;
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {children(props)}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** The `<option>`s of one of the spec's enums, from its labels (`STATUS_LABELS`, ...). */
export function Options<K extends string>({ labels }: { labels: Record<K, string> }) {
  return keysOf(labels).map((value) => (
    <option key={value} value={value}>
      {labels[value]}
    </option>
  ));
}

/** The error of the form as a whole; focused after a failed submission with no field error. */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert" tabIndex={-1}>
      {message}
    </p>
  );
}

export interface ApiForm {
  errors: FormErrors;
  busy: boolean;
  /** A submit handler running `action` with the form's data; its ApiError is shown on the form. */
  onSubmit: (
    action: (data: FormData, form: HTMLFormElement) => Promise<void>,
  ) => (event: SubmitEvent<HTMLFormElement>) => void;
}

/**
 * Runs a form's submission: `fieldNames` are the body fields the form shows (a 422 naming
 * one goes next to it), `codeFields` the codes that concern one field (`email_taken`: `email`).
 * After a failed submission focus moves to the first field in error, else to the form's error.
 */
export function useApiForm(fieldNames: readonly string[], codeFields: Partial<Record<ErrorCode, string>> = {}): ApiForm {
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState(0);
  const submitted = useRef<HTMLFormElement | null>(null);
  const running = useRef(false);

  useEffect(() => {
    const form = submitted.current;
    if (failures === 0 || !form) return;
    const target = form.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form.querySelector<HTMLElement>(".form-error");
    target?.focus();
  }, [failures]);

  const onSubmit: ApiForm["onSubmit"] = (action) => (event) => {
    event.preventDefault();
    if (running.current) return; // one submission at a time (the button stays focusable meanwhile)
    running.current = true;
    const form = event.currentTarget;
    submitted.current = form;
    setBusy(true);
    setErrors(NO_ERRORS);
    action(new FormData(form), form)
      .catch((error: unknown) => {
        setErrors(formErrors(error, fieldNames, codeFields));
        setFailures((n) => n + 1);
      })
      .finally(() => {
        running.current = false;
        setBusy(false);
      });
  };
  return { errors, busy, onSubmit };
}

/** A text value of a submitted form ("" when absent). */
export function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === "string" ? value : "";
}
