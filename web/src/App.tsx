import { useEffect, type ReactNode } from "react";

import { ROLE_LABELS } from "./api/types";
import { useAuth, type AuthState } from "./auth";
import { PageHeading } from "./components/page";
import { ConfirmEmailPage, VerifyEmailPage } from "./pages/LinkPages";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { PermissionsPage } from "./pages/PermissionsPage";
import { ProfilePage } from "./pages/ProfilePage";
import { RegisterPage } from "./pages/RegisterPage";
import { ResetPasswordPage } from "./pages/ResetPasswordPage";
import { SessionsPage } from "./pages/SessionsPage";
import { TasksPage } from "./pages/TasksPage";
import { UsersPage } from "./pages/UsersPage";
import { Link, navigate, useLocation } from "./router";

type Access = "guest" | "private" | "any";

/** The client's routes; Django answers index.html for exactly these paths (webclient/urls.py). */
const ROUTES: Record<string, { access: Access; page: () => ReactNode }> = {
  "/login": { access: "guest", page: () => <LoginPage /> },
  "/register": { access: "guest", page: () => <RegisterPage /> },
  "/tasks": { access: "private", page: () => <TasksPage /> },
  "/profile": { access: "private", page: () => <ProfilePage /> },
  "/users": { access: "private", page: () => <UsersPage /> },
  "/sessions": { access: "private", page: () => <SessionsPage /> },
  "/permissions": { access: "private", page: () => <PermissionsPage /> },
  // The pages the mailed links open, whether the browser is signed in or not.
  "/reset-password": { access: "any", page: () => <ResetPasswordPage /> },
  "/verify-email": { access: "any", page: () => <VerifyEmailPage /> },
  "/confirm-email": { access: "any", page: () => <ConfirmEmailPage /> },
};

function Redirect({ to }: { to: string }) {
  useEffect(() => {
    navigate(to, { replace: true });
  }, [to]);
  return null;
}

function Header({ state }: { state: AuthState }) {
  const { signOut } = useAuth();
  return (
    <header className="site-header">
      <Link to="/" className="brand">
        Nexora
      </Link>
      <nav aria-label="Main">
        {state.status === "signedIn" ? (
          <ul>
            <li>
              <Link to="/tasks">Tasks</Link>
            </li>
            {state.permissions.has("users.view") && (
              <li>
                <Link to="/users">Users</Link>
              </li>
            )}
            {state.permissions.has("permissions.view") && (
              <li>
                <Link to="/permissions">Permissions</Link>
              </li>
            )}
            <li>
              <Link to="/profile">Profile</Link>
            </li>
            <li>
              <Link to="/sessions">Sessions</Link>
            </li>
            <li>
              <button type="button" className="link" onClick={() => void signOut()}>
                Log out
              </button>
            </li>
          </ul>
        ) : (
          <ul>
            <li>
              <Link to="/login">Log in</Link>
            </li>
            <li>
              <Link to="/register">Sign up</Link>
            </li>
          </ul>
        )}
      </nav>
      {state.status === "signedIn" && (
        <p className="whoami">
          Signed in as <strong>{state.user.email}</strong> ({ROLE_LABELS[state.user.role]})
        </p>
      )}
    </header>
  );
}

function Content({ state }: { state: AuthState }) {
  const { path, search } = useLocation();
  const { retry } = useAuth();
  if (state.status === "loading") {
    return <p role="status">Loading…</p>;
  }
  if (state.status === "unavailable") {
    return (
      <>
        <PageHeading title="Unavailable">The service is unavailable</PageHeading>
        <p role="alert">{state.message}</p>
        <button type="button" onClick={retry}>
          Try again
        </button>
      </>
    );
  }
  const signedIn = state.status === "signedIn";
  if (path === "/") return <Redirect to={signedIn ? "/tasks" : "/login"} />;
  const route = ROUTES[path];
  if (!route) return <NotFoundPage />;
  if (route.access === "private" && !signedIn) {
    return <Redirect to={`/login?next=${encodeURIComponent(path + search)}`} />;
  }
  if (route.access === "guest" && signedIn) return <Redirect to="/tasks" />;
  return route.page();
}

export function App() {
  const { state } = useAuth();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header state={state} />
      <main id="main" tabIndex={-1}>
        <Content state={state} />
      </main>
    </>
  );
}
