#!/usr/bin/env bash
# Validates the deployment kit in deploy/ on any machine that has the tools; changes nothing
# outside a temporary directory (removed on exit) and starts no service.
#
#   bash deploy/check.sh            a missing tool is reported and its part skipped (exit 0)
#   bash deploy/check.sh --strict   a missing tool is a failure
#
# What is checked:
#   nginx   nginx/napoo-bot.conf is loaded by `nginx -t` inside a throwaway prefix: a minimal
#           nginx.conf includes a copy of the site in which certbot's certificate paths
#           (/etc/letsencrypt/live/NAME/) point to a self-signed pair made with openssl and
#           /var/log/nginx/ points into the prefix; pid, error log and temp paths are in the
#           prefix too; nginx -t binds the listen ports, so without root 80/443 are tested as
#           20080/20443. Any [emerg] or [warn] fails. Then a few rules of the site itself: both
#           processes in the upstream, the webhook the only proxied location, its path equal
#           to the path of WEBHOOK_URL in env.example.
#   systemd `systemd-analyze verify` on copies of the units in which /opt/napoo-bot points to a
#           stub tree (an executable stand-in for .venv/bin/python, the real backup script),
#           beside stub postgresql.service and redis-server.service (on the server the apt
#           packages provide them). Every message about our units fails, including the
#           "Unknown key ... ignoring" warnings that leave the exit status at 0; messages
#           about other units of this machine are shown and ignored (not ours to fix). Then
#           `systemd-analyze security --offline` holds each service to an exposure threshold,
#           so the hardening cannot silently disappear.
#   env     env.example names every setting, sets none twice, and does not set WEBHOOK_PORT
#           (it would override the instance port of both processes).
#   shell   `bash -n` on this script, napoo-bot-backup and napoo-bot-cli; shellcheck too where it
#           is installed (an extra, never required).
set -uo pipefail

strict=0
for arg in "$@"; do
    case $arg in
        --strict) strict=1 ;;
        -h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "usage: $0 [--strict]" >&2; exit 2 ;;
    esac
done

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/napoo-deploy-check.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT

failures=0
skips=0
ok() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }
indent() { sed 's/^/        | /'; }
skip() {
    if [ "$strict" = 1 ]; then
        fail "$* (a missing tool is a failure with --strict)"
    else
        printf '  SKIP  %s\n' "$*"
        skips=$((skips + 1))
    fi
}
have() { command -v "$1" >/dev/null 2>&1; }

site="$here/nginx/napoo-bot.conf"
env_example="$here/env.example"
units=(napoo-bot@.service napoo-bot-migrate.service napoo-bot-backup.service napoo-bot-backup.timer)

# --- shell ---------------------------------------------------------------------------------------
echo "shell scripts (bash -n)"
for script in "$here/check.sh" "$here/napoo-bot-backup" "$here/napoo-bot-cli"; do
    if out=$(bash -n "$script" 2>&1); then
        ok "bash -n ${script#"$here"/}"
    else
        fail "bash -n ${script#"$here"/}"
        printf '%s\n' "$out" | indent
    fi
done
# An extra where it is installed; not a required tool, even with --strict.
if have shellcheck; then
    if out=$(shellcheck -S warning "$here/check.sh" "$here/napoo-bot-backup" "$here/napoo-bot-cli" 2>&1); then
        ok "shellcheck (warnings and errors)"
    else
        fail "shellcheck"
        printf '%s\n' "${out//$here\//}" | indent
    fi
else
    printf '  note  shellcheck not installed (optional)\n'
fi

# --- env.example ---------------------------------------------------------------------------------
echo "env.example"
if [ ! -f "$env_example" ]; then
    fail "env.example is missing"
