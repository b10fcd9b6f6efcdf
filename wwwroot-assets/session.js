// Idle sessions end: after PainReview:IdleTimeoutMinutes without a key, click or touch the page
// goes to the sign-in form. While the user is active, a light request keeps the sliding cookie
// alive, since an open Blazor page talks over its circuit and sends no other requests.
(() => {
  const minutes = Number(document.documentElement.dataset.idleMinutes || "30");
  if (!(minutes > 0) || location.pathname.startsWith("/Account/")) return;
  const idleMs = minutes * 60_000;
  let last = Date.now();
  let pinged = Date.now();
  const active = () => { last = Date.now(); };
  for (const type of ["keydown", "pointerdown", "wheel", "touchstart"]) addEventListener(type, active, { passive: true, capture: true });
  setInterval(async () => {
    const now = Date.now();
    if (now - last >= idleMs) {
      location.href = "/Account/Login?ended=1";
      return;
    }
    if (last > pinged && now - pinged >= Math.min(idleMs / 3, 5 * 60_000)) {
      pinged = now;
      try {
        const response = await fetch("/Account/KeepAlive", { method: "POST", headers: { "X-PainReview-Api": "1" }, credentials: "same-origin" });
        if (response.status === 401) location.href = "/Account/Login?ended=1";
      } catch { /* offline for a moment: the next tick tries again */ }
    }
  }, 15_000);
})();
