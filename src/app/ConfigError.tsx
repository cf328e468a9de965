import { PageMessage } from "./PageMessage";

/** Shown instead of the app when the SPA was built without a usable backend URL. */
export function ConfigError({ problem }: { problem: string }) {
  return (
    <PageMessage title="Polaris is not connected to a backend">
      <p role="alert">{problem}</p>
      <p>To run everything on this machine, start the embedded backend and the app together:</p>
      <pre>npm start</pre>
      <p>
        To use a Convex deployment instead, put its URL in <code>.env.local</code> and build again (or restart{" "}
        <code>npm run dev</code>):
      </p>
      <pre>VITE_CONVEX_URL=https://your-deployment.convex.cloud</pre>
      <p className="muted">See README.md and docs/deploying.md for Clerk and Convex cloud.</p>
    </PageMessage>
  );
}
