/**
 * Registers public/sw.js (the offline app shell) in production builds only: under the Vite dev server the
 * worker would cache unbundled modules and serve stale code after edits.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  const register = () => {
    navigator.serviceWorker.register("/sw.js").catch((error: unknown) => {
      console.warn("Offline support is unavailable: the service worker did not register.", error);
    });
  };
  // Registering after "load" keeps the worker's precache from competing with the first page load.
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
