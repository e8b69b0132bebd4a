import { PageHeading } from "../components/page";
import { Link } from "../router";

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
