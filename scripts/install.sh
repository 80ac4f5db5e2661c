#!/usr/bin/env bash
# Installs what locust-fleet needs on a Debian machine, skipping what is already there: Debian packages
# (etcd for the fleet, nginx and wrk for the benchmarks, Chromium for browser users and the page's tests,
# Prometheus and promtool for the metrics, the alert rules and the demo, JMeter and the JDK that launches it
# (tools/jmeter) for the .jmx import's tests),
# the project's virtual environment (.venv), the fleet page's build (web_ui/dist) and httpbin's own
# (.venv-httpbin; httpbin pins greenlet<3, which cannot share an environment with gevent 26).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(etcd-server etcd-client nginx-light wrk chromium chromium-headless-shell fonts-liberation iproute2
  prometheus jmeter openjdk-17-jdk-headless)
# kubectl renders the Kubernetes manifests (tests/test_kubernetes.py): Debian's kubernetes-client, unless a kubectl is
# there already (Google's `kubectl` package owns the same path, so installing Debian's beside it would fail).
command -v kubectl >/dev/null || DEBIAN_PACKAGES+=(kubernetes-client)
PYTHON=${PYTHON:-python3.11}

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "install: Debian packages ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  # policy-rc.d 101: packages must not start their services (nginx would take port 80); tests start what they need.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
fi

if [ ! -x .venv/bin/python ]; then
  echo "install: Python environment .venv"
  "$PYTHON" -m venv .venv
fi
# Editable: code changes need no reinstall; the dependencies are installed again when the metadata changes.
installed=.venv/.locust-fleet-installed
if [ ! -f "$installed" ] || [ setup.cfg -nt "$installed" ] || [ pyproject.toml -nt "$installed" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]' 2> >(grep -v "is ignored: it is neither" >&2)
  touch "$installed"
fi

# The fleet page: built again when its sources are newer than the build.
if ! command -v npm >/dev/null; then
  echo "install: Node.js (npm) for the fleet page's build"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nodejs npm >/dev/null
fi
# Its TypeScript types are generated from the API's OpenAPI description, itself derived from the proto.
page_build=locust_ext/master/web/dist/index.html
page_sources=(web_ui/src web_ui/public web_ui/scripts web_ui/index.html web_ui/package.json web_ui/package-lock.json
  web_ui/vite.config.ts web_ui/tsconfig.json web_ui/eslint.config.js
  protos/fleet.proto locust_ext/plan/schema.py locust_ext/master/web/openapi.py)
if [ ! -f "$page_build" ] || [ -n "$(find "${page_sources[@]}" -newer "$page_build" -print -quit)" ]; then
  echo "install: the fleet page (into locust_ext/master/web/dist)"
  .venv/bin/python scripts/export_openapi.py web_ui/generated/openapi.json
  (cd web_ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent >/dev/null)
fi

# Postman's own runner, newman: the Postman import's tests compare against it.
if [ ! -x tools/newman/node_modules/.bin/newman ] || [ tools/newman/package-lock.json -nt tools/newman/node_modules ]; then
  echo "install: newman (into tools/newman)"
  (cd tools/newman && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -x .venv-httpbin/bin/gunicorn ]; then
  echo "install: httpbin environment .venv-httpbin"
  "$PYTHON" -m venv .venv-httpbin
  .venv-httpbin/bin/pip install -q --disable-pip-version-check 'httpbin==0.10.4' 'gunicorn>=22' \
    2> >(grep -v "is ignored: it is neither" >&2)
fi
