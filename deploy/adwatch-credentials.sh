#!/usr/bin/env bash
# After `docker compose up -d`: copies the CA certificate out of the stack and creates an API key
# that lets adwatch write its own indices (adwatch-*) and nothing else, then prints the lines to
# put in adwatch's environment file. Run from the repository root: deploy/adwatch-credentials.sh
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck disable=SC1091
source .env
docker compose cp es01:/usr/share/elasticsearch/config/certs/ca/ca.crt ./ca.crt
answer="$(curl -sS --fail --cacert ca.crt -u "elastic:${ELASTIC_PASSWORD}" \
    -X POST "https://localhost:${ES_PORT}/_security/api_key" \
    -H 'Content-Type: application/json' -d '{
  "name": "adwatch",
  "role_descriptors": {
    "adwatch": {
      "cluster": ["monitor", "manage_index_templates"],
      "indices": [{"names": ["adwatch-*"], "privileges": ["all"]}]
    }
  }
}')"
key="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["encoded"])' <<<"$answer")"
cat <<ENV
# adwatch's environment (for example /etc/adwatch/adwatch.env, mode 600):
ADWATCH_ES_URL=https://localhost:${ES_PORT}
ADWATCH_ES_API_KEY=${key}
ADWATCH_ES_CA_CERTS=$(pwd)/ca.crt
ADWATCH_SMTP_URL=smtp://localhost:1025
ADWATCH_MAIL_FROM=adwatch@localhost

# Once, to import the data views, searches and dashboard (as the elastic user, who may):
#   ADWATCH_KIBANA_URL=http://elastic:<ELASTIC_PASSWORD from deploy/.env>@localhost:${KIBANA_PORT} adwatch kibana setup
ENV
