// The search box in every page's header: names suggested from /search as one types (a WAI-ARIA
// combobox); arrow keys move through them, Enter or a click opens the entity. Without JavaScript
// the box is a plain form that submits to /search.
(() => {
  const input = document.getElementById("site-q");
  const list = document.getElementById("site-q-list");
  if (!input || !list) return;
  const endpoint = input.form.getAttribute("action");
  let results = [], active = -1, timer = null, asked = 0;

  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; input.removeAttribute("aria-activedescendant"); };
  const mark = (index) => {
    active = index;
    [...list.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", `site-q-${index}`); else input.removeAttribute("aria-activedescendant");
  };
  const show = () => {
    list.replaceChildren(...results.map((result, i) => {
      const item = document.createElement("li");
      item.id = `site-q-${i}`;
      item.setAttribute("role", "option");
      item.textContent = result.label;
      const kind = document.createElement("span");
      kind.className = "muted";
      kind.textContent = ` ${(result.types[0] || "").split(":").pop()}`;
      item.append(kind);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); location.href = result.id; });
      return item;
    }));
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", String(results.length > 0));
    mark(-1);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (!query) { results = []; show(); return; }
    timer = setTimeout(async () => {
      const ticket = ++asked;
      const response = await fetch(`${endpoint}?limit=8&q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } });
      if (!response.ok || ticket !== asked) return;
      results = (await response.json()).results;
      show();
    }, 150);
  });
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown") { event.preventDefault(); mark((active + 1) % results.length); }
    else if (event.key === "ArrowUp") { event.preventDefault(); mark((active - 1 + results.length) % results.length); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); location.href = results[active].id; }
    else if (event.key === "Escape") { close(); }
  });
  input.addEventListener("blur", close);
})();
