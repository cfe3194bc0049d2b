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
