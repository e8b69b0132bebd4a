// API errors as the spec describes them: every error body is `{detail, code}` (a policy 403
// adds `policy`, a 422 has a list of `{loc, msg, type}` as `detail`). The union of codes is
// derived from the spec, so a `switch` over codes is checked against it.
import type { paths } from "./schema";

type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503;
type ErrorBodyOf<Op> = Op extends { responses: infer R }
  ? {
      [S in keyof R & ErrorStatus]: R[S] extends { content: { "application/json": infer B } } ? B : never;
    }[keyof R & ErrorStatus]
  : never;
type AnyOperation = { [P in keyof paths]: { [M in keyof paths[P]]: paths[P][M] }[keyof paths[P]] }[keyof paths];

export type ApiErrorBody = ErrorBodyOf<AnyOperation>;
export type ErrorCode = ApiErrorBody["code"];
export type ValidationItem = Extract<ApiErrorBody, { code: "validation_error" }>["detail"][number];

// The codes are a closed union that a `switch` is checked against, not just `string`: a spec
// that stopped publishing them would fail `tsc` here.
type Assert<T extends true> = T;
export type CodesAreAUnion = Assert<string extends ErrorCode ? false : true>;

/** A request the API answered with an error status (or a body that was not the API's). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | null,
    readonly retryAfter: number | null = null,
  ) {
    super(body && typeof body.detail === "string" ? body.detail : `HTTP ${status}`);
    this.name = "ApiError";
  }

  get code(): ErrorCode | null {
    return this.body?.code ?? null;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return typeof value === "object" && value !== null && "detail" in value && "code" in value;
}

/** The ApiError for an openapi-fetch result's `error` and `response`. */
export function apiError(error: unknown, response: Response): ApiError {
  const retryAfter = Number(response.headers.get("Retry-After"));
  return new ApiError(response.status, isErrorBody(error) ? error : null, retryAfter > 0 ? retryAfter : null);
}

type Result<D> = { data: D; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

/** The data of a successful openapi-fetch call; an ApiError otherwise. */
export async function unwrap<D>(pending: Promise<Result<D>>): Promise<D> {
  const result = await pending;
  if (result.error !== undefined || !result.response.ok) throw apiError(result.error, result.response);
  return result.data as D;
}

/** What a form shows: a message per field it has, and one for the form as a whole; `code` is
 *  the API's error code, for a page that offers a way out of it (`invalid_link`: a new link). */
export interface FormErrors {
  form: string | null;
  fields: Partial<Record<string, string>>;
  code: ErrorCode | null;
}

export const NO_ERRORS: FormErrors = { form: null, fields: {}, code: null };

/** Words for the codes whose `detail` is not meant for an end user as it stands. */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalid_credentials: "The email or password is wrong, or the account is inactive.",
  email_taken: "An account with this email address already exists.",
  wrong_password: "The current password is wrong.",
  role_not_allowed: "This role cannot be chosen at sign-up.",
  last_admin: "This is the last active admin: make another user an admin first.",
  invalid_link: "This link is invalid or has expired, or it has been used already.",
  own_role_raise: "You cannot raise your own role.",
  not_found: "It no longer exists, or you may not see it.",
  service_unavailable: "The service is unavailable right now. Please try again shortly.",
};

function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

function throttledMessage(error: ApiError): string {
  return error.retryAfter
    ? `Too many attempts. Try again in ${error.retryAfter} seconds.`
    : "Too many attempts. Try again later.";
}

/**
 * The errors a form shows for `error`: a 422 names each field in `detail[].loc`
 * (`["body", "title"]`), shown next to that field when the form has it; a code listed in
 * `codeFields` (e.g. `email_taken` -> `email`) is shown next to its field; anything else is
 * shown for the form, from the code or else the server's `detail`.
 */
export function formErrors(
  error: unknown,
  fieldNames: readonly string[],
  codeFields: Partial<Record<ErrorCode, string>> = {},
): FormErrors {
  if (!(error instanceof ApiError)) {
    return { form: "The server could not be reached. Check your connection and try again.", fields: {}, code: null };
  }
  const body = error.body;
  if (!body) return { form: `The server answered with an unexpected error (HTTP ${error.status}).`, fields: {}, code: null };
  if (body.code === "validation_error" && Array.isArray(body.detail)) {
    const fields: Partial<Record<string, string>> = {};
    const rest: string[] = [];
    for (const item of body.detail as ValidationItem[]) {
      const [source, name] = item.loc;
      if (source === "body" && typeof name === "string" && fieldNames.includes(name)) {
        fields[name] ??= sentence(item.msg);
      } else {
        rest.push(item.loc.length > 1 ? `${item.loc.slice(1).join(".")}: ${item.msg}` : sentence(item.msg));
      }
    }
    return { form: rest.length ? `Please check: ${rest.join("; ")}` : null, fields, code: body.code };
  }
  const detail = typeof body.detail === "string" ? body.detail : `HTTP ${error.status}`;
  const message = body.code === "throttled" ? throttledMessage(error) : (MESSAGES[body.code] ?? sentence(detail));
  const field = codeFields[body.code];
  if (field && fieldNames.includes(field)) return { form: null, fields: { [field]: message }, code: body.code };
  return { form: message, fields: {}, code: body.code };
}

/** One line for an error outside a form (a list that failed to load, a button's action). */
export function errorMessage(error: unknown): string {
  return formErrors(error, []).form ?? "Something went wrong.";
}
