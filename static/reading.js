// Saves the mentor's place while they scroll a module: the section whose heading last reached the
// top third of the screen is sent to the server. Without this script, section links save it.
(function () {
  "use strict";
  var body = document.querySelector("[data-position-url]");
  if (!body || !("IntersectionObserver" in window) || !window.fetch || !window.FormData) {
    return;
  }
  var saved = body.getAttribute("data-last-section") || "";
  var timer = null;

  function save(anchor) {
    window.clearTimeout(timer);
    if (anchor === saved) {
      return;
    }
    // Wait until the reader settles, so a fast scroll past many sections sends one request.
    timer = window.setTimeout(function () {
      var form = new FormData();
      form.append("csrf_token", body.getAttribute("data-csrf-token"));
      form.append("section", anchor);
      window
        .fetch(body.getAttribute("data-position-url"), {
          method: "POST",
          body: form,
          credentials: "same-origin",
        })
        .then(function (response) {
          if (response.ok) {
            saved = anchor;
          }
        })
        .catch(function () {}); // offline: the next section link or scroll tries again
    }, 800);
  }

  var observer = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          save(entry.target.id);
        }
      });
    },
    { rootMargin: "0px 0px -66% 0px" }
  );
  body.querySelectorAll("h2[id]").forEach(function (heading) {
    observer.observe(heading);
  });
})();
