// Progressive enhancement only: every page works without this file.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-from]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy-from"));
  if (!source) return;
  source.select();
  var done = function () { button.textContent = button.getAttribute("data-copied") || "\u2713"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
