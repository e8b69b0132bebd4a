// Device tokens (docs/api.md, "Tokens"): a successful log-in answers one bound to the
// address; a log-in that sends it back is throttled per (address, device token) instead of
// per address, so failed log-ins on the address from elsewhere cannot lock this browser out.
// They live in localStorage, so they outlive the tab; each is useless without the password.
import type { TokenStorage } from "./session";

export const DEVICE_TOKENS_KEY = "nexora.deviceTokens";
/** Addresses remembered at most (the newest kept): a shared computer sees a few. */
export const MAX_ADDRESSES = 20;

type Remembered = [address: string, token: string][];

/** The address as a key: the same person types it in any case. */
function keyOf(email: string): string {
  return email.trim().toLowerCase();
}

export class DeviceTokens {
  constructor(private readonly storage: TokenStorage) {}

  /** The token this browser was given for `email`, if any. */
  for(email: string): string | undefined {
    const key = keyOf(email);
    return this.read().find(([address]) => address === key)?.[1];
  }

  /** Keep `token` for `email`, newest first. */
  remember(email: string, token: string): void {
    const key = keyOf(email);
    const kept = [[key, token], ...this.read().filter(([address]) => address !== key)].slice(0, MAX_ADDRESSES);
    try {
      this.storage.setItem(DEVICE_TOKENS_KEY, JSON.stringify(kept));
    } catch {
      // Storage full or refused (a private window): the log-in works without it.
    }
  }

  private read(): Remembered {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(DEVICE_TOKENS_KEY) ?? "[]");
      if (!Array.isArray(parsed)) return [];
      return parsed.filter(
        (entry): entry is [string, string] =>
          Array.isArray(entry) && entry.length === 2 && typeof entry[0] === "string" && typeof entry[1] === "string",
      );
    } catch {
      return []; // unreadable: start again
    }
  }
}
