import { useRef, type ReactNode } from "react";
import { Link } from "wouter";
import { useSession } from "../features/auth/session";
import { SyncStatus } from "../features/sync";
import { MoreMenu, useBarFold } from "../lib/headerFold";

/**
 * The bar on top of every signed-in page: brand, page-specific controls, sync status, the user and sign out. When
 * they do not all fit, labels fold to icons (lib/headerFold.tsx) before anything is cut or overlaps, and on a phone
 * the controls marked `data-overflow` go into the More menu.
 */
export function AppHeader({ children }: { children?: ReactNode }) {
  const { userName, signOut } = useSession();
  const header = useRef<HTMLElement>(null);
  useBarFold(header);
  return (
    // Unfolded until the bar has been measured (lib/headerFold.tsx): the first look then writes nothing when it fits.
    <header ref={header} className="app-header" data-fold="0">
      <Link href="/" className="app-brand" aria-label="Polaris: all projects" title="Polaris: all projects">
        <span className="app-logo" aria-hidden="true">
          ✦
        </span>
        <span className="app-brand-text">Polaris</span>
      </Link>
      <div className="app-header-main">{children}</div>
      <MoreMenu />
      <SyncStatus />
      <div className="app-user">
        <span className="app-user-name" title={`Signed in as ${userName}`}>
          <span className="visually-hidden">Signed in as </span>
          {userName}
        </span>
        <button type="button" className="btn btn-small" data-overflow="" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
