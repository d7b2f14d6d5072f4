// Sends the page's CSRF token with every htmx request (DESIGN.md: X-CSRF-Token).
// Plain forms carry it as a hidden field, so the site works without this file.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});
