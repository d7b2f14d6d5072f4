// Sends the page's CSRF token with every htmx request (DESIGN.md: X-CSRF-Token).
// Plain forms carry it as a hidden field, so the site works without this file.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

// The region picker's "Show cities" button is for browsers without JavaScript (the province
// list fetches the cities itself with htmx). Removed rather than hidden: a hidden submit button
// first in the form would still be the one Enter presses, and it saves nothing.
if (window.htmx) {
  htmx.onLoad((content) => {
    content.querySelectorAll(".region-picker__refresh").forEach((button) => button.remove());
  });
}
