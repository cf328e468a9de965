import { ConvexReactClient, type AuthTokenFetcher } from "convex/react";
import { ConvexError } from "convex/values";
import { errorMessage } from "../lib/errors";

type Sink = Pick<Console, "log" | "info" | "warn" | "error">;

// The Convex client logs every failed mutation or action as an error ("[CONVEX M(files:updateContent)] Uncaught
// ConvexError: ..."). A ConvexError is the server's deliberate answer (a conflict to merge, text over the limit, a
// taken name), and the app handles each one: the outbox merges or records it, a toast or the sync panel says it.
const REFUSAL = /^\[CONVEX ([MA])\(([^)]*)\)\] (?:\[Request ID: [^\]]*\] )?(?:Server Error\s*)?Uncaught ConvexError:?\s*/;

/**
 * The client's logger: a ConvexError answer is logged as information ("files:updateContent refused: ..."), not as
 * an uncaught error; every other failure still goes to console.error.
 */
export function convexLogger(sink: Sink = console) {
  return {
    log: (...args: unknown[]) => sink.log(...args),
    warn: (...args: unknown[]) => sink.warn(...args),
    error: (...args: unknown[]) => {
      const [first, ...rest] = args;
      const match = typeof first === "string" ? REFUSAL.exec(first) : null;
      if (match && typeof first === "string") {
        sink.info(`[Convex] ${match[2]} refused (handled by the app): ${first.slice(match[0].length)}`, ...rest);
        return;
      }
      sink.error(...args);
    },
    logVerbose: () => {},
  };
}

/**
 * React's `onCaughtError`: an error an error boundary caught and shows. A ConvexError there is the server's answer
 * the page turns into what a person reads (a project that is not theirs: the not-found page), so it is logged as
 * information, like the client's refusals above; anything else a boundary caught is still logged as an error.
 */
export function logCaughtError(error: unknown, info: { componentStack?: string }, sink: Sink = console): void {
  if (error instanceof ConvexError) {
    sink.info(`[Convex] ${errorMessage(error)} (shown by the page)`);
    return;
  }
  sink.error("Caught by an error boundary:", error, info.componentStack ?? "");
}

interface EarlyAuth {
  token: string;
  /** Set once the auth provider's first setAuth has taken the early authentication over. */
  adopted?: { fetchToken: AuthTokenFetcher; onChange?: (ok: boolean) => void; onRefreshChange?: (refreshing: boolean) => void };
  /** The server's verdict on the early token, if it came before the provider took over. */
  confirmed?: boolean;
  whenAdopted: Promise<AuthTokenFetcher>;
  adopt: (fetchToken: AuthTokenFetcher) => void;
}

/**
 * The app's Convex client: a ConvexReactClient that can send a stored token before React renders
 * (`authenticateEarly`, from the entry module), so the Authenticate and the page's first queries leave while the
 * page's code is still being run instead of after its first render and effects. The auth provider
 * (ConvexProviderWithAuth) then calls `setAuth` as usual; its first call takes the early authentication over
 * instead of authenticating again (a second Authenticate with the same token makes the server run every query
 * again, and holds back their answers until it has).
 *
 * A new auth config never interrupts the renewal of a refused token: the Convex client stops its socket to renew
 * (AuthenticationManager.tryToReauthenticate), and a setConfig made meanwhile makes the renewal give up without
 * restarting the socket, which then stays stopped for good (the page shows "Offline" and nothing loads). The early
 * start opens that window: its token can be refused before the provider mounts, and the provider's setAuth (twice
 * under StrictMode, with a clearAuth between) then lands while the renewal waits for the provider's fetcher. So a
 * setAuth made while a renewal runs waits until it has ended (`renewing`, from the client's onRefreshChange).
 */
export class AppConvexClient extends ConvexReactClient {
  private early: EarlyAuth | undefined;
  /** Counts setAuth calls, so a check made for one call does nothing once a newer call has replaced it. */
  private authCalls = 0;
  /** The client is renewing a refused token (its socket is stopped until it has a new one, or gives up). */
  private renewing = false;
  /** The newest auth config asked for while `renewing`, applied once the renewal has ended. */
  private deferredConfig: (() => void) | undefined;

  /**
   * Authenticates with `token` now. A renewal the client asks for before the provider has taken over waits for
   * the provider's own token fetcher; `abandonEarlyAuth` undoes it all if no provider does (the session is gone).
   */
  authenticateEarly(token: string): void {
    if (this.early) return;
    let adopt: (fetchToken: AuthTokenFetcher) => void = () => {};
    const whenAdopted = new Promise<AuthTokenFetcher>((resolve) => (adopt = resolve));
    const early: EarlyAuth = { token, whenAdopted, adopt };
    this.early = early;
    this.configure(
      async (args) => {
        if (early.adopted) return early.adopted.fetchToken(args);
        if (!args.forceRefreshToken) return token;
        return (await early.whenAdopted)(args);
      },
      (ok) => {
        if (early.adopted) early.adopted.onChange?.(ok);
        else early.confirmed = ok;
      },
      (refreshing) => early.adopted?.onRefreshChange?.(refreshing),
    );
  }

