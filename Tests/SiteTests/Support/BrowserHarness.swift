import Foundation

/// A page, written beside the site by the tests (never part of it), that loads every page of the
/// site in an iframe in headless Chromium and checks its DOM: a title, a language, one main heading,
/// a skip link and labelled navigation, headings that skip no level, labelled inputs,
/// the stylesheet applied, every `<math>` laid out with a size, every fraction's numerator above its
/// denominator (MathML really rendered), every link naming a page of the site and an anchor in it,
/// and the search box filtering the index. It writes its findings as JSON into `<pre id="result">`.
enum BrowserHarness {
  static func page(pages: [URL]) -> String {
    let list = pages.map { "\"\($0.absoluteString)\"" }.joined(separator: ",\n")
    return """
      <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>harness</title></head><body>
      <script>
      "use strict";
      var pages = [\(list)];
      var known = {}; pages.forEach(function (p) { known[p] = true; });
      var result = { pages: 0, maths: 0, fractions: 0, links: 0, failures: [], search: null };
      var ids = {}, links = [];
      function fail(url, what) { result.failures.push(url.replace(/^.*?\\/certify-site-[^\\/]*\\//, "") + ": " + what); }
      function check(url, d, w) {
        result.pages += 1;
        if (!d.title) { fail(url, "no title"); }
        if (d.documentElement.lang !== "en") { fail(url, "no lang"); }
        if (d.querySelectorAll("h1").length !== 1 || !d.querySelector("main h1")) { fail(url, "not exactly one h1, in main"); }
        if (!d.querySelector("a.skip[href='#main']") || !d.querySelector("nav[aria-label]")) { fail(url, "no skip link or labelled navigation"); }
        var level = 1;
        d.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(function (h) {
          var next = Number(h.tagName.substring(1));
          if (next > level + 1) { fail(url, "heading " + h.tagName + " skips a level: " + h.textContent); }
          level = next;
        });
        d.querySelectorAll("input").forEach(function (i) {
          if (!d.querySelector("label[for='" + i.id + "']")) { fail(url, "an input without a label"); }
        });
        if (w.getComputedStyle(d.body).marginTop !== "0px") { fail(url, "the stylesheet is not applied"); }
        ids[url] = {};
        d.querySelectorAll("[id]").forEach(function (e) { ids[url][e.id] = true; });
        d.querySelectorAll("a[href]").forEach(function (a) { links.push([url, a.href]); });
        d.querySelectorAll("math").forEach(function (m) {
          result.maths += 1;
          var r = m.getBoundingClientRect();
          if (!(r.width > 0 && r.height > 0)) { fail(url, "a formula has no size: " + m.getAttribute("alttext")); }
          if (!m.getAttribute("alttext")) { fail(url, "a formula without alttext"); }
        });
        Array.prototype.slice.call(d.querySelectorAll("mfrac"), 0, 30).forEach(function (f) {
          result.fractions += 1;
          var top = f.children[0].getBoundingClientRect(), bottom = f.children[1].getBoundingClientRect();
          if (!(top.bottom <= bottom.top + 1)) { fail(url, "a fraction is not laid out as one"); }
        });
        var input = d.getElementById("search");
        if (input) {
          var rows = d.querySelectorAll("tr[data-search]");
          input.value = "relu";
          input.dispatchEvent(new w.Event("input"));
          var shown = d.querySelectorAll("tr[data-search]:not([hidden])").length;
          var status = d.getElementById("search-count").textContent;
          input.value = "";
          input.dispatchEvent(new w.Event("input"));
          result.search = { total: rows.length, shown: shown, status: status,
                            restored: d.querySelectorAll("tr[data-search]:not([hidden])").length };
        }
      }
      function finish() {
        links.forEach(function (l) {
          var parts = l[1].split("#"), base = parts[0], fragment = parts[1];
          result.links += 1;
          if (!known[base]) { fail(l[0], "links to " + l[1] + ", not a page of the site"); return; }
          if (fragment && !ids[base][decodeURIComponent(fragment)]) { fail(l[0], "links to a missing anchor " + l[1]); }
        });
        var pre = document.createElement("pre");
        pre.id = "result";
        pre.textContent = JSON.stringify(result);
        document.body.appendChild(pre);
        console.log("certify-harness: done");
      }
      function next(k) {
        if (k >= pages.length) { finish(); return; }
        var frame = document.createElement("iframe");
        frame.style.width = "1200px";
        frame.style.height = "900px";
        frame.onload = function () {
          try { check(pages[k], frame.contentDocument, frame.contentWindow); } catch (e) { fail(pages[k], "harness: " + e); }
          frame.remove();
          next(k + 1);
        };
        frame.src = pages[k];
        document.body.appendChild(frame);
      }
      next(0);
      </script></body></html>

      """
  }
}
