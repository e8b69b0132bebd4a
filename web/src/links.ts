// The links the API mails (`/reset-password?uid=&token=`, `/verify-email?uid=&token=`,
// `/confirm-email?token=`): reading them from the URL, and using one exactly once.
import { ApiError, errorMessage, type ErrorCode } from "./api/errors";

export interface UidTokenLink {
  uid: string;
  token: string;
}

/** The `uid` and `token` of a reset-password or verify-email link; null when either is missing. */
export function uidTokenLink(search: string): UidTokenLink | null {
  const params = new URLSearchParams(search);
  const uid = params.get("uid")?.trim() ?? "";
  const token = params.get("token")?.trim() ?? "";
  return uid && token ? { uid, token } : null;
}

/** The `token` of a confirm-email link; null when it is missing. */
export function tokenLink(search: string): { token: string } | null {
  const token = new URLSearchParams(search).get("token")?.trim() ?? "";
  return token ? { token } : null;
}

/**
 * Runs `use` once per `key` for the life of the page, and gives every later caller the same
 * promise. A link works once: React's StrictMode runs an effect twice in development, and a
 * page may mount again; a second POST of a spent link would answer `invalid_link` and hide
 * the success of the first.
 */
export function oneShot<T>(): (key: string, use: () => Promise<T>) => Promise<T> {
  const started = new Map<string, Promise<T>>();
  return (key, use) => {
    let pending = started.get(key);
    if (pending === undefined) {
      pending = use();
      started.set(key, pending);
    }
    return pending;
  };
}

/** What using a link came to: its answer, or the error's code and words. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: ErrorCode | null; message: string };

/** `pending` as an Outcome, never a rejection (so a loader shows it as data). */
export async function outcome<T>(pending: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await pending };
  } catch (error) {
    return { ok: false, code: error instanceof ApiError ? error.code : null, message: errorMessage(error) };
  }
}
