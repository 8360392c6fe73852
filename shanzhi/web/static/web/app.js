// The navbar toggle for small screens (Bootstrap's own needs jQuery, which we do not ship).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-sz-toggle]");
  if (!button) return;
  var target = document.getElementById(button.getAttribute("data-sz-toggle"));
  var open = target.classList.toggle("show");
  button.setAttribute("aria-expanded", open ? "true" : "false");
});
