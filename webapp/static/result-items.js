// 检验结果 page: a button that adds a blank failed-item row (without JavaScript the blank rows
// the page already has are enough).
(function () {
  const button = document.getElementById("add-item"), body = document.getElementById("item-rows");
  if (!button || !body) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const row = body.lastElementChild.cloneNode(true), n = body.children.length + 1;
    row.querySelectorAll(".field-error").forEach(e => e.remove());
    row.querySelectorAll("input").forEach(i => {
      i.value = ""; i.classList.remove("invalid");
      i.setAttribute("aria-label", i.getAttribute("aria-label").replace(/^第\d+行/, `第${n}行`));
    });
    row.querySelector(".num").textContent = n;
    body.appendChild(row);
    row.querySelector("input").focus();
  });
})();
