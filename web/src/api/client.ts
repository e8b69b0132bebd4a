// The two typed clients (openapi-fetch over the generated `paths`): `publicApi` for the
// operations that need no token (sign-up, log-in, refresh, log-out), `api` for the rest,
// which sends the bearer token and refreshes it once, for every request in flight, on a 401.
import createClient from "openapi-fetch";

import { DeviceTokens } from "./deviceTokens";
import { apiError } from "./errors";
import type { paths } from "./schema";
import { Session } from "./session";

/** The page's own origin; another one only under `npm run dev` (.env.development). */
const baseUrl = import.meta.env.VITE_API_BASE ?? window.location.origin;

export const publicApi = createClient<paths>({ baseUrl });

export const session = new Session(window.sessionStorage, async (refresh) => {
  const { data, error, response } = await publicApi.POST("/api/token/refresh/", { body: { refresh } });
  if (data) return data;
  if (response.status === 401) return null;
  throw apiError(error, response);
});

export const api = createClient<paths>({ baseUrl, fetch: session.fetch });

export const deviceTokens = new DeviceTokens(window.localStorage);
