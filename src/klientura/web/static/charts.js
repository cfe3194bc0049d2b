/* Draws the pages' Plotly figures: each is a div.plotly-chart holding its figure's JSON in data-figure (see
   klientura/web/charts.py), drawn when the page loads and when HTMX brings a fragment with one. */
(function () {
  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("div.plotly-chart[data-figure]:not([data-drawn])").forEach(function (el) {
      var fig = JSON.parse(el.getAttribute("data-figure"));
      el.setAttribute("data-drawn", "1");
      Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false, responsive: true });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
