// Picking a person from the user directory (GET /api/users/directory/, policy tasks.assign) by
// part of a name or email: a combobox (ARIA 1.2: the arrow keys move through the suggestions,
// Enter picks, Escape closes) whose choice is posted as the id in a hidden input.
import { useEffect, useId, useState, type KeyboardEvent } from "react";

import { api } from "../api/client";
import { errorMessage, unwrap } from "../api/errors";
import { personName, rememberPeople, whoIs, type Person } from "../people";

const SUGGESTIONS = 8;
const TYPING_PAUSE_MS = 200;

interface PersonPickerProps {
  label: string;
  /** The form field the chosen id is posted as ("" for nobody). */
  name: string;
  /** The id chosen at first (the task's assignee), or null. */
  initial: number | null;
  /** The signed-in user's id ("You"). */
  me: number;
  error?: string | undefined;
}

export function PersonPicker({ label, name, initial, me, error }: PersonPickerProps) {
  const id = useId();
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const [chosen, setChosen] = useState<{ id: number; label: string } | null>(
    initial === null ? null : { id: initial, label: whoIs(initial, me) },
  );
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState(false);
  const [found, setFound] = useState<{ query: string; people: Person[]; error: string | null } | null>(null);
  const [active, setActive] = useState(-1);

  useEffect(() => {
    if (!open) return;
    let live = true;
    const search = query.trim();
    const timer = window.setTimeout(() => {
      unwrap(api.GET("/api/users/directory/", { params: { query: { search, limit: SUGGESTIONS } } })).then(
        (page) => {
          if (!live) return;
          rememberPeople(page.items);
          setFound({ query: search, people: page.items, error: null });
          setActive(-1);
        },
        (failure: unknown) => {
          if (live) setFound({ query: search, people: [], error: errorMessage(failure) });
        },
      );
    }, TYPING_PAUSE_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [open, query]);

  const people = open && found ? found.people : [];
  const expanded = people.length > 0;

  const pick = (person: Person) => {
    setChosen({ id: person.id, label: person.id === me ? `You (${person.email})` : personName(person) });
    setQuery("");
    setOpen(false);
    setActive(-1);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setOpen(true);
      if (people.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((current) => (current + step + people.length) % people.length);
    } else if (event.key === "Enter" && expanded && active >= 0) {
      event.preventDefault(); // a pick, not the form's submission
      const person = people[active];
      if (person) pick(person);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      setOpen(false);
      setActive(-1);
    }
  };

  const describedBy = [hintId, error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className={error ? "field field-invalid picker" : "field picker"}>
      <label htmlFor={id}>{label}</label>
      <p id={hintId} className="hint">
        Type part of a name or email, then pick a person from the suggestions.
      </p>
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-controls={listId}
        aria-expanded={expanded}
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setOpen(true);
        }}
        onFocus={() => {
          setOpen(true);
        }}
        onBlur={() => {
          setOpen(false);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label={`People to choose as ${label.toLowerCase()}`} className="suggestions" hidden={!expanded}>
        {people.map((person, index) => (
          <li
            key={person.id}
            id={`${listId}-${index}`}
            role="option"
            aria-selected={index === active}
            onMouseDown={(event) => {
              event.preventDefault(); // keep the focus in the input
            }}
            onClick={() => {
              pick(person);
            }}
          >
            {personName(person)}
          </li>
        ))}
      </ul>
      {open && found?.error && <p className="field-error">{found.error}</p>}
      {open && found && !found.error && found.people.length === 0 && <p className="hint">Nobody matches “{found.query}”.</p>}
      <p className="chosen" aria-live="polite">
        {label}: <strong>{chosen ? chosen.label : "Nobody"}</strong>
      </p>
      {chosen && (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setChosen(null);
          }}
        >
          Unassign<span className="visually-hidden"> {chosen.label}</span>
        </button>
      )}
      <input type="hidden" name={name} value={chosen?.id ?? ""} />
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
