// 知识库 on the registration page: search as the operator types, and "采用此口径" copies the
// entry's answer into the 直办 answer and records which entry it cites.
(function () {
  var box = document.getElementById("sz-kb");
  if (!box) return;
  var input = box.querySelector("input[type=search]");
  var results = box.querySelector("[data-results]");
  var timer = null;
  function search() {
    var q = input.value.trim();
    if (!q) { results.innerHTML = ""; return; }
    fetch(box.dataset.url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { results.innerHTML = html; });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 300); });
  results.addEventListener("click", function (event) {
    var button = event.target.closest(".sz-kb-use");
    if (!button) return;
    var entry = button.closest("div[data-entry]");
    var answer = document.querySelector("textarea[name=answer]");
    var cited = document.querySelector("input[name=entry]");
    if (answer) { answer.value = entry.querySelector(".sz-kb-answer").textContent.trim(); answer.focus(); }
    if (cited) cited.value = entry.dataset.entry;
  });
})();
