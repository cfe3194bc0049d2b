/* The kanban board: drag a deal's card onto another stage to move it; a drop on a lost stage asks the reason first
   (the server refuses a lost move without one, whatever the path). Without this script each card has its own
   "Move" form. No HTML is built here: the forms and the dialog are in the page. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal[data-deal]");
    if (!card || card.getAttribute("draggable") !== "true") return;
    dragged = card.dataset.deal;
    event.dataTransfer.setData("text/plain", dragged);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  board.addEventListener("dragend", function (event) {
    var card = event.target.closest && event.target.closest(".deal");
    if (card) card.classList.remove("dragging");
  });
  function zoneOf(event) {
    return event.target.closest && event.target.closest("[data-stage]");
  }
  board.addEventListener("dragover", function (event) {
    var zone = zoneOf(event);
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.add("over");
  });
  board.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone) zone.classList.remove("over");
  });
  board.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("over");
    var deal = event.dataTransfer.getData("text/plain") || dragged;
    dragged = null;
    if (!/^[0-9]+$/.test(deal || "")) return;
    var card = document.getElementById("deal-" + deal);
    if (card && card.closest("[data-stage]") === zone) return;
    var form = document.getElementById(zone.dataset.kind === "lost" ? "lost-form" : "move-form");
    form.action = "/sales/deals/" + deal + "/move";
    form.elements.stage_id.value = zone.dataset.stage;
    if (zone.dataset.kind === "lost") {
      document.getElementById("lost-dialog").showModal();
      document.getElementById("lost-reason").focus();
    } else {
      form.submit();
    }
  });
  var cancel = document.getElementById("lost-cancel");
  if (cancel) {
    cancel.addEventListener("click", function () {
      document.getElementById("lost-dialog").close();
    });
  }
})();
