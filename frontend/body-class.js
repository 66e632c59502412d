// Runs first thing in <body>: lets GOV.UK Frontend's styles know JavaScript is on and the browser supported.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
