// Keeps the sums of weights that must add up to 100 running while they are edited.
// The page works without it: the server shows each sum and checks it on saving.
document.querySelectorAll("output[data-sum-of]").forEach((output) => {
  const group = output.dataset.sumOf;
  const inputs = document.querySelectorAll(`input[data-sum="${group}"]`);
  const update = () => {
    let total = 0;
    inputs.forEach((input) => {
      const value = parseFloat(input.value);
      if (!Number.isNaN(value)) total += value;
    });
    output.textContent = String(Math.round(total * 1000) / 1000);
    output.classList.toggle("warn", Math.abs(total - 100) > 1e-9);
  };
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
});
