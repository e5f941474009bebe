// Campaign editor (press office): a cover image over the size limit is
// refused as soon as it is chosen, with a Vietnamese message next to the
// field, and the choice is cleared, so the form is never sent with it. A
// request over the server's body limit is cut off before any handler can
// answer, and everything typed in the form would be lost with it. The
// server checks the size again (press.MaxCoverBytes); the editor works
// without this file.
(function () {
  "use strict";
  function megabytes(n) {
    return (n / 1048576).toFixed(1).replace(".", ",");
  }
  function setup(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var msg = document.getElementById(input.getAttribute("data-error-id"));
    if (!max || !msg) { return; }
    function tooBig() {
      var f = input.files && input.files[0];
      return f && f.size > max ? f : null;
    }
    function check() {
      var f = tooBig();
      if (f) {
        msg.textContent = "Tệp đã chọn nặng " + megabytes(f.size) + " MB; ảnh bìa tối đa " +
          megabytes(max).replace(",0", "") + " MB. Vui lòng chọn ảnh nhỏ hơn (nội dung đã nhập vẫn được giữ).";
        msg.hidden = false;
        input.value = "";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return false;
      }
      msg.hidden = true;
      msg.textContent = "";
      input.removeAttribute("aria-invalid");
      return true;
    }
    input.addEventListener("change", check);
    if (input.form) {
      input.form.addEventListener("submit", function (ev) {
        if (tooBig() && !check()) { ev.preventDefault(); }
      });
    }
  }
  var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");
  for (var i = 0; i < inputs.length; i++) { setup(inputs[i]); }
})();
