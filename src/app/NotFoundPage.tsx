import { Link } from "wouter";
import { AppHeader } from "./AppHeader";
import { PageMessage } from "./PageMessage";

/** Shown to a signed-in user, so it keeps the app header (who is signed in, Sign out). */
export function NotFoundPage({ title = "Page not found", detail }: { title?: string; detail?: string }) {
  return (
    <div className="app-page">
      <AppHeader />
      <div className="app-scroll">
        <PageMessage title={title} focusTitle>
          <p>{detail ?? "There is nothing at this address."}</p>
          <p>
            <Link href="/" className="btn">
              ← Back to your projects
            </Link>
          </p>
        </PageMessage>
      </div>
    </div>
  );
}
