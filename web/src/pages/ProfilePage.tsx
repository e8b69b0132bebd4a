// The signed-in user's details (edit), email (verify, change), password (change), sessions
// (log out everywhere), the account (delete), and what their role may do.
import { useRef, useState } from "react";

import { api, session } from "../api/client";
import { unwrap } from "../api/errors";
import { ROLE_LABELS, type ProfileBody, type User } from "../api/types";
import { useAuth, useSignedIn } from "../auth";
import { Field, FormError, text, useApiForm } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { useLoad } from "../components/useLoad";

const PROFILE_FIELDS = ["first_name", "last_name", "phone", "address"] as const;
const PASSWORD_FIELDS = ["current_password", "new_password"] as const;
const EMAIL_FIELDS = ["new_email", "password"] as const;

/** The profile, the role's permissions and the whole matrix (for each policy's description), at once. */
async function loadProfile() {
  const [user, held, matrix] = await Promise.all([
    unwrap(api.GET("/api/profile/")),
    unwrap(api.GET("/api/profile/permissions/")),
    unwrap(api.GET("/api/permissions/")),
  ]);
  const described = new Map(matrix.policies.map((policy) => [policy.name, policy.description]));
  return { user, permissions: held.permissions.map((name) => ({ name, description: described.get(name) ?? "" })) };
}

