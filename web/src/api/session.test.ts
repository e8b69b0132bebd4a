import { describe, expect, it, vi } from "vitest";

import { REFRESH_KEY, Session, type TokenStorage } from "./session";
import type { TokenPair } from "./types";

class MemoryStorage implements TokenStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server that accepts only `valid` as access token, answering its n-th request after `delays[n]` ms. */
function server(valid: string, delays: number[] = []) {
  const seen: { auth: string | null; body: string }[] = [];
  const send = vi.fn(async (request: Request) => {
    const auth = request.headers.get("Authorization");
    seen.push({ auth, body: await request.text() });
    await tick(delays[seen.length - 1] ?? 1);
    const ok = auth === `Bearer ${valid}`;
    return new Response(JSON.stringify(ok ? { ok } : { detail: "expired", code: "not_authenticated" }), {
      status: ok ? 200 : 401,
    });
  });
  return { send, seen };
}

function post(n: number): Request {
  return new Request(`http://api.test/api/tasks/?n=${n}`, { method: "POST", body: JSON.stringify({ title: `task ${n}` }) });
}

describe("Session.fetch", () => {
  it("refreshes once for several parallel 401s, then retries each request with its body", async () => {
    const storage = new MemoryStorage();
    const refresher = vi.fn(async (refresh: string): Promise<TokenPair> => {
      expect(refresh).toBe("refresh-1");
      await tick(20);
      return { access: "fresh", refresh: "refresh-2" };
    });
    // The last 401s arrive after the refresh is done: they must reuse its token, not refresh again.
    const { send, seen } = server("fresh", [1, 2, 3, 40, 60]);
    const session = new Session(storage, refresher, send);
    session.store({ access: "expired", refresh: "refresh-1" });

    const responses = await Promise.all([0, 1, 2, 3, 4].map((n) => session.fetch(post(n))));

    expect(refresher).toHaveBeenCalledTimes(1);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(send).toHaveBeenCalledTimes(10);
    const retries = seen.filter((call) => call.auth === "Bearer fresh");
    expect(retries.map((call) => call.body).sort()).toEqual([0, 1, 2, 3, 4].map((n) => JSON.stringify({ title: `task ${n}` })));
    expect(storage.getItem(REFRESH_KEY)).toBe("refresh-2");
  });

  it("after a reload (no access token), refreshes once before sending anything", async () => {
    const storage = new MemoryStorage();
    storage.setItem(REFRESH_KEY, "refresh-1");
    const refresher = vi.fn(async (): Promise<TokenPair> => {
      await tick(10);
      return { access: "fresh", refresh: "refresh-2" };
    });
    const { send, seen } = server("fresh");
    const session = new Session(storage, refresher, send);

    const responses = await Promise.all([session.fetch(post(1)), session.fetch(post(2)), session.fetch(post(3))]);

    expect(refresher).toHaveBeenCalledTimes(1);
    expect(responses.every((response) => response.ok)).toBe(true);
    expect(seen.map((call) => call.auth)).toEqual(["Bearer fresh", "Bearer fresh", "Bearer fresh"]);
  });

  it("a refused refresh ends the session once and returns the 401s", async () => {
    const storage = new MemoryStorage();
    const refresher = vi.fn(async (): Promise<null> => {
      await tick(10);
      return null;
    });
    const { send } = server("never");
    const session = new Session(storage, refresher, send);
    session.store({ access: "expired", refresh: "revoked" });
    const expired = vi.fn();
    session.onExpired(expired);

    const responses = await Promise.all([1, 2, 3].map((n) => session.fetch(post(n))));

    expect(refresher).toHaveBeenCalledTimes(1);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(responses.map((response) => response.status)).toEqual([401, 401, 401]);
    expect(send).toHaveBeenCalledTimes(3);
    expect(session.active).toBe(false);
  });

  it("without a session, sends nothing and answers 401 not_authenticated", async () => {
    const refresher = vi.fn();
    const { send } = server("fresh");
    const session = new Session(new MemoryStorage(), refresher, send);

    const response = await session.fetch(post(1));

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "not_authenticated" });
    expect(send).not.toHaveBeenCalled();
    expect(refresher).not.toHaveBeenCalled();
  });

  it("a refresh that fails for another reason (network, 503) keeps the session", async () => {
    const storage = new MemoryStorage();
    const refresher = vi.fn(async (): Promise<TokenPair> => {
      await tick(1);
      throw new Error("offline");
    });
    const { send } = server("fresh");
    const session = new Session(storage, refresher, send);
    session.store({ access: "expired", refresh: "refresh-1" });

    const results = await Promise.allSettled([session.fetch(post(1)), session.fetch(post(2))]);

    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(refresher).toHaveBeenCalledTimes(1);
    expect(storage.getItem(REFRESH_KEY)).toBe("refresh-1");
  });
});
