// Who is signed in and what their role may do: the user from the log-in answer or
// GET /api/profile/, the policies from GET /api/profile/permissions/ (read once per page load,
// so a role changed by an admin shows on the user's next load; the API checks every call anyway).
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api, deviceTokens, publicApi, session } from "./api/client";
import { errorMessage, unwrap } from "./api/errors";
import type { User } from "./api/types";
import { navigate } from "./router";

export type AuthState =
  | { status: "loading" }
  | { status: "unavailable"; message: string }
  | { status: "signedOut"; notice: string | null }
  | { status: "signedIn"; user: User; permissions: ReadonlySet<string> };

export interface SignOutOptions {
  /** Shown on the log-in page ("You have logged out." unless given). */
  notice?: string | null;
  /** Where to go next ("/login" unless given; null: stay on this page). */
  to?: string | null;
}

export interface Auth {
  state: AuthState;
  signIn: (email: string, password: string) => Promise<void>;
  /** Revokes this session's refresh token on the server (as far as it still works), then forgets both tokens. */
  signOut: (options?: SignOutOptions) => Promise<void>;
  signOutEverywhere: () => Promise<void>;
  /** Forgets a session the server has already ended (this session deleted, the account gone), and goes to /login. */
  forgetSession: (notice: string) => void;
  /** The signed-in user's new details; ignored unless it is that user (a mailed link may be another account's). */
  setUser: (user: User) => void;
  retry: () => void;
}

const AuthContext = createContext<Auth | null>(null);

async function loadPermissions(): Promise<ReadonlySet<string>> {
  const held = await unwrap(api.GET("/api/profile/permissions/"));
  return new Set(held.permissions);
}

/** The signed-in user and permissions, from the session kept in this tab (after a reload). */
async function resume(): Promise<AuthState> {
  const [user, permissions] = await Promise.all([unwrap(api.GET("/api/profile/")), loadPermissions()]);
  return { status: "signedIn", user, permissions };
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>(() =>
    session.active ? { status: "loading" } : { status: "signedOut", notice: null },
  );
  const [attempt, setAttempt] = useState(0);

  useEffect(
    () =>
      session.onExpired(() => {
        setState({ status: "signedOut", notice: "Your session has ended. Please log in again." });
        const here = window.location.pathname + window.location.search;
        navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
      }),
    [],
  );

  useEffect(() => {
    if (!session.active) return;
    let live = true;
    resume().then(
      (next) => {
        if (live) setState(next);
      },
      (error: unknown) => {
        // A refused refresh has already signed out (onExpired); anything else may pass.
        if (live && session.active) setState({ status: "unavailable", message: errorMessage(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  const auth = useMemo<Auth>(
    () => ({
      state,
      async signIn(email, password) {
        // This browser's device token for the address, if it has one: an attack on the
        // address from elsewhere then cannot lock it out (docs/api.md, "Tokens").
        const device_token = deviceTokens.for(email);
        const body = device_token === undefined ? { email, password } : { email, password, device_token };
        const login = await unwrap(publicApi.POST("/api/login/", { body }));
        deviceTokens.remember(email, login.device_token);
        session.store(login);
        const permissions = await loadPermissions();
        setState({ status: "signedIn", user: login.user, permissions });
      },
      async signOut({ notice = "You have logged out.", to = "/login" } = {}) {
        const refresh = session.refreshToken;
        try {
          // Revoke this session's refresh token on the server; the access token expires by itself.
          if (refresh !== null) await publicApi.POST("/api/logout/", { body: { refresh } });
        } finally {
          session.clear();
          setState({ status: "signedOut", notice });
          if (to !== null) navigate(to);
        }
      },
      async signOutEverywhere() {
        // Every access and refresh token of this user stops working, in every browser.
        await unwrap(api.POST("/api/logout/all/"));
        session.clear();
        setState({ status: "signedOut", notice: "You have logged out of every session." });
        navigate("/login");
      },
      forgetSession(notice) {
        session.clear();
        setState({ status: "signedOut", notice });
        navigate("/login");
      },
      setUser(user) {
        setState((current) => (current.status === "signedIn" && current.user.id === user.id ? { ...current, user } : current));
      },
      retry() {
        setState({ status: "loading" });
        setAttempt((n) => n + 1);
      },
    }),
    [state],
  );

  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** The policies the screens ask about (names as GET /api/profile/permissions/ lists them). */
export type PolicyName =
  | "tasks.create"
  | "tasks.change_own"
  | "tasks.delete_own"
  | "tasks.assign"
  | "tasks.view_any"
  | "tasks.change_any"
  | "tasks.delete_any"
  | "users.view"
  | "users.create"
  | "users.change"
  | "users.change_role"
  | "permissions.view"
  | "permissions.manage";

export interface SignedIn {
  user: User;
  can: (policy: PolicyName) => boolean;
  setUser: (user: User) => void;
}

/** For the pages behind the sign-in (App renders them only when signed in). */
export function useSignedIn(): SignedIn {
  const { state, setUser } = useAuth();
  if (state.status !== "signedIn") throw new Error("useSignedIn on a page for signed-in users only");
  return { user: state.user, can: (policy) => state.permissions.has(policy), setUser };
}
