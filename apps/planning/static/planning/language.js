// The language switch submits as soon as a language is picked (a script file, not an inline
// change handler in the markup: the Content-Security-Policy allows no inline script).
for (const select of document.querySelectorAll('form.lang select[name="language"]')) {
  select.addEventListener("change", () => select.form.submit());
}
