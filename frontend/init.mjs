// Start GOV.UK Frontend's components, and background draft saving on forms that ask for it. A file rather
// than an inline script, so the CSP can forbid inline code.
import { initAll } from "./govuk-frontend.min.js";
import "./autosave.mjs";

initAll();
