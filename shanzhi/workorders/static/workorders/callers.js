// 以往来电: once the operator has typed a full number, show the caller's earlier appeals
// (a fragment rendered by the server; the page works without it).
(function () {
  "use strict";
  var box = document.getElementById("sz-callers");
  var input = document.getElementById("id_appellant_phone");
  if (!box || !input) return;
  var last = "";
  function digits(text) { return (text || "").replace(/\D/g, ""); }
  function look() {
    var phone = digits(input.value);
    if (phone.length < 7 || phone === last) return;
    last = phone;
    fetch(box.dataset.url + "?phone=" + encodeURIComponent(phone), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (phone === last) box.innerHTML = html; })
      .catch(function () { box.innerHTML = ""; });
  }
  input.addEventListener("change", look);
  input.addEventListener("blur", look);
})();
