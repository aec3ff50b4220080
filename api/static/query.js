// The query editor at /query: YASGUI (vendored: api/static/vendor/yasgui) over this service's
// /sparql. Completion offers this graph's own prefixes, classes and properties
// (/query/completions.json), never a service elsewhere (YASGUI's own completers ask prefix.cc and
// LOV). The query is kept in the address bar (?query=), so a link shares it; the examples open
// in the editor; the download links follow the query. Without JavaScript the page keeps its
// plain form, which runs the query as an HTML table.
(() => {
  const root = document.getElementById("editor");
  if (!root || typeof Yasgui === "undefined") return;
  const endpoint = root.dataset.endpoint;
  const formats = JSON.parse(root.dataset.downloads);
  const plain = document.getElementById("plain-editor");
  const first = plain.querySelector("textarea").value;
  plain.hidden = true;
  document.querySelectorAll(".with-script").forEach((element) => { element.hidden = false; });

  const Yasqe = Yasgui.Yasqe;
  const vocabulary = fetch(root.dataset.completions, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : { prefixes: {}, classes: [], properties: [] }));
  let known = {}; // this graph's prefixes: the results table writes IRIs with them ("event:...", "xsd:gYear")
  vocabulary.then((v) => { known = v.prefixes; });
  const ours = (base, name, pick) => ({ ...Yasqe.Autocompleters[base], name, bulk: true, persistenceId: null,
                                        get: () => vocabulary.then(pick) });
  Yasqe.registerAutocompleter(ours("prefixes", "graph-prefixes",
    (v) => Object.entries(v.prefixes).map(([prefix, iri]) => `${prefix}: <${iri}>`).sort()), false);
  Yasqe.registerAutocompleter(ours("class", "graph-classes", (v) => v.classes), false);
  Yasqe.registerAutocompleter(ours("property", "graph-properties", (v) => v.properties), false);

  const yasgui = new Yasgui(root, {
    requestConfig: { endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint }], keys: [] },
    copyEndpointOnNewTab: true,
    persistenceId: null, // the state is in the address bar, not in this browser's storage
    populateFromUrl: false, // ?query= is read below: YASGUI would also take endpoint= from a link
    yasqe: { value: first, autocompleters: ["graph-prefixes", "variables", "graph-classes", "graph-properties"],
             persistenceId: null, resizeable: true, editorHeight: "18rem" },
    yasr: { persistenceId: null, prefixes: () => known },
  });

  // YASGUI's markup, made accessible: names for its inputs (the endpoint, the editor's own
  // textarea, the results filter), on every tab and after every result
  const named = { ".autocomplete": "SPARQL endpoint", ".CodeMirror textarea": "SPARQL query",
                  ".tableFilter": "Filter the results", ".pageSizeWrapper select": "Rows per page" };
  const name = () => Object.entries(named).forEach(([selector, label]) =>
    root.querySelectorAll(selector).forEach((element) => element.setAttribute("aria-label", label)));
  name();
  ["tabSelect", "tabAdd", "queryResponse"].forEach((event) => yasgui.on(event, () => setTimeout(name)));

  const links = document.getElementById("downloads");
  const keep = (query) => {
    const url = new URL(location.href);
    url.searchParams.set("query", query);
    history.replaceState(null, "", url);
    const kind = yasgui.getTab().getYasqe().getQueryType();
    const names = ["CONSTRUCT", "DESCRIBE"].includes(kind) ? formats.graph : formats.solutions;
    links.replaceChildren("Download the results: ", ...names.flatMap((name, i) => {
      const link = document.createElement("a");
      link.href = `${endpoint}?${new URLSearchParams({ query, format: name })}`;
      link.download = `results.${name}`;
      link.textContent = name.toUpperCase();
      return i ? [" · ", link] : [link];
    }));
  };
  yasgui.on("query", (_yasgui, tab) => keep(tab.getQuery()));
  keep(first);
  document.querySelectorAll(".load-example").forEach((button) => button.addEventListener("click", () => {
    const tab = yasgui.getTab();
    tab.setQuery(button.dataset.query);
    keep(button.dataset.query);
    root.scrollIntoView();
    tab.getYasqe().focus();
  }));
})();
