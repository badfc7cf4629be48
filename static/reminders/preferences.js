// reminders: the settings page offers the time zone this phone is in, with one tap to use it.
const select = document.querySelector('select[name="time_zone"]');
const note = document.getElementById("detected-zone");
const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;

if (select && note && detected && select.value !== detected
    && [...select.options].some((option) => option.value === detected)) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.textContent = detected.replace(/_/g, " ");
  button.addEventListener("click", () => {
    select.value = detected;
    note.hidden = true;
  });
  note.textContent = `${note.dataset.label} `;
  note.append(button);
  note.hidden = false;
}
