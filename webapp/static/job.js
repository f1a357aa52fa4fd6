// A background job's progress (templates/_job_progress.html): polls the job's status while it
// is queued or running and reloads the page once it is done, failed or interrupted, so the page
// shows that end's links and buttons (downloads, 继续). The server answers "interrupted" for a
// job whose worker is gone, so this never polls forever.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  var url = box && box.getAttribute("data-status-url");
  if (!url) return;
  var bar = document.getElementById("bar");
  var status = document.getElementById("status");
  var failures = 0;

  function show(job) {
    bar.max = job.total || 1;
    bar.value = job.done;
    status.textContent = job.state_name + "\u3000" + job.done + "/" + job.total + "\u3000" + job.message;
  }

  function retry() {
    // the server restarting, or the network: try again, less often the longer it lasts
    failures += 1;
    status.textContent = "暂时无法获取进度，正在重试…";
    setTimeout(poll, Math.min(10000, 1000 * Math.pow(2, failures)));
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (r.redirected || (r.ok && !json)) {  // signed out meanwhile: the page says so
          location.reload();
          return null;
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (job) {
        if (job === null) return;
        failures = 0;
        show(job);
        if (job.state === "queued" || job.state === "running") setTimeout(poll, 1000);
        else location.reload();
      })
      .catch(retry);
  }

  setTimeout(poll, 1000);
})();
