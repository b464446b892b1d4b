#!/usr/bin/env bash
# Copy front-end libraries from node_modules (installed from package-lock.json) into the
# git-ignored static/vendor folder. Nothing is fetched from a CDN at page load.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/src/carecover/platform/web/static/vendor"
nm="$root/node_modules"
rm -rf "$vendor"
mkdir -p "$vendor/htmx" "$vendor/echarts" "$vendor/leaflet" "$vendor/swagger-ui"
cp "$nm/htmx.org/dist/htmx.min.js" "$vendor/htmx/"
cp "$nm/echarts/dist/echarts.min.js" "$vendor/echarts/"
cp -r "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$nm/leaflet/dist/images" "$vendor/leaflet/"
cp "$nm/swagger-ui-dist/swagger-ui-bundle.js" "$nm/swagger-ui-dist/swagger-ui.css" \
   "$nm/swagger-ui-dist/favicon-32x32.png" "$nm/swagger-ui-dist/LICENSE" "$vendor/swagger-ui/"
for pkg in htmx.org echarts leaflet; do
  cp "$nm/$pkg/LICENSE"* "$vendor/${pkg%%.org}/" 2>/dev/null || true
done
echo "assets copied to $vendor"
