// 结果邮寄 page: a scanner types into the focused box; after a refused number the box keeps
// it selected, so the next scan replaces it. Enter submits the row's form (plain HTML).
(function () {
  const box = document.querySelector("input[autofocus]");
  if (box) box.select();
})();
