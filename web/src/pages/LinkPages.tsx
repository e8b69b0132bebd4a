// The pages the verify-email and confirm-email links open (signed in or not): each posts its
// link once, on load, and says what came of it.
import { publicApi } from "../api/client";
import { unwrap } from "../api/errors";
import type { User } from "../api/types";
import { useAuth } from "../auth";
import { Notice, PageHeading } from "../components/page";
import { useLoad } from "../components/useLoad";
import { oneShot, outcome, tokenLink, uidTokenLink, type Outcome } from "../links";
import { Link, useLocation } from "../router";

const linkShots = oneShot<Outcome<User>>();

/** The outcome of using the link `key` (null while it is in flight); `use` runs once per link. */
function useLink(key: string, use: () => Promise<User>): Outcome<User> | null {
  return useLoad(key, () => linkShots(key, () => outcome(use()))).data;
}

function Checking() {
  return <p role="status">Checking the link…</p>;
}

function Failure({ message }: { message: string }) {
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

function Incomplete() {
  return (
    <Failure message="This link is incomplete: open the whole link from the mail, or copy all of it into the address bar." />
  );
}

export function VerifyEmailPage() {
  const { search } = useLocation();
  const link = uidTokenLink(search);
  return (
    <>
      <PageHeading title="Verify your email">Verify your email</PageHeading>
      {link ? <Verification uid={link.uid} token={link.token} /> : <Incomplete />}
    </>
  );
}

function Verification({ uid, token }: { uid: string; token: string }) {
  const { state, setUser } = useAuth();
  const signedIn = state.status === "signedIn";
  const result = useLink(`verify-email:${uid}:${token}`, async () => {
    const user = await unwrap(publicApi.POST("/api/email/verify/", { body: { uid, token } }));
    setUser(user); // the header and profile of a signed-in owner show it verified at once
    return user;
  });
  if (!result) return <Checking />;
  if (result.ok) {
    return (
      <>
        <Notice message={`Your email address ${result.value.email} is verified.`} />
        <p>{signedIn ? <Link to="/profile">Go to your profile</Link> : <Link to="/login">Log in</Link>}</p>
      </>
    );
  }
  return (
    <>
      <Failure message={result.message} />
      {result.code === "invalid_link" &&
        (signedIn ? (
          <p>
            Ask for a new link from <Link to="/profile">your profile</Link>.
          </p>
        ) : (
          <p>
            <Link to="/login">Log in</Link> to ask for a new link from your profile. If you cannot log in,{" "}
            <Link to="/reset-password">reset your password</Link>: that verifies the address as well.
          </p>
        ))}
    </>
  );
}

export function ConfirmEmailPage() {
  const { search } = useLocation();
  const link = tokenLink(search);
  return (
    <>
      <PageHeading title="Confirm your new email">Confirm your new email</PageHeading>
      {link ? <Confirmation token={link.token} /> : <Incomplete />}
    </>
  );
}

function Confirmation({ token }: { token: string }) {
  const { state, setUser } = useAuth();
  const signedIn = state.status === "signedIn";
  const result = useLink(`confirm-email:${token}`, async () => {
    const user = await unwrap(publicApi.POST("/api/profile/email/confirm/", { body: { token } }));
    setUser(user);
    return user;
  });
  if (!result) return <Checking />;
  if (result.ok) {
    return (
      <>
        <Notice message={`Your email address is now ${result.value.email}.`} />
        <p>{signedIn ? <Link to="/profile">Go to your profile</Link> : <Link to="/login">Log in with it</Link>}</p>
      </>
    );
  }
  const again = result.code === "invalid_link" ? "ask for a new link" : "choose another address";
  return (
    <>
      <Failure message={result.message} />
      {(result.code === "invalid_link" || result.code === "email_taken") && (
        <p>
          To {again}, change your email again from <Link to="/profile">your profile</Link>
          {signedIn ? "" : " once you have logged in"}.
        </p>
      )}
    </>
  );
}
