/* Card payment on the pay page. Stripe.js (js.stripe.com in production; localstripe's replacement on
   loopback in development and tests) turns the card into a token; our server creates and confirms the
   PaymentIntent; 3-D Secure is completed in Stripe.js; the server then reads the result back. */
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card", { hidePostalCode: true });
  var mount = document.getElementById("card-element");
  card.mount(mount);
  // localstripe's element uses bare inputs: give them names a screen reader can read.
  mount.querySelectorAll("input").forEach(function (input) {
    if (!input.getAttribute("aria-label")) { input.setAttribute("aria-label", input.placeholder || "card"); }
  });
  var status = document.getElementById("card-status");
  var button = document.getElementById("card-pay");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function key() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function say(text, failed) {
    status.textContent = text || "";
    status.classList.toggle("error", Boolean(failed));
  }
  async function post(url, body, idempotencyKey) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrf };
    if (idempotencyKey) { headers["Idempotency-Key"] = idempotencyKey; }
    var response = await fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body || {}), credentials: "same-origin" });
    return response.json();
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    say(form.dataset.working);
    try {
      var made = await stripe.createToken(card);
      if (made.error) { say(made.error.message || form.dataset.failed, true); return; }
      var answer = await post(form.action, { token: made.token.id }, key());
      if (answer.requires_action) {
        var confirmed = await stripe.confirmCardPayment(answer.client_secret);
        if (confirmed && confirmed.error) { say(confirmed.error.message || form.dataset.failed, true); }
        answer = await post(answer.refresh_url, {});
      }
      say(answer.message || form.dataset.failed, answer.state !== "succeeded" && answer.state !== "pending");
      if (answer.state === "succeeded") {
        window.setTimeout(function () { window.location.assign(answer.next || window.location.pathname); }, 800);
      }
    } catch (error) {
      say(form.dataset.failed, true);
    } finally {
      button.disabled = false;
    }
  });
})();