export function ProfilePage() {
  const { user, setUser } = useSignedIn();
  const profile = useLoad("profile", loadProfile);
  const [notice, setNotice] = useState<string | null>(null);
  const shown = profile.data?.user ?? user;

  return (
    <>
      <PageHeading title="Profile">Your profile</PageHeading>
      <Notice message={notice} />
      {profile.error && (
        <p className="form-error" role="alert">
          {profile.error}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Email</dt>
          <dd>
            {shown.email} ({shown.email_verified ? "verified" : "not verified"})
          </dd>
        </div>
        <div>
          <dt>User id</dt>
          <dd>{shown.id}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{ROLE_LABELS[shown.role]}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>{new Date(shown.date_joined).toLocaleDateString()}</dd>
        </div>
      </dl>
      {!shown.email_verified && (
        <section aria-labelledby="verify-heading" className="panel attention">
          <h2 id="verify-heading">Verify your email address</h2>
          <VerifyForm email={shown.email} onSent={setNotice} />
        </section>
      )}
      <section aria-labelledby="details-heading" className="panel">
        <h2 id="details-heading">Your details</h2>
        <ProfileForm
          key={shown.id}
          user={shown}
          onSaved={(saved) => {
            setUser(saved);
            setNotice("Your details are saved.");
            profile.reload();
          }}
        />
      </section>
      <section aria-labelledby="email-heading" className="panel">
        <h2 id="email-heading">Change email</h2>
        <EmailForm
          onRequested={(address) => {
            setNotice(
              `Check your new inbox: we have sent a confirmation link to ${address}. Your email changes when you open it.`,
            );
          }}
        />
      </section>
      <section aria-labelledby="password-heading" className="panel">
        <h2 id="password-heading">Change password</h2>
        <PasswordForm
          onChanged={() => {
            setNotice("Your password is changed. Every other session of yours has been signed out.");
          }}
        />
      </section>
      <section aria-labelledby="everywhere-heading" className="panel">
        <h2 id="everywhere-heading">Log out everywhere</h2>
        <EverywhereForm />
      </section>
      <section aria-labelledby="permissions-heading" className="panel">
        <h2 id="permissions-heading">What your role may do</h2>
        {profile.data && (
          <ul className="permissions">
            {profile.data.permissions.map((permission) => (
              <li key={permission.name}>
                <code>{permission.name}</code> {permission.description}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="delete-heading" className="panel">
        <h2 id="delete-heading">Delete your account</h2>
        <DeleteForm />
      </section>
    </>
  );
}

/** A new verification link (POST /api/email/verify/resend/; throttled like every mail the API sends). */
function VerifyForm({ email, onSent }: { email: string; onSent: (message: string) => void }) {
  const form = useApiForm([]);
  return (
    <form
      onSubmit={form.onSubmit(async () => {
        await unwrap(api.POST("/api/email/verify/resend/"));
        onSent(`A new verification link is on its way to ${email}.`);
      })}
    >
      <p>
        Your address {email} is not verified yet: open the link we mailed to it when you signed up. No mail? Ask for a
        new one.
      </p>
      <FormError message={form.errors.form} />
      <button type="submit" aria-disabled={form.busy}>
        Resend verification email
      </button>
    </form>
  );
}

/** POST /api/profile/email/: the address changes only when the link mailed to the new one is opened. */
function EmailForm({ onRequested }: { onRequested: (address: string) => void }) {
  const form = useApiForm(EMAIL_FIELDS, { wrong_password: "password", email_taken: "new_email" });
  const fields = form.errors.fields;
  return (
    <form
      onSubmit={form.onSubmit(async (data, element) => {
        const body = { new_email: text(data, "new_email"), password: text(data, "password") };
        await unwrap(api.POST("/api/profile/email/", { body }));
        element.reset();
        onRequested(body.new_email);
      })}
    >
      <FormError message={form.errors.form} />
      <Field label="New email" name="new_email" error={fields.new_email}>
        {(props) => <input {...props} type="email" autoComplete="email" required />}
      </Field>
      <Field label="Password" name="password" error={fields.password} hint="Your current password.">
        {(props) => <input {...props} type="password" autoComplete="current-password" required />}
      </Field>
      <button type="submit" aria-disabled={form.busy}>
        Change email
      </button>
    </form>
  );
}

/** DELETE /api/profile/, after a second step that asks for the password. */
function DeleteForm() {
  const { forgetSession } = useAuth();
  const [confirming, setConfirming] = useState(false);
  const start = useRef<HTMLButtonElement>(null);
  const form = useApiForm(["password"], { wrong_password: "password" });
  const explanation = (
    <p>Deletes your account and the tasks you own; tasks assigned to you become unassigned. It cannot be undone.</p>
  );
  if (!confirming) {
    return (
      <>
        {explanation}
        <button
          ref={start}
          type="button"
          className="danger"
          onClick={() => {
            setConfirming(true);
          }}
        >
          Delete account…
        </button>
      </>
    );
  }
  return (
    <form
      onSubmit={form.onSubmit(async (data) => {
        await unwrap(api.DELETE("/api/profile/", { body: { password: text(data, "password") } }));
        forgetSession("Your account has been deleted.");
      })}
    >
      {explanation}
      <FormError message={form.errors.form} />
      <Field label="Password" name="password" error={form.errors.fields.password} hint="Your password, to confirm.">
        {(props) => <input {...props} type="password" autoComplete="current-password" required autoFocus />}
      </Field>
      <div className="actions">
        <button type="submit" className="danger" aria-disabled={form.busy}>
          Delete my account
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setConfirming(false);
            requestAnimationFrame(() => start.current?.focus()); // back where it began
          }}
        >
          Keep my account
        </button>
      </div>
    </form>
  );
}

function ProfileForm({ user, onSaved }: { user: User; onSaved: (user: User) => void }) {
  const form = useApiForm(PROFILE_FIELDS);
  const fields = form.errors.fields;
  return (
    <form
      onSubmit={form.onSubmit(async (data) => {
        const body: ProfileBody = {
          first_name: text(data, "first_name"),
          last_name: text(data, "last_name"),
          phone: text(data, "phone"),
          address: text(data, "address"),
        };
        onSaved(await unwrap(api.PATCH("/api/profile/", { body })));
      })}
    >
      <FormError message={form.errors.form} />
      <Field label="First name" name="first_name" error={fields.first_name}>
        {(props) => <input {...props} type="text" autoComplete="given-name" defaultValue={user.first_name} />}
      </Field>
      <Field label="Last name" name="last_name" error={fields.last_name}>
        {(props) => <input {...props} type="text" autoComplete="family-name" defaultValue={user.last_name} />}
      </Field>
      <Field label="Phone" name="phone" error={fields.phone}>
        {(props) => <input {...props} type="tel" autoComplete="tel" defaultValue={user.phone} />}
      </Field>
      <Field label="Address" name="address" error={fields.address}>
        {(props) => <textarea {...props} rows={2} autoComplete="street-address" defaultValue={user.address} />}
      </Field>
      <button type="submit" aria-disabled={form.busy}>
        Save details
      </button>
    </form>
  );
}

function PasswordForm({ onChanged }: { onChanged: () => void }) {
  const form = useApiForm(PASSWORD_FIELDS, { wrong_password: "current_password" });
  const fields = form.errors.fields;
  return (
    <form
      onSubmit={form.onSubmit(async (data, element) => {
        const body = { current_password: text(data, "current_password"), new_password: text(data, "new_password") };
        // Every other token of this user stops working: this tab carries on with the fresh pair.
        session.store(await unwrap(api.POST("/api/profile/password/", { body })));
        element.reset();
        onChanged();
      })}
    >
      <FormError message={form.errors.form} />
      <Field label="Current password" name="current_password" error={fields.current_password}>
        {(props) => <input {...props} type="password" autoComplete="current-password" required />}
      </Field>
      <Field label="New password" name="new_password" error={fields.new_password} hint="At least 8 characters.">
        {(props) => <input {...props} type="password" autoComplete="new-password" required />}
      </Field>
      <button type="submit" aria-disabled={form.busy}>
        Change password
      </button>
    </form>
  );
}

/** Ends every session of this user (POST /api/logout/all/), this one included. */
function EverywhereForm() {
  const { signOutEverywhere } = useAuth();
  const form = useApiForm([]);
  return (
    <form onSubmit={form.onSubmit(signOutEverywhere)}>
      <p>Signs you out in every browser and device where you are logged in, this one included.</p>
      <FormError message={form.errors.form} />
      <button type="submit" className="danger" aria-disabled={form.busy}>
        Log out everywhere
      </button>
    </form>
  );
}
