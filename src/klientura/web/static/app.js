/* What the pages need beyond HTMX's attributes, in a file (the pages' policy runs no inline script and no eval). */
(function () {
  // the segment builder redraws on every change of its fields, but not while its JSON is edited by hand: the
  // rule is applied by its button ("Apply JSON") - htmx's trigger filters would need eval
  document.addEventListener(
    "change",
    function (event) {
      if (event.target.matches && event.target.matches("#builder textarea")) event.stopPropagation();
    },
    true
  );
})();

(function () {
  // a quick reply picked in the reply box fills the answer (its text, never markup), ready to edit and send
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select.quick-replies")) return;
    var option = select.options[select.selectedIndex];
    var area = document.getElementById(select.getAttribute("data-fills"));
    if (area && option && option.value) {
      area.value = option.getAttribute("data-text") || "";
      area.focus();
    }
    select.selectedIndex = 0;
  });
})();
