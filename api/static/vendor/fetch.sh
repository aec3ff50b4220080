#!/bin/sh
# Refresh the vendored front-end files from the npm registry (versions in README.md).
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent swagger-ui-dist@5.36.0 redoc@2.5.4 @zazuko/yasgui@4.6.2 >/dev/null && for t in *.tgz; do mkdir "${t%.tgz}" && tar xzf "$t" -C "${t%.tgz}"; done)
cp "$work"/swagger-ui-dist-*/package/swagger-ui-bundle.js "$work"/swagger-ui-dist-*/package/swagger-ui.css "$work"/swagger-ui-dist-*/package/LICENSE swagger-ui/
cp "$work"/redoc-*/package/bundles/redoc.standalone.js "$work"/redoc-*/package/bundles/redoc.standalone.js.LICENSE.txt "$work"/redoc-*/package/LICENSE redoc/
# the one change to a vendored file: ReDoc's attribution logo comes from its CDN; ours is served here
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#/favicon.svg#' redoc/redoc.standalone.js
# YASGUI (the query editor at /query): the built bundle and its stylesheet; the package ships no
# LICENSE file (package.json says MIT): yasgui/LICENSE is the repository's, github.com/zazuko/Yasgui
cp "$work"/zazuko-yasgui-*/package/build/yasgui.min.js "$work"/zazuko-yasgui-*/package/build/yasgui.min.css yasgui/
# no source map is served: drop the comment that points browsers' developer tools at one
sed -i '/^\/\/# sourceMappingURL=/d' yasgui/yasgui.min.js
