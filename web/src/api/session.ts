// The signed-in session: where the tokens live, and the one refresh that every request in
// flight shares when the access token is refused.
//
// The access token lives in memory only (this module), so it is gone when the tab closes
// or reloads; the refresh token lives in the tab's sessionStorage, so a reload stays signed
// in (it is exchanged for a fresh pair at start-up) while closing the tab ends it. Why, and
// what the CSP does about XSS: web/README.md, "Where the tokens live".
import type { TokenPair } from "./types";

/** The part of the Web Storage API the session uses (sessionStorage in the app). */
export type TokenStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** Exchanges a refresh token for a fresh pair; null when the server refuses it (401).
 *  Any other failure (network, 503) throws, and the session is kept. */
export type Refresher = (refreshToken: string) => Promise<TokenPair | null>;

export type Send = (request: Request) => Promise<Response>;

export const REFRESH_KEY = "nexora.refresh";

/** The answer to a request that cannot be sent for want of a session: the API's own 401 shape. */
function notSignedIn(): Response {
  const body = { detail: "You are not signed in.", code: "not_authenticated" };
  return new Response(JSON.stringify(body), { status: 401, headers: { "Content-Type": "application/json" } });
}

function withBearer(request: Request, token: string): Request {
  // A clone for each attempt: the original's body stays unread, so the retry can send it again.
  const attempt = request.clone();
  attempt.headers.set("Authorization", `Bearer ${token}`);
  return attempt;
}

export class Session {
  private access: string | null = null;
  private refreshing: Promise<string | null> | null = null;
  private readonly expiredListeners = new Set<() => void>();

  constructor(
    private readonly storage: TokenStorage,
    private readonly refresher: Refresher,
    private readonly send: Send = (request) => fetch(request),
  ) {}

  /** A session to resume: a refresh token is kept (the access token may not be, after a reload). */
  get active(): boolean {
    return this.storage.getItem(REFRESH_KEY) !== null;
  }

  get refreshToken(): string | null {
    return this.storage.getItem(REFRESH_KEY);
  }

  /** Keep a pair from log-in, refresh or a password change. */
  store(pair: TokenPair): void {
    this.access = pair.access;
    this.storage.setItem(REFRESH_KEY, pair.refresh);
  }

  /** Forget both tokens (log-out, or a refresh the server refused). */
  clear(): void {
    this.access = null;
    this.storage.removeItem(REFRESH_KEY);
  }

  /** `listener` runs once each time a refresh is refused and the session ends. */
  onExpired(listener: () => void): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  /** A fresh access token, or null when the session has ended. Every caller until it settles
   *  shares one refresh: one request to the server, one rotation of the refresh token. */
  refresh(): Promise<string | null> {
    this.refreshing ??= this.exchange().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async exchange(): Promise<string | null> {
    const refreshToken = this.refreshToken;
    const pair = refreshToken === null ? null : await this.refresher(refreshToken);
    if (pair === null) {
      this.clear();
      for (const listener of this.expiredListeners) listener();
      return null;
    }
    this.store(pair);
    return pair.access;
  }

  /** The token to retry with after `used` was refused: the one a refresh already brought
   *  since `used` was sent, or else the result of the shared refresh. */
  private tokenAfter401(used: string): Promise<string | null> {
    if (this.access !== null && this.access !== used) return Promise.resolve(this.access);
    return this.refresh();
  }

  /** `fetch` for the signed-in client: adds the bearer token; on a 401, one shared refresh and
   *  one retry. When the session has ended, the 401 is returned as it came. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const token = this.access ?? (await this.refresh());
    if (token === null) return notSignedIn();
    const response = await this.send(withBearer(request, token));
    if (response.status !== 401) return response;
    const fresh = await this.tokenAfter401(token);
    if (fresh === null) return response;
    return this.send(withBearer(request, fresh));
  };
}
