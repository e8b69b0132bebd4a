import { Link, searchOf } from "../router";

interface PaginationProps {
  label: string;
  /** The page's path and its query (`?page=` is set here, the rest is kept). */
  path: string;
  query: Record<string, string>;
  count: number;
  offset: number;
  limit: number;
}

/** "21–40 of 45" with links to the previous and next pages (`?page=`), for a page of `{items, count}`. */
export function Pagination({ label, path, query, count, offset, limit }: PaginationProps) {
  if (count === 0) return null;
  const last = Math.min(offset + limit, count);
  const page = offset / limit + 1;
  const to = (n: number) => `${path}${searchOf({ ...query, page: n > 1 ? n : null })}`;
  return (
    <nav className="pagination" aria-label={label}>
      <p>
        {offset + 1}–{last} of {count}
      </p>
      {page > 1 && <Link to={to(page - 1)}>Previous page</Link>}
      {last < count && <Link to={to(page + 1)}>Next page</Link>}
    </nav>
  );
}

/** The offset of a `?page=` value (1-based; anything else is the first page). */
export function offsetOf(page: string | undefined, limit: number): number {
  const n = Number(page);
  return Number.isInteger(n) && n > 1 ? (n - 1) * limit : 0;
}
