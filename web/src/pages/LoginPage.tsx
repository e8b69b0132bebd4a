import { useAuth } from "../auth";
import { Field, FormError, text, useApiForm } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { Link, localPath, navigate, queryOf, useLocation } from "../router";

const FIELDS = ["email", "password"] as const;

export function LoginPage() {
  const { state, signIn } = useAuth();
  const { search } = useLocation();
  const form = useApiForm(FIELDS);
  const notice = state.status === "signedOut" ? state.notice : null;

  return (
    <>
      <PageHeading title="Log in">Log in</PageHeading>
      <Notice message={notice} />
      <form
        onSubmit={form.onSubmit(async (data) => {
          await signIn(text(data, "email"), text(data, "password"));
          navigate(localPath(queryOf(search).next, "/tasks"), { replace: true });
        })}
      >
        <FormError message={form.errors.form} />
        {form.errors.code === "email_not_verified" && (
          <p>
            Lost the mail? <Link to="/reset-password">Reset your password</Link>: the link we send verifies the address too.
          </p>
        )}
        <Field label="Email" name="email" error={form.errors.fields.email}>
          {(props) => <input {...props} type="email" autoComplete="username" required />}
        </Field>
        <Field label="Password" name="password" error={form.errors.fields.password}>
          {(props) => <input {...props} type="password" autoComplete="current-password" required />}
        </Field>
        <button type="submit" aria-disabled={form.busy}>
          {form.busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        <Link to="/reset-password">Forgot your password?</Link>
      </p>
      <p>
        No account yet? <Link to="/register">Sign up</Link>
      </p>
    </>
  );
}
