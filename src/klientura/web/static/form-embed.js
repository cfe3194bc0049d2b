/* Klientura's web form on any site: <div data-klientura-form="https://crm.example/f/KEY"></div> and this script.
   It asks the form's address for its fields and a fresh timing token (JSON, allowed for the form's sites by CORS),
   draws the form with DOM calls (no HTML from strings), posts it as JSON with the page's UTM tags, referrer and
   ad click ids, and shows the thank-you words or follows the form's redirect. */
(function () {
  "use strict";
  var META = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "yclid", "gclid"];

  function styled(node, css) {  /* through the CSSOM: a host page's style-src policy allows it */
    Object.keys(css).forEach(function (k) { node.style[k] = css[k]; });
    return node;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function input(field) {
    if (field.kind === "textarea") return el("textarea", { name: field.name, rows: "4" });
    if (field.kind === "select") {
      var select = el("select", { name: field.name });
      select.appendChild(el("option", { value: "" }));
      (field.options || []).forEach(function (o) { select.appendChild(el("option", { value: o }, o)); });
      return select;
    }
    if (field.kind === "checkbox") return el("input", { name: field.name, type: "checkbox", value: "on" });
    var type = field.kind === "phone" ? "tel" : field.kind === "email" ? "email" : "text";
    return el("input", { name: field.name, type: type });
  }

  function draw(box, url, spec) {
    var form = styled(el("form", { "class": "klientura-form" }), { maxWidth: "28rem", fontFamily: "inherit" });
    form.appendChild(el("h3", {}, spec.name));
    spec.fields.forEach(function (field) {
      var label = styled(el("label", {}, field.label + (field.required ? " *" : "")), { display: "block", margin: "0 0 10px" });
      var control = input(field);
      if (field.kind !== "checkbox") styled(control, { display: "block", width: "100%", boxSizing: "border-box", marginTop: "4px", padding: "6px 8px" });
      if (field.required) control.setAttribute("required", "");
      label.appendChild(control);
      form.appendChild(label);
    });
    var trap = el("input", { name: spec.honeypot, tabindex: "-1", autocomplete: "off" });
    var hidden = styled(el("div", { "aria-hidden": "true" }), { position: "absolute", left: "-10000px", width: "1px", height: "1px", overflow: "hidden" });
    hidden.appendChild(trap);
    form.appendChild(hidden);
    if (spec.consent_text) {
      var consent = styled(el("label", {}), { display: "block", margin: "0 0 10px" });
      consent.appendChild(el("input", { name: spec.consent, type: "checkbox", value: "on", required: "" }));
      consent.appendChild(document.createTextNode(" " + spec.consent_text));
      form.appendChild(consent);
    }
    var said = el("p", { "class": "klientura-form-said", role: "status" });
    form.appendChild(el("button", { type: "submit" }, document.documentElement.lang === "en" ? "Send" : "Отправить"));
    form.appendChild(said);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      new FormData(form).forEach(function (value, name) { body[name] = String(value); });
      body[spec.timing] = spec.token;
      var query = new URLSearchParams(window.location.search);
      META.forEach(function (k) { if (query.get(k)) body[k] = query.get(k); });
      if (document.referrer) body.referrer = document.referrer.slice(0, 500);
      body.page = window.location.href.slice(0, 500);
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
        .then(function (answer) {
          if (!answer.ok) { said.textContent = answer.data.detail || "Error"; return; }
          if (spec.redirect_url) { window.location.href = spec.redirect_url; return; }
          box.textContent = "";
          box.appendChild(el("p", { "class": "klientura-form-thanks" }, spec.thanks || (document.documentElement.lang === "en" ? "Thank you! We will be in touch soon." : "Спасибо! Мы скоро свяжемся с вами.")));
        })
        .catch(function () { said.textContent = document.documentElement.lang === "en" ? "Could not send: try again" : "Не удалось отправить: попробуйте ещё раз"; });
    });
    box.textContent = "";
    box.appendChild(form);
  }

  document.querySelectorAll("[data-klientura-form]").forEach(function (box) {
    var url = box.getAttribute("data-klientura-form");
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (spec) { if (spec.fields) draw(box, url, spec); });
  });
})();
