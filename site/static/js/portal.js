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

// A drawing upload's progress bar (templates/quotes/new.html): htmx reports the request body's
// progress; the bar and its text say how much has been sent. Without JavaScript the form is a
// plain multipart POST and the browser shows its own progress.
document.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest("form[data-upload-progress]");
  if (!form || !event.detail.lengthComputable) return;
  const box = document.getElementById(form.dataset.uploadProgress);
  if (!box) return;
  const percent = Math.floor((event.detail.loaded / event.detail.total) * 100);
  box.hidden = false;
  box.querySelector("progress").value = percent;
  box.querySelector("[data-percent]").textContent = percent + " %";
});
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest && event.target.closest("form[data-upload-progress]");
  const box = form && document.getElementById(form.dataset.uploadProgress);
  if (box && !event.detail.successful) box.hidden = true;
});

// The policy's contents (templates/policy/_article.html): site.css shows them open on wide
// screens even without JavaScript; this sets the <details> element's `open` to match, so that
// assistive technology announces the state that is shown, and folds them again on a phone.
const wideScreen = window.matchMedia("(min-width: 64rem)");
const matchContents = () => {
  document.querySelectorAll("details[data-open-wide]").forEach((box) => {
    box.open = wideScreen.matches;
  });
};
matchContents();
wideScreen.addEventListener("change", matchContents);
document.querySelectorAll("details[data-open-wide]").forEach((box) => {
  box.addEventListener("toggle", () => {
    if (wideScreen.matches && !box.open) box.open = true; // the sidebar does not fold
  });
});
