import { useEffect, useEffectEvent, useState } from "react";

import { errorMessage } from "../api/errors";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` whenever `key` changes (or on `reload()`); keeps the last data while loading. */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [version, setVersion] = useState(0);
  const [result, setResult] = useState<{ key: string; data: T | null; error: string | null } | null>(null);
  const current = `${key}#${version}`;
  const run = useEffectEvent(load);

  useEffect(() => {
    let live = true;
    run().then(
      (data) => {
        if (live) setResult({ key: current, data, error: null });
      },
      (error: unknown) => {
        if (live) setResult({ key: current, data: null, error: errorMessage(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [current]);

  return {
    data: result?.data ?? null,
    error: result?.key === current ? result.error : null,
    loading: result?.key !== current,
    reload: () => {
      setVersion((n) => n + 1);
    },
  };
}
