import { useEffect, useRef, type ReactNode } from "react";

import { hasMovedWithinApp } from "../router";

/** A page's `<h1>`: names the tab, and takes focus after a move within the app, so a screen
 *  reader user hears where they are and Tab starts from the new content. */
export function PageHeading({ children, title }: { children: ReactNode; title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Nexora`;
    if (hasMovedWithinApp()) heading.current?.focus();
  }, [title]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A polite announcement (saved, created, ...). */
export function Notice({ message }: { message: string | null }) {
  return (
    <p className="notice" role="status">
      {message}
    </p>
  );
}
