// The top bar of every page (a script file, not inline handlers: the Content-Security-Policy
// allows no inline script): the language switch submits as soon as a language is picked, the
// theme choice applies at once (theme.js), and on a phone the ☰ button opens the menu.
for (const select of document.querySelectorAll('form.lang select[name="language"]')) {
  select.addEventListener("change", () => select.form.submit());
}

const theme = document.getElementById("theme");
if (theme && window.printfarmTheme) {
  theme.value = window.printfarmTheme.chosen();
  theme.addEventListener("change", () => window.printfarmTheme.choose(theme.value));
}

const menuButton = document.getElementById("menu-btn");
const menu = document.getElementById("topbar-menu");
if (menuButton && menu) {
  const show = (open) => {
    menu.classList.toggle("open", open);
    menuButton.setAttribute("aria-expanded", String(open));
  };
  menuButton.addEventListener("click", () => show(!menu.classList.contains("open")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      event.preventDefault();
      show(false);
      menuButton.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.classList.contains("open") && !menu.contains(event.target) && !menuButton.contains(event.target)) show(false);
  });
}
