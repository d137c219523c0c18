// The wall display (?display=wall): no controls, large type, the attention summary on top, the
// timeline following now, and what does not fit the screen shown in turn every ?cycle=
// seconds (15): pages of the board (cut where an item would not fit, group headings kept), and
// within a page, the timeline's rows a screenful at a time. Safe to leave on for days: it only
// swaps classes and re-renders into the same elements (no listener, timer or list grows with
// time; tests/planning/test_browser_farms.py measures it).
import { clock, fmt, gettext } from "./util.js";

const DEFAULT_CYCLE = 15;

export class WallDisplay {
  constructor({ board, timeline, area, timelineArea, pageLabel, clockLabel }) {
    this.board = board;
    this.timeline = timeline;
    this.area = area;
    this.timelineArea = timelineArea;
    this.pageLabel = pageLabel;
    this.clockLabel = clockLabel;
    this.pages = [];
    this.index = 0;
    this.rows = []; // the current page's printers, a timeline screenful each
    this.row = 0;
    const cycle = Number(new URLSearchParams(location.search).get("cycle"));
    this.seconds = Number.isFinite(cycle) && cycle >= 1 ? cycle : DEFAULT_CYCLE;
  }

  start() {
    this.timeline.follow.checked = true;
    this.timeline.start = null;
    this.board.onRendered = () => this.paginate();
    setInterval(() => this.next(), this.seconds * 1000);
    const tick = () => { this.clockLabel.textContent = clock(Date.now() / 1000); };
    tick();
    setInterval(tick, 10000);
    // The board's room changes with the summary above it and the window: cut the pages again.
    let height = this.area.clientHeight;
    new ResizeObserver(() => {
      if (this.area.clientHeight !== height) {
        height = this.area.clientHeight;
        this.paginate();
      }
    }).observe(this.area);
    // A wall screen has no controls: a double click (or F) asks the browser for full screen.
    const fullScreen = () => document.documentElement.requestFullscreen?.().catch(() => {});
    document.addEventListener("dblclick", fullScreen);
    document.addEventListener("keydown", (event) => { if (event.key === "f" || event.key === "F") fullScreen(); });
  }

  /** Cut the board into pages that fit its area: a page ends before the item that would not
   * fit (with its group's heading). */
  paginate() {
    const board = this.board;
    board.page = null;
    board.applyFilter();
    const items = [...board.root.querySelectorAll(".printer-item:not([hidden])")];
    const height = this.area.clientHeight;
    const pages = [];
    if (items.length && board.root.scrollHeight > height + 1) {
      const top = board.root.getBoundingClientRect().top;
      let page = [];
      let pageTop = 0;
      for (const item of items) {
        const box = item.getBoundingClientRect();
        const head = item.closest(".group")?.querySelector(".group-head, .group-row")?.offsetHeight || 0;
        if (page.length && box.bottom - top - pageTop + head > height) {
          pages.push(page);
          page = [];
        }
        if (!page.length) pageTop = box.top - top;
        page.push(Number(item.dataset.id));
      }
      if (page.length) pages.push(page);
    }
    this.pages = pages.map((ids) => new Set(ids));
    if (this.index >= this.pages.length) this.index = 0;
    this.show();
  }

  /** How many printers the timeline's area shows at once. */
  timelineRows() {
    const room = this.timelineArea.clientHeight; // fixed (planning.css)
    const row = this.timelineArea.querySelector(".tl-row[data-printer]")?.offsetHeight
      || parseFloat(getComputedStyle(this.timeline.root).fontSize) * 1.6; // a row is 1.6em
    return Math.max(1, Math.floor(room / row) - 2); // the heading row, and one to spare
  }

  /** The next screenful of timeline rows; after the page's last one, the next page. */
  next() {
    if (this.row + 1 < this.rows.length) {
      this.row += 1;
      this.showRows();
      return;
    }
    if (this.pages.length > 1) this.index = (this.index + 1) % this.pages.length;
    this.show();
  }

  show() {
    const page = this.pages[this.index] || null;
    const board = this.board;
    board.page = page;
    board.applyFilter();
    this.pageLabel.textContent = page ? fmt(gettext("page %(n)s of %(of)s"), { n: this.index + 1, of: this.pages.length }) : "";
    // In the board's order (its grouping), as the screen shows them.
    const printers = [...board.root.querySelectorAll(".printer-item:not([hidden]):not(.off-page)")].map((item) => Number(item.dataset.id));
    const size = this.timelineRows();
    this.rows = [];
    for (let i = 0; i < printers.length; i += size) this.rows.push(new Set(printers.slice(i, i + size)));
    this.row = 0;
    this.showRows();
  }

  showRows() {
    this.timeline.only = this.rows[this.row] || null;
    this.timeline.render();
  }
}
