// The colour theme, applied before the page is painted (a classic script in <head>, so that a
// dark room never sees a white flash): the choice kept in this browser ("auto", "light" or
// "dark"); "auto" follows the system's prefers-color-scheme, also when it changes.
(() => {
  const KEY = "printfarm.theme";
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const chosen = () => {
    try { return localStorage.getItem(KEY) || "auto"; } catch { return "auto"; }
  };
  const apply = () => {
    const choice = chosen();
    const theme = choice === "auto" ? (dark.matches ? "dark" : "light") : choice;
    document.documentElement.dataset.theme = theme;
    document.documentElement.dataset.themeChoice = choice;
  };
  window.printfarmTheme = {
    chosen,
    choose(choice) {
      try { localStorage.setItem(KEY, choice); } catch { /* private mode: this page only */ }
      apply();
    },
  };
  dark.addEventListener("change", apply);
  apply();
})();
