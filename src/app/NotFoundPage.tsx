import { Link } from "wouter";
import { PageMessage } from "./PageMessage";

export function NotFoundPage({ title = "Page not found", detail }: { title?: string; detail?: string }) {
  return (
    <PageMessage title={title}>
      <p>{detail ?? "There is nothing at this address."}</p>
      <p>
        <Link href="/" className="btn">
          ← Back to your projects
        </Link>
      </p>
    </PageMessage>
  );
}
