// Start GOV.UK Frontend's components. A file rather than an inline script, so the CSP can forbid inline code.
import { initAll } from "./govuk-frontend.min.js";

initAll();
