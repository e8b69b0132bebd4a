import { describe, expect, it } from "vitest";

import { DEVICE_TOKENS_KEY, DeviceTokens, MAX_ADDRESSES } from "./deviceTokens";
import type { TokenStorage } from "./session";

class MemoryStorage implements TokenStorage {
  readonly items = new Map<string, string>();
  failWrites = false;
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.failWrites) throw new DOMException("full", "QuotaExceededError");
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

describe("DeviceTokens", () => {
  it("gives back the token remembered for an address, in any case", () => {
    const tokens = new DeviceTokens(new MemoryStorage());
    tokens.remember("Ada@Example.com", "t-ada");
    tokens.remember("bob@example.com", "t-bob");

    expect(tokens.for(" ada@example.COM ")).toBe("t-ada");
    expect(tokens.for("bob@example.com")).toBe("t-bob");
    expect(tokens.for("eve@example.com")).toBeUndefined();
  });

  it("keeps the newest token of an address, and survives a new instance (a new tab)", () => {
    const storage = new MemoryStorage();
    new DeviceTokens(storage).remember("ada@example.com", "old");
    new DeviceTokens(storage).remember("ada@example.com", "new");

    expect(new DeviceTokens(storage).for("ada@example.com")).toBe("new");
    expect(JSON.parse(storage.items.get(DEVICE_TOKENS_KEY) ?? "")).toEqual([["ada@example.com", "new"]]);
  });

  it("forgets the oldest addresses beyond the limit", () => {
    const tokens = new DeviceTokens(new MemoryStorage());
    for (let n = 0; n <= MAX_ADDRESSES; n++) tokens.remember(`user${n}@example.com`, `t${n}`);

    expect(tokens.for("user0@example.com")).toBeUndefined();
    expect(tokens.for("user1@example.com")).toBe("t1");
    expect(tokens.for(`user${MAX_ADDRESSES}@example.com`)).toBe(`t${MAX_ADDRESSES}`);
  });

  it("ignores what it cannot read or write", () => {
    const storage = new MemoryStorage();
    storage.items.set(DEVICE_TOKENS_KEY, "{not json");
    const tokens = new DeviceTokens(storage);
    expect(tokens.for("ada@example.com")).toBeUndefined();

    storage.items.set(DEVICE_TOKENS_KEY, JSON.stringify([["ada@example.com", 5], "x", ["bob@example.com", "t-bob"]]));
    expect(tokens.for("ada@example.com")).toBeUndefined();
    expect(tokens.for("bob@example.com")).toBe("t-bob");

    storage.failWrites = true;
    expect(() => {
      tokens.remember("eve@example.com", "t-eve");
    }).not.toThrow();
    expect(tokens.for("eve@example.com")).toBeUndefined();
  });
});
