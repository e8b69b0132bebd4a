// A small history router: the client's routes are few and flat, and Django serves index.html
// for exactly these paths (webclient/urls.py), so a reload of any of them lands here.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const NAVIGATED = "nexora:navigate";

export interface Location {
  /** The path without a trailing slash ("/" stays "/"). */
  path: string;
  /** The query string, "?a=1" or "". */
  search: string;
}

let snapshot: Location = { path: "", search: "" };
/** True once the user has moved within the app: pages then move focus to their heading. */
let movedWithinApp = false;

/** The current location, the same object while it does not change (as React requires). */
function read(): Location {
  const path = window.location.pathname.replace(/\/+$/, "") || "/";
  const search = window.location.search;
  if (path !== snapshot.path || search !== snapshot.search) snapshot = { path, search };
  return snapshot;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

export function useLocation(): Location {
  // Read on every render and after subscribing, so a move made before the subscription
  // (a child's redirect runs its effect first) is not missed.
  return useSyncExternalStore(subscribe, read);
}

export function navigate(to: string, { replace = false }: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search;
  if (to !== current) {
    if (replace) window.history.replaceState(null, "", to);
    else window.history.pushState(null, "", to);
  }
  movedWithinApp = true;
  window.dispatchEvent(new Event(NAVIGATED));
}

export function hasMovedWithinApp(): boolean {
  return movedWithinApp;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An `<a href>` (so it opens in a new tab, and reads as a link) that navigates in the app. */
export function Link({ to, onClick, ...props }: LinkProps) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...props} />;
}

/** The query string of a location as an object of its non-empty values. */
export function queryOf(search: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) if (value !== "") result[key] = value;
  return result;
}

/** "?a=1&b=2" from an object, leaving out empty values ("" when none is left). */
export function searchOf(query: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** `path` when it is a path of this site (`/tasks?page=2`), else `fallback`: a `?next=` taken
 *  from the URL must never send the user to another site (`//evil.example`, or a backslash, which browsers read as a slash). */
export function localPath(path: string | undefined, fallback: string): string {
  if (path === undefined || !path.startsWith("/") || path.startsWith("//") || path.includes("\\")) return fallback;
  return path;
}