  override setAuth(
    fetchToken: AuthTokenFetcher,
    onChange?: (isAuthenticated: boolean) => void,
    onRefreshChange?: (isRefreshing: boolean) => void,
  ): void {
    const call = ++this.authCalls;
    const early = this.early;
    // Only the first setAuth takes over; a later one (another user, a sign-out and in again) authenticates anew.
    this.early = undefined;
    if (!early || early.adopted) {
      this.configure(fetchToken, onChange, onRefreshChange);
      return;
    }
    early.adopted = { fetchToken, onChange, onRefreshChange };
    early.adopt(fetchToken);
    if (early.confirmed !== undefined) onChange?.(early.confirmed);
    if (this.renewing) onRefreshChange?.(true);
    // The provider's token should be the one sent early (both read the same stored session); if it is not (the
    // session changed in between), authenticate with the provider's as if nothing had been sent early.
    void fetchToken({ forceRefreshToken: false }).then(
      (current) => {
        if (current !== early.token && call === this.authCalls) this.configure(fetchToken, onChange, onRefreshChange);
      },
      () => {},
    );
  }

  override clearAuth(): void {
    // A config waiting for a renewal to end is for a session that has now ended too.
    this.deferredConfig = undefined;
    super.clearAuth();
  }

  /** Undoes an early authentication no provider took over (the stored session was gone when the app rendered). */
  abandonEarlyAuth(): void {
    if (!this.early) return;
    this.early = undefined;
    this.clearAuth();
  }

  /** Gives the Convex client a new auth config, at once, or once the renewal of a refused token has ended. */
  private configure(
    fetchToken: AuthTokenFetcher,
    onChange?: (isAuthenticated: boolean) => void,
    onRefreshChange?: (isRefreshing: boolean) => void,
  ): void {
    if (this.renewing) {
      this.deferredConfig = () => this.configure(fetchToken, onChange, onRefreshChange);
      return;
    }
    this.deferredConfig = undefined;
    super.setAuth(fetchToken, onChange ?? (() => {}), (refreshing) => {
      this.renewing = refreshing;
      onRefreshChange?.(refreshing);
      // After the client's own step is done (it restarts the socket right after reporting a failed renewal).
      if (!refreshing && this.deferredConfig) queueMicrotask(() => this.deferredConfig?.());
    });
  }
}

/**
 * The Convex client's WebSocket class, closed and reported closed to the client as soon as the browser goes
 * offline. Offline, nothing sent on the socket arrives, yet the client keeps it until 60 s pass without a message
 * from the server, sending it every write made meanwhile; a connection that outlives the outage (a short one, or
 * one under Chromium's offline emulation, which holds a connection's frames instead of dropping them) then
 * delivers them all when the network is back, on the old connection, while the client re-sends them on its new
 * one. In bench/offline (80 s offline) the server ran 40 writes and the old connection's queries before it even
 * took the new connection. Closed at once, the socket carries nothing more and the client keeps the writes until
 * it reconnects, which it does as soon as `online` fires (WebSocketManager listens for it). The client is told at
 * once, with the socket's handlers dropped: the socket's own close event waits for the closing handshake, which
 * cannot finish offline, and until then the client counts it open and does not reconnect on `online`.
 */
export function closedWhenOffline(Base: typeof WebSocket, target: Pick<Window, "addEventListener" | "removeEventListener"> = window): typeof WebSocket {
  return class OfflineClosedWebSocket extends Base {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const giveUp = () => {
        target.removeEventListener("offline", giveUp);
        const onclose = this.onclose;
        this.onopen = this.onmessage = this.onerror = this.onclose = null;
        this.close();
        onclose?.call(this, new CloseEvent("close", { code: 1000, reason: "Offline" }));
      };
      target.addEventListener("offline", giveUp);
      this.addEventListener("close", () => target.removeEventListener("offline", giveUp));
    }
  };
}

let client: AppConvexClient | undefined;

/**
 * The one Convex client of the app. Throws with the client's own message when the URL is malformed. Its socket
 * closes when the browser goes offline (closedWhenOffline).
 * `initialAuthTokenReuse`: a stored token the server accepts is kept until shortly before it expires, instead of
 * being replaced at once by a fresh one (a second sign-in round trip and Authenticate, during which the client
 * holds back the page's first queries, and after which the server runs them again).
 */
export function getConvexClient(url: string): AppConvexClient {
  client ??= new AppConvexClient(url, {
    initialAuthTokenReuse: true,
    logger: convexLogger(),
    webSocketConstructor: closedWhenOffline(WebSocket),
  });
  return client;
}
