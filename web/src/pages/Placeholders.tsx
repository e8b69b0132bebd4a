import { PageHeading } from "../components/page";
import { Link } from "../router";

/** A route Django already serves whose page waits for the account-lifecycle API. */
export function ComingSoonPage({ title }: { title: string }) {
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      <p>This page is coming soon.</p>
      <p>
        <Link to="/tasks">Back to your tasks</Link>
      </p>
    </>
  );
}

export function NotFoundPage() {
  return (
    <>
      <PageHeading title="Page not found">Page not found</PageHeading>
      <p>
        There is no page here. <Link to="/tasks">Go to your tasks</Link>.
      </p>
    </>
  );
}
