interface PaginationProps {
  label: string;
  count: number;
  offset: number;
  limit: number;
  onOffset: (offset: number) => void;
}

/** "21–40 of 45" with Previous / Next, for a page of `{items, count}`. */
export function Pagination({ label, count, offset, limit, onOffset }: PaginationProps) {
  if (count === 0) return null;
  const last = Math.min(offset + limit, count);
  return (
    <nav className="pagination" aria-label={label}>
      <p>
        {offset + 1}–{last} of {count}
      </p>
      <button type="button" disabled={offset === 0} onClick={() => {
          onOffset(Math.max(0, offset - limit));
        }}>
        Previous page
      </button>
      <button type="button" disabled={last >= count} onClick={() => {
          onOffset(offset + limit);
        }}>
        Next page
      </button>
    </nav>
  );
}

/** The offset of a `?page=` value (1-based; anything else is the first page). */
export function offsetOf(page: string | undefined, limit: number): number {
  const n = Number(page);
  return Number.isInteger(n) && n > 1 ? (n - 1) * limit : 0;
}