else
    # Assignments, and settings documented but left commented out (#NAME=).
    set_names=$(sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$env_example")
    all_names=$(sed -n 's/^#\{0,1\}\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$env_example")
    missing=()
    for name in BOT_TOKEN WEBHOOK_URL WEBHOOK_SECRET WEBHOOK_HOST SEND_RATE LOG_FORMAT \
        LOG_LEVEL DATABASE_URL REDIS_URL PSEUDONYM_SECRET REGISTER_SECRET ADMIN_IDS \
        STAFF_CHAT_ID RETENTION_DAYS STAFF_IDS TELEGRAM_API_BASE DATA_DIR; do
        grep -qx "$name" <<<"$all_names" || missing+=("$name")
    done
    if [ "${#missing[@]}" -eq 0 ]; then ok "names every setting"; else fail "not in env.example: ${missing[*]}"; fi
    dupes=$(sort <<<"$set_names" | uniq -d)
    if [ -z "$dupes" ]; then ok "no setting assigned twice"; else fail "assigned twice: $dupes"; fi
    if grep -qx WEBHOOK_PORT <<<"$set_names"; then
        fail "env.example sets WEBHOOK_PORT: it would override the port of every napoo-bot@PORT instance"
    else
        ok "WEBHOOK_PORT left to the unit's instance name"
    fi
    if grep -Eq '^(BOT_TOKEN|WEBHOOK_SECRET|PSEUDONYM_SECRET|REGISTER_SECRET)=.+' "$env_example"; then
        fail "env.example carries a value for a secret (leave BOT_TOKEN and the secrets empty)"
    else
        ok "secrets left empty"
    fi
fi

# --- nginx ---------------------------------------------------------------------------------------
echo "nginx site (nginx -t in a throwaway prefix)"
if ! have nginx; then
    skip "nginx not installed (apt-get install nginx-light)"
elif ! have openssl; then
    skip "openssl not installed (needed for the stand-in certificate)"
else
    n="$tmp/nginx"
    mkdir -p "$n/cert" "$n/log" "$n/temp" "$n/conf"
    if ! out=$(openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bot.example.bg" \
        -keyout "$n/cert/privkey.pem" -out "$n/cert/fullchain.pem" 2>&1); then
        fail "openssl could not make the stand-in certificate"
        printf '%s\n' "$out" | indent
    elif ! grep -Eq '^[[:space:]]*ssl_certificate[[:space:]]+/etc/letsencrypt/live/[^/]+/fullchain\.pem;' "$site" \
        || ! grep -Eq '^[[:space:]]*ssl_certificate_key[[:space:]]+/etc/letsencrypt/live/[^/]+/privkey\.pem;' "$site"; then
        fail "the site does not use certbot's paths /etc/letsencrypt/live/NAME/{fullchain,privkey}.pem"
    else
        # nginx -t binds the listen sockets (a port in use is tolerated, a refused one is not):
        # without root, 80 and 443 move to 20080 and 20443 for the test.
        ports=()
        note=""
        if [ "$(id -u)" -ne 0 ]; then
            ports=(-e 's/^([[:space:]]*listen[[:space:]]+(\[::\]:)?)80([[:space:];])/\120080\3/'
                -e 's/^([[:space:]]*listen[[:space:]]+(\[::\]:)?)443([[:space:];])/\120443\3/')
            note=", not root: listen ports 80/443 tested as 20080/20443"
        fi
        sed -E -e "s#/etc/letsencrypt/live/[^/;[:space:]]*/#$n/cert/#g" \
            -e "s#/var/log/nginx/#$n/log/#g" "${ports[@]}" "$site" >"$n/conf/napoo-bot.conf"
        cat >"$n/nginx.conf" <<EOF
# Throwaway configuration made by deploy/check.sh: only the site is under test.
pid $n/nginx.pid;
error_log $n/log/error.log;
events { worker_connections 64; }
http {
    access_log $n/log/access.log;
    client_body_temp_path $n/temp/body;
    proxy_temp_path $n/temp/proxy;
    fastcgi_temp_path $n/temp/fastcgi;
    uwsgi_temp_path $n/temp/uwsgi;
    scgi_temp_path $n/temp/scgi;
    include $n/conf/napoo-bot.conf;
}
EOF
        # -e (nginx 1.19.5+) keeps the compiled-in error log out of the test as well.
        elog=()
        if nginx -h 2>&1 | grep -Eq '^[[:space:]]*-e '; then elog=(-e "$n/log/error.log"); fi
        out=$(nginx -t -p "$n/" -c "$n/nginx.conf" "${elog[@]}" 2>&1)
        rc=$?
        version=$(nginx -v 2>&1)
        if [ "$rc" -ne 0 ] || grep -Eq '\[(emerg|alert|crit|error|warn)\]' <<<"$out"; then
            fail "nginx -t reports errors or warnings ($version$note)"
            printf '%s\n' "${out//$n/<tmp>}" | indent
        else
            ok "nginx -t accepts the site ($version$note)"
        fi
    fi
fi
# Rules of the site that nginx -t cannot know (plain text, so they run without nginx too).
if [ -f "$site" ]; then
    body=$(sed 's/#.*//' "$site")
    for port in 8081 8082; do
        if grep -Eq "^[[:space:]]*server[[:space:]]+127\.0\.0\.1:${port}[[:space:];]" <<<"$body"; then
            ok "upstream has 127.0.0.1:$port"
        else
            fail "upstream napoo_bot lacks 127.0.0.1:$port"
        fi
    done
    proxied=$(grep -c 'proxy_pass' <<<"$body")
    # The location each proxy_pass sits in ("(not exact)" for a prefix or regex location).
    webhook_path=$(awk '$1 == "location" {loc = ($2 == "=") ? $3 : "(not exact)"} /proxy_pass/ {print loc}' <<<"$body")
    if [ "$proxied" -eq 1 ] && [ "${webhook_path:0:1}" = / ]; then
        ok "only location = $webhook_path is proxied (/healthz and /metrics are not)"
        url_path=$(sed -n 's#^WEBHOOK_URL=https://[^/]*\(/[^?#]*\).*#\1#p' "$env_example" 2>/dev/null)
        if [ "$url_path" = "$webhook_path" ]; then
            ok "WEBHOOK_URL path in env.example matches the nginx location ($url_path)"
        else
            fail "WEBHOOK_URL path in env.example (${url_path:-none}) differs from the nginx location ($webhook_path)"
        fi
    else
        fail "expected exactly one proxy_pass, in an exact-match location; found $proxied, in:" \
            "$(tr '\n' ' ' <<<"$webhook_path" | sed 's/ $//')"
    fi
fi

# --- systemd -------------------------------------------------------------------------------------
echo "systemd units (systemd-analyze verify / security)"
if ! have systemd-analyze; then
    skip "systemd-analyze not installed (package systemd)"
else
    s="$tmp/systemd"
    root="$s/root"
    mkdir -p "$s/units" "$root/opt/napoo-bot/.venv/bin" "$root/opt/napoo-bot/deploy" "$root/opt/napoo-bot/data"
    # verify checks that each Exec*= program exists and is executable; nothing is run.
    printf '#!/bin/sh\nexit 0\n' >"$root/opt/napoo-bot/.venv/bin/python"
    chmod 0755 "$root/opt/napoo-bot/.venv/bin/python"
    cp -- "$here/napoo-bot-backup" "$root/opt/napoo-bot/deploy/napoo-bot-backup"
    for unit in "${units[@]}"; do
        if [ -f "$here/systemd/$unit" ]; then
            sed "s#/opt/napoo-bot#$root/opt/napoo-bot#g" "$here/systemd/$unit" >"$s/units/$unit"
        else
            fail "systemd/$unit is missing"
        fi
    done
    # Stand-ins for the units the postgresql and redis-server packages install.
    for dep in postgresql.service redis-server.service; do
        printf '[Unit]\nDescription=stand-in for %s (deploy/check.sh)\n[Service]\nType=oneshot\nExecStart=/bin/true\nRemainAfterExit=yes\n' \
            "$dep" >"$s/units/$dep"
    done
    targets=("$s/units/napoo-bot@8081.service" "$s/units/napoo-bot@8082.service"
        "$s/units/napoo-bot-migrate.service" "$s/units/napoo-bot-backup.service"
        "$s/units/napoo-bot-backup.timer")
    out=$(cd "$s/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "${targets[@]}" 2>&1)
    rc=$?
    ours=$(grep -E "napoo-bot|$s" <<<"$out")
    others=$(grep -vE "napoo-bot|$s" <<<"$out" | grep -v '^$')
    version=$(systemd-analyze --version 2>/dev/null | head -n 1)
    if [ -n "$ours" ] || { [ "$rc" -ne 0 ] && [ -z "$others" ]; }; then
        fail "systemd-analyze verify reports problems in our units ($version)"
        out=${out//$s\/units/<units>}
        printf '%s\n' "${out//$root/<stub>}" | indent
    else
        ok "systemd-analyze verify: ${units[*]} (instances 8081, 8082) ($version)"
        if [ -n "$others" ]; then
            echo "        messages about other units of this machine (not checked here):"
            printf '%s\n' "$others" | indent
        fi
    fi
    # Exposure, 0 (locked down) .. 10; --threshold is in tenths.
    if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
        for pair in napoo-bot@8081.service:20 napoo-bot-migrate.service:20 napoo-bot-backup.service:45; do
            unit=${pair%%:*}
            limit=${pair##*:}
            out=$(cd "$s/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=yes \
                --threshold="$limit" --no-pager "$s/units/$unit" 2>&1)
            rc=$?
            level=$(grep -o 'Overall exposure level for [^:]*: [0-9.]*' <<<"$out" | sed 's/.*: //')
            if [ "$rc" -eq 0 ] && [ -n "$level" ]; then
                ok "systemd-analyze security $unit: exposure $level (limit $((limit / 10)).$((limit % 10)))"
            else
                fail "systemd-analyze security $unit: exposure ${level:-?} above $((limit / 10)).$((limit % 10)) or not measured"
                # The heaviest missing protections first.
                { grep '^✗' <<<"$out" | awk '{print $NF "\t" $0}' | sort -rn | cut -f2- | head -n 8
                  grep -E 'Overall|rror' <<<"$out"; } | indent
            fi
        done
    else
        skip "systemd-analyze security --offline needs systemd 250 or later"
    fi
fi

echo
if [ "$failures" -ne 0 ]; then
    echo "deploy: $failures check(s) FAILED"
    exit 1
fi
if [ "$skips" -ne 0 ]; then
    echo "deploy: all checks that could run passed ($skips part(s) skipped: tools missing)"
else
    echo "deploy: all checks passed"
fi
exit 0
