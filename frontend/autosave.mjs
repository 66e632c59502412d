// Background draft saving for long forms (the RHI findings page): a form with data-autosave is posted every
// 30 seconds while something typed is unsaved, with the header X-Autosave: 1, and the page says what
// happened in its [data-autosave-status] live region. The server saves through the same service as the
// "Save draft" button and answers with the RHI's new version, which goes back into the form's hidden
// version field so the next save is not refused as stale; a button pressed while a background save is on its
// way posts once that save's version is back. Without JavaScript the buttons still work.
const INTERVAL_MS = 30000;

function say(form, text) {
  const status = form.querySelector("[data-autosave-status]");
  if (status) status.textContent = text;
}

async function save(form) {
  const body = new FormData(form);
  body.append("save_draft", "1");
  let response;
  try {
    response = await fetch(form.action || window.location.href, {
      method: "POST",
      body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-Autosave": "1", Accept: "application/json" },
    });
  } catch {
    say(form, "Could not save your draft just now (no connection). Keep this page open: it will try again.");
    return false;
  }
  if (response.type === "opaqueredirect" || response.status === 302 || response.status === 401) {
    say(form, "You have been signed out, so your latest changes are not saved. Copy what you typed, sign in again in a new tab, then paste it back.");
    return false;
  }
  if (response.status === 409) {
    say(form, "Someone else changed this RHI, so your draft was not saved. Copy what you typed before you reload the page.");
    return false;
  }
  if (!response.ok) {
    say(form, "Draft not saved yet: an answer needs checking. Press Save draft to see which.");
    return false;
  }
  const result = await response.json();
  const version = form.querySelector("input[name=version]");
  if (version && result.version) version.value = String(result.version);
  say(form, `Draft saved at ${result.saved_at}.`);
  return true;
}

for (const form of document.querySelectorAll("form[data-autosave]")) {
  let dirty = false;
  let inFlight = null; // the background save on its way, if any
  form.addEventListener("input", () => {
    dirty = true;
  });
  form.addEventListener("change", () => {
    dirty = true;
  });
  form.addEventListener("submit", (event) => {
    dirty = false; // the person saves by hand: no background save may start now
    if (inFlight) {
      // A background save already left with the version this form holds; its answer brings the new one.
      // Posting now would be refused as stale, so the person's save goes once it is back.
      event.preventDefault();
      const submitter = event.submitter;
      inFlight.finally(() => {
        inFlight = null;
        if (submitter) form.requestSubmit(submitter);
        else form.requestSubmit();
      });
    }
  });
  window.setInterval(async () => {
    if (!dirty || inFlight) return;
    dirty = false;
    inFlight = save(form);
    const saved = await inFlight;
    inFlight = null;
    if (!saved) dirty = true;
  }, Number(form.dataset.autosaveInterval || INTERVAL_MS));
}
