/* Card payment on the pay page. Stripe.js (js.stripe.com in production; localstripe's replacement on
   loopback in development and tests) turns the card into a token; our server creates and confirms the
   PaymentIntent; 3-D Secure is completed in Stripe.js; the server then reads the result back. An attempt left
   waiting for 3-D Secure (the buyer came back) is finished the same way: our server hands its client secret
   to the payer only (#card-resume), Stripe.js authenticates, the server reads the result back.

   localstripe's card element is four bare inputs that send exactly what was typed: "4242 4242 4242 4242"
   with its spaces, and a year it prefixes with "20" ("2030" became "202030"), answered with an English
   "Bad request". When that element is on the page, what people type is tidied first (digits only, a
   two-digit year) and checked here with the page's own (Vietnamese) messages. Stripe's real element does all
   of this itself and is left alone. */
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  var resume = document.getElementById("card-resume");
  if ((!form && !resume) || typeof Stripe === "undefined") { return; }
  var stripe = Stripe((form || resume).dataset.publishableKey);
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  // localstripe's replacement explains nothing in the buyer's language ("Bad request"): the page's own words then.
  var localStripe = (form || resume).dataset.stripeLocal === "true";

  // --- shared: our endpoints, 3-D Secure, the answer --------------------------------------------
  function key() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function speaker(status) {
    return function say(message, failed) {
      status.textContent = message || "";
      status.classList.toggle("error", Boolean(failed));
    };
  }
  async function post(url, body, idempotencyKey) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrf };
    if (idempotencyKey) { headers["Idempotency-Key"] = idempotencyKey; }
    var response = await fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body || {}), credentials: "same-origin" });
    return response.json();
  }
  /* Our server confirmed the intent: Stripe.js only performs its next action (the bank's 3-D Secure).
     localstripe's replacement has no handleNextAction; its confirmCardPayment opens its 3-D Secure dialog. */
  function authenticate(secret) {
    if (typeof stripe.handleNextAction === "function") { return stripe.handleNextAction({ clientSecret: secret }); }
    return stripe.confirmCardPayment(secret);
  }
  /* An answer of ours (pay or resume); when the bank asks, 3-D Secure, then the result read back. */
  async function settle(answer, text, say) {
    if (answer.requires_action) {
      var confirmed = await authenticate(answer.client_secret);
      if (confirmed && confirmed.error) { say(localStripe ? text.failed : (confirmed.error.message || text.failed), true); }
      answer = await post(answer.refresh_url, {});
    }
    say(answer.message || text.failed, answer.state !== "succeeded" && answer.state !== "pending");
    if (answer.state === "succeeded") {
      window.setTimeout(function () { window.location.assign(answer.next || window.location.pathname); }, 800);
    }
  }

  // --- finishing an attempt left waiting for 3-D Secure -----------------------------------------
  if (resume) {
    var resumeButton = document.getElementById("card-resume-button");
    var resumeSay = speaker(document.getElementById("resume-status"));
    resume.addEventListener("submit", async function (event) {
      event.preventDefault();
      resumeButton.disabled = true;
      resumeSay(resume.dataset.working);
      try {
        await settle(await post(resume.action, {}), resume.dataset, resumeSay);
      } catch (error) {
        resumeSay(resume.dataset.failed, true);
      } finally {
        resumeButton.disabled = false;
      }
    });
  }
  if (!form) { return; }

  // --- a new card payment -----------------------------------------------------------------------
  var text = form.dataset;
  var card = stripe.elements().create("card", { hidePostalCode: true });
  var mount = document.getElementById("card-element");
  card.mount(mount);
  var say = speaker(document.getElementById("card-status"));
  var button = document.getElementById("card-pay");

  // --- localstripe's element: labels, tidying, checks -------------------------------------------
  var local = card._inputs || null;  // localstripe's card inputs, when its element is on the page
  var LABELS = { number: text.labelNumber, exp_month: text.labelMonth, exp_year: text.labelYear,
                 cvc: text.labelCvc, postal_code: text.labelPostal };
  var MODES = { number: "numeric", exp_month: "numeric", exp_year: "numeric", cvc: "numeric", postal_code: "text" };
  if (local) {
    Array.prototype.slice.call(mount.children).forEach(function (node) {
      if (node.tagName === "SPAN") { node.remove(); }  // its "localstripe: " caption
    });
    Object.keys(LABELS).forEach(function (field) {
      var input = local[field];
      if (!input) { return; }
      input.setAttribute("aria-label", LABELS[field]);
      input.setAttribute("placeholder", LABELS[field]);
      input.setAttribute("inputmode", MODES[field]);
      input.setAttribute("autocomplete", field === "number" ? "cc-number" : field === "cvc" ? "cc-csc" : "off");
      input.classList.add("card-part", "card-" + field.replace("_", "-"));
    });
  }

  function digits(value) { return String(value || "").replace(/\D/g, ""); }

  function luhn(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i += 1) {
      var digit = Number(number.charAt(number.length - 1 - i));
      if (i % 2 === 1) { digit *= 2; if (digit > 9) { digit -= 9; } }
      sum += digit;
    }
    return sum % 10 === 0;
  }

  function set(field, value) {
    var input = local[field];
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));  // localstripe rebuilds its value from this
  }

  /* Tidy what was typed into localstripe's inputs; answer the first problem in the page's language. */
  function tidyLocalCard() {
    var number = digits(local.number.value);
    var month = digits(local.exp_month.value);
    var year = digits(local.exp_year.value);
    var cvc = digits(local.cvc.value);
    if (month.length === 4 && !year) { year = month.slice(2); month = month.slice(0, 2); }  // "1230" in MM
    if (year.length === 4) { year = year.slice(2); }
    if (number.length < 13 || number.length > 19 || !luhn(number)) { return text.badNumber; }
    var now = new Date();
    var monthNumber = Number(month);
    var fullYear = 2000 + Number(year);
    var expired = fullYear < now.getFullYear() || (fullYear === now.getFullYear() && monthNumber < now.getMonth() + 1);
    if (!month || monthNumber < 1 || monthNumber > 12 || year.length !== 2 || expired) { return text.badExpiry; }
    if (cvc.length < 3 || cvc.length > 4) { return text.badCvc; }
    set("number", number);
    set("exp_month", month.length === 1 ? "0" + month : month);
    set("exp_year", year);
    set("cvc", cvc);
    return "";
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (local) {
      var problem = tidyLocalCard();
      if (problem) { say(problem, true); return; }
    }
    button.disabled = true;
    say(text.working);
    try {
      var made = await stripe.createToken(card);
      if (made.error) {
        // Stripe's real element explains in the buyer's language; localstripe only says "Bad request".
        say(localStripe ? text.refused : (made.error.message || text.refused), true);
        return;
      }
      await settle(await post(form.action, { token: made.token.id }, key()), text, say);
    } catch (error) {
      say(text.failed, true);
    } finally {
      button.disabled = false;
    }
  });
})();
