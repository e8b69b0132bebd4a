import { useState } from "react";

import { publicApi } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import { SIGNUP_ROLE_LABELS, type RegisterBody, type SignupRole } from "../api/types";
import { useAuth } from "../auth";
import { Field, FormError, Options, text, useApiForm } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { Link, navigate } from "../router";

const FIELDS = ["email", "password", "first_name", "last_name", "role"] as const;

function isSignupRole(value: string): value is SignupRole {
  return value in SIGNUP_ROLE_LABELS;
}

export function RegisterPage() {
  const { signIn } = useAuth();
  const form = useApiForm(FIELDS, { email_taken: "email", role_not_allowed: "role" });
  const fields = form.errors.fields;
  // With REQUIRE_VERIFIED_EMAIL on, the new account may log in only once its address is verified.
  const [unverified, setUnverified] = useState<string | null>(null);

  if (unverified !== null) {
    return (
      <>
        <PageHeading title="Sign up">Sign up</PageHeading>
        <Notice message={`Your account is created. We have mailed a link to ${unverified}: open it to verify the address, then log in.`} />
        <p>
          <Link to="/login">Log in</Link>
        </p>
      </>
    );
  }

  return (
    <>
      <PageHeading title="Sign up">Sign up</PageHeading>
      <form
        onSubmit={form.onSubmit(async (data) => {
          const body: RegisterBody = { email: text(data, "email"), password: text(data, "password") };
          const firstName = text(data, "first_name").trim();
          const lastName = text(data, "last_name").trim();
          const role = text(data, "role");
          if (firstName) body.first_name = firstName;
          if (lastName) body.last_name = lastName;
          if (isSignupRole(role)) body.role = role;
          const user = await unwrap(publicApi.POST("/api/register/", { body }));
          try {
            await signIn(body.email, body.password);
          } catch (error) {
            if (error instanceof ApiError && error.code === "email_not_verified") {
              setUnverified(user.email);
              return;
            }
            throw error;
          }
          navigate("/tasks", { replace: true });
        })}
      >
        <FormError message={form.errors.form} />
        <Field label="Email" name="email" error={fields.email}>
          {(props) => <input {...props} type="email" autoComplete="email" required />}
        </Field>
        <Field
          label="Password"
          name="password"
          error={fields.password}
          hint="At least 8 characters; not a common password, not only digits, not like your email."
        >
          {(props) => <input {...props} type="password" autoComplete="new-password" required />}
        </Field>
        <Field label="First name (optional)" name="first_name" error={fields.first_name}>
          {(props) => <input {...props} type="text" autoComplete="given-name" />}
        </Field>
        <Field label="Last name (optional)" name="last_name" error={fields.last_name}>
          {(props) => <input {...props} type="text" autoComplete="family-name" />}
        </Field>
        <Field label="I am a" name="role" error={fields.role}>
          {(props) => (
            <select {...props} defaultValue="CUSTOMER">
              <Options labels={SIGNUP_ROLE_LABELS} />
            </select>
          )}
        </Field>
        <button type="submit" aria-disabled={form.busy}>
          {form.busy ? "Signing up…" : "Sign up"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </>
  );
}
