// /reset-password (signed in or not): without a link, the "forgot password" form that mails
// one; with the mailed link's `uid` and `token` (a reset, or the set-password link of an
// account an admin created), the form that sets the new password.
import { useState } from "react";

import { publicApi } from "../api/client";
import { unwrap } from "../api/errors";
import { useAuth } from "../auth";
import { Field, FormError, text, useApiForm } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { uidTokenLink, type UidTokenLink } from "../links";
import { Link, useLocation } from "../router";

export function ResetPasswordPage() {
  const { search } = useLocation();
  const link = uidTokenLink(search);
  return link ? <NewPasswordForm key={search} link={link} /> : <RequestForm />;
}

/** POST /api/password/reset/: the same answer whatever the address, so it says no more than that. */
function RequestForm() {
  const { state } = useAuth();
  const form = useApiForm(["email"]);
  const [sent, setSent] = useState<string | null>(null);
  return (
    <>
      <PageHeading title="Reset your password">Reset your password</PageHeading>
      <Notice message={sent} />
      <p>Enter the email address of your account: we will mail it a link to choose a new password.</p>
      <form
        onSubmit={form.onSubmit(async (data) => {
          const email = text(data, "email");
          const accepted = await unwrap(publicApi.POST("/api/password/reset/", { body: { email } }));
          setSent(`${accepted.detail} Check the inbox of ${email}.`);
        })}
      >
        <FormError message={form.errors.form} />
        <Field label="Email" name="email" error={form.errors.fields.email}>
          {(props) => <input {...props} type="email" autoComplete="email" required />}
        </Field>
        <button type="submit" aria-disabled={form.busy}>
          {form.busy ? "Sending…" : "Send reset link"}
        </button>
      </form>
      {state.status !== "signedIn" && (
        <p>
          <Link to="/login">Back to log in</Link>
        </p>
      )}
    </>
  );
}

/** POST /api/password/reset/confirm/: on success every token of the account has stopped
 *  working, so a session in this tab is over too and is forgotten here. */
function NewPasswordForm({ link }: { link: UidTokenLink }) {
  const { state, signOut } = useAuth();
  const form = useApiForm(["new_password"]);
  const [done, setDone] = useState(false);
  return (
    <>
      <PageHeading title="Choose a new password">Choose a new password</PageHeading>
      {done ? (
        <>
          <Notice message="Your new password is set." />
          <p>
            <Link to="/login">Log in with it</Link>
          </p>
        </>
      ) : (
        <form
          onSubmit={form.onSubmit(async (data) => {
            const body = { uid: link.uid, token: link.token, new_password: text(data, "new_password") };
            await unwrap(publicApi.POST("/api/password/reset/confirm/", { body }));
            if (state.status === "signedIn") {
              await signOut({ notice: null, to: null }).catch(() => undefined); // ended on the server already
            }
            setDone(true);
          })}
        >
          <FormError message={form.errors.form} />
          {form.errors.code === "invalid_link" && (
            <p>
              <Link to="/reset-password">Ask for a new link</Link>
            </p>
          )}
          <Field
            label="New password"
            name="new_password"
            error={form.errors.fields.new_password}
            hint="At least 8 characters; not a common password, not only digits, not like your email."
          >
            {(props) => <input {...props} type="password" autoComplete="new-password" required />}
          </Field>
          <button type="submit" aria-disabled={form.busy}>
            {form.busy ? "Setting…" : "Set password"}
          </button>
        </form>
      )}
    </>
  );
}
