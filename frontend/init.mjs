// Start GOV.UK Frontend's components, and background draft saving on forms that ask for it. A file rather
// than an inline script, so the CSP can forbid inline code.
import { initAll } from "./govuk-frontend.min.js";
import "./autosave.mjs";

initAll();

// GOV.UK Frontend marks a radio that reveals a follow-up question with aria-expanded, which ARIA does not
// allow on a radio (govuk-frontend issue #979; axe-core's aria-allowed-attr, critical). The reveal and its
// aria-controls stay; the attribute goes each time GOV.UK Frontend sets it (on start, on a click in the
// radios and on pageshow: those listeners were added by initAll, so these run after them).
function dropRadioAriaExpanded() {
  for (const input of document.querySelectorAll('input[type="radio"][aria-expanded]')) {
    input.removeAttribute("aria-expanded");
  }
}
dropRadioAriaExpanded();
document.addEventListener("click", dropRadioAriaExpanded);
window.addEventListener("pageshow", dropRadioAriaExpanded);
