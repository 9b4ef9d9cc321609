/// `site.js`: the catalogue's search box. It filters the index's rows by the words typed (each
/// word must occur in the statement's name, file, kind, status or claim) and announces the count
/// in a live region. Without script the whole catalogue is shown; nothing is fetched.
enum Script {
  static let text = """
    "use strict";
    (function () {
      var input = document.getElementById("search");
      if (!input) { return; }
      var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-search]"));
      var sections = Array.prototype.slice.call(document.querySelectorAll("section.theorem-file"));
      var count = document.getElementById("search-count");
      function update() {
        var words = input.value.toLowerCase().split(/\\s+/).filter(function (w) { return w.length > 0; });
        var shown = 0;
        rows.forEach(function (row) {
          var text = row.getAttribute("data-search");
          var match = words.every(function (w) { return text.indexOf(w) >= 0; });
          row.hidden = !match;
          if (match) { shown += 1; }
        });
        sections.forEach(function (section) {
          section.hidden = section.querySelector("tr[data-search]:not([hidden])") === null;
        });
        count.textContent = words.length === 0 ? "" : shown + (shown === 1 ? " statement matches" : " statements match");
      }
      input.addEventListener("input", update);
      var query = new URLSearchParams(window.location.search).get("q");
      if (query) { input.value = query; }
      update();
    })();

    """
}
