#!/bin/sh
# Hallmonitor agent installer for Linux (systemd). Served by the collector at /install.sh.
#
#   sh install-agent.sh --collector https://closet-server:8470 --token hm1.…   install or enroll
#   sh install-agent.sh --collector https://closet-server:8470                   upgrade / repair (keeps the enrollment)
#   sh install-agent.sh --uninstall                                              remove everything it installed
#
# Every option can also come from the environment, for mass deployment:
#   HALLMONITOR_COLLECTOR, HALLMONITOR_TOKEN, HALLMONITOR_NAME, HALLMONITOR_SITE
#
# Trust: the token carries the SHA-256 pin of the collector's key. The script
# fetches the collector's CA, checks it against that pin with openssl, checks
# the server certificate against the CA, and from then on lets curl talk only
# to a server holding that exact key. The agent executable is checked against
# SHA256SUMS fetched over that same connection. Running it again upgrades or
# repairs; it never needs the token again once the machine is enrolled.
set -eu

VERSION_OF_SCRIPT=1
SERVICE=hallmonitor-agent

say() { printf 'hallmonitor: %s\n' "$*" >&2; }
die() { printf 'hallmonitor: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: install-agent.sh --collector URL [--token TOKEN] [--name NAME] [--site SITE] [--label KEY=VALUE]...
       install-agent.sh --uninstall
options:
  --collector URL     the collector, e.g. https://closet-server:8470      (env HALLMONITOR_COLLECTOR)
  --token TOKEN       enrollment token; needed only to enroll               (env HALLMONITOR_TOKEN)
  --name NAME         display name (default: the hostname)                  (env HALLMONITOR_NAME)
  --site SITE         site of this machine (default: the token's site)      (env HALLMONITOR_SITE)
  --label KEY=VALUE   extra label, repeatable
  --reenroll          enroll again even though this machine is enrolled (needs --token)
  --uninstall         stop and remove the agent, its units, config, state and user
  --no-start          write everything but do not touch systemd (tests, images)
  --prefix DIR        install under DIR instead of / (tests)
  --systemd-dir DIR   where unit files go (default PREFIX/etc/systemd/system)
  --user NAME         service account (default hallmonitor-agent)
  --binary FILE       install this agent executable instead of downloading one
                      (it must still match the collector's SHA256SUMS)
EOF
  exit 2
}

COLLECTOR=${HALLMONITOR_COLLECTOR:-}
TOKEN=${HALLMONITOR_TOKEN:-}
NAME=${HALLMONITOR_NAME:-}
SITE=${HALLMONITOR_SITE:-}
LABELS=''
ACTION=install
REENROLL=0
START=1
PREFIX=''
SYSTEMD_DIR=''
SVC_USER=hallmonitor-agent
LOCAL_BINARY=''

need_arg() { [ $# -ge 2 ] || die "$1: missing value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --collector) need_arg "$@"; COLLECTOR=$2; shift 2 ;;
    --token) need_arg "$@"; TOKEN=$2; shift 2 ;;
    --name) need_arg "$@"; NAME=$2; shift 2 ;;
    --site) need_arg "$@"; SITE=$2; shift 2 ;;
    --label) need_arg "$@"; case "$2" in *=*) ;; *) die "--label: expected KEY=VALUE" ;; esac
      LABELS="$LABELS
$2"; shift 2 ;;
    --reenroll) REENROLL=1; shift ;;
    --uninstall) ACTION=uninstall; shift ;;
    --no-start) START=0; shift ;;
    --prefix) need_arg "$@"; PREFIX=${2%/}; shift 2 ;;
    --systemd-dir) need_arg "$@"; SYSTEMD_DIR=${2%/}; shift 2 ;;
    --user) need_arg "$@"; SVC_USER=$2; shift 2 ;;
    --binary) need_arg "$@"; LOCAL_BINARY=$2; shift 2 ;;
    -h|--help) usage ;;
    *) say "unknown option $1"; usage ;;
  esac
done

# Layout. The agent's own executable lives in its state directory, which the
# unprivileged service may write: that is what lets it update itself. Anything
# root runs (the patch-check timer, the CLI on the PATH) uses a root-owned
# copy, so the agent account can never plant code that root executes.
STATE_DIR=$PREFIX/var/lib/hallmonitor-agent
AGENT_BIN=$STATE_DIR/bin/hallmonitor-agent
ROOT_DIR=$PREFIX/usr/local/lib/hallmonitor-agent
ROOT_BIN=$ROOT_DIR/hallmonitor-agent
LINK=$PREFIX/usr/local/bin/hallmonitor-agent
CONF_DIR=$PREFIX/etc/hallmonitor
CONF=$CONF_DIR/agent.yaml
SYSTEMD_DIR=${SYSTEMD_DIR:-$PREFIX/etc/systemd/system}
UNIT=$SYSTEMD_DIR/$SERVICE.service
PATCH_UNIT=$SYSTEMD_DIR/$SERVICE-patch.service
PATCH_TIMER=$SYSTEMD_DIR/$SERVICE-patch.timer

[ "$(id -u)" = 0 ] || die "run me as root (sudo sh $0 …)"
case "$SVC_USER" in ''|*[!A-Za-z0-9_-]*) die "--user: letters, digits, _ and - only" ;; esac
# Paths end up unquoted in unit files; systemd would split them at spaces.
case "$PREFIX$SYSTEMD_DIR" in *[[:space:]]*) die "--prefix/--systemd-dir: no spaces, please" ;; esac

have_systemd() { [ "$START" = 1 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }

# ---------------------------------------------------------------- uninstall
if [ "$ACTION" = uninstall ]; then
  if have_systemd; then
    systemctl disable --now "$SERVICE-patch.timer" "$SERVICE.service" >/dev/null 2>&1 || true
  fi
  rm -f "$UNIT" "$PATCH_UNIT" "$PATCH_TIMER"
  if have_systemd; then systemctl daemon-reload || true; fi
  rm -f "$LINK"
  rm -rf "$ROOT_DIR" "$STATE_DIR"
  rm -f "$CONF" "$CONF.tmp-"*
  rmdir "$CONF_DIR" 2>/dev/null || true
  if [ "$SVC_USER" = hallmonitor-agent ] && id -u "$SVC_USER" >/dev/null 2>&1; then
    userdel "$SVC_USER" >/dev/null 2>&1 || say "could not remove user $SVC_USER"
  fi
  say "removed the Hallmonitor agent (the collector keeps this machine's history; delete it there if wanted)"
  exit 0
fi

# ---------------------------------------------------------------- checks
[ -n "$COLLECTOR" ] || die "--collector URL is required (or set HALLMONITOR_COLLECTOR)"
COLLECTOR=${COLLECTOR%/}
case "$COLLECTOR" in
  https://*|http://*) ;;
  *) COLLECTOR="https://$COLLECTOR" ;;
esac
case "$COLLECTOR" in *[!A-Za-z0-9:/.\[\]-]*) die "--collector: unexpected characters in $COLLECTOR" ;; esac
if [ -n "$TOKEN" ]; then
  case "$TOKEN" in hm1.*) ;; *) die "--token: not a Hallmonitor enrollment token (expected hm1.…)" ;; esac
  case "$TOKEN" in *[!A-Za-z0-9._-]*) die "--token: unexpected characters" ;; esac
fi
ENROLLED=0
[ -s "$CONF" ] && ENROLLED=1
if [ "$ENROLLED" = 0 ] || [ "$REENROLL" = 1 ]; then
  [ -n "$TOKEN" ] || die "--token is required: this machine is not enrolled yet (create one with: hallmonitor-collector token create)"
fi
for tool in curl sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (apt-get install $tool / dnf install $tool)"
done

case "$(uname -m)" in
  x86_64|amd64) PLATFORM=linux-x64 ;;
  aarch64|arm64) PLATFORM=linux-arm64 ;;
  *) die "no agent build for $(uname -m) (supported: x86_64, aarch64)" ;;
esac
FILE=hallmonitor-agent-$PLATFORM

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# ---------------------------------------------------------------- trust
# The pin: from the token when enrolling, else from this machine's config.
pin_from_token() {
  p=$(printf '%s' "$1" | cut -d. -f3)
  [ -n "$p" ] || return 0
  # base64url without padding → base64 with padding
  p=$(printf '%s' "$p" | tr '_-' '/+')
  case $(( ${#p} % 4 )) in 2) p="$p==" ;; 3) p="$p=" ;; esac
  printf 'sha256/%s' "$p"
}
PIN=''
if [ -n "$TOKEN" ]; then PIN=$(pin_from_token "$TOKEN"); fi
if [ -z "$PIN" ] && [ -s "$CONF" ]; then
  PIN=$(sed -n 's/^  pin: *["'\'']\{0,1\}\(sha256\/[A-Za-z0-9+/=]*\).*$/\1/p' "$CONF" | head -n 1)
fi

CURL_TLS=''
case "$COLLECTOR" in
  https://*)
    command -v openssl >/dev/null 2>&1 || die "openssl is required to check the collector's certificate"
    [ -n "$PIN" ] || die "the token has no certificate pin but the collector URL is https; create the token on a collector with TLS on"
    hostport=${COLLECTOR#https://}
    host=${hostport%:*}
    [ "$host" = "$hostport" ] && hostport="$hostport:443"
    host=$(printf '%s' "$host" | tr -d '[]')
    # 1. the CA, fetched without trust, accepted only if its key is the pinned one
    curl -fsSk --max-time 30 "$COLLECTOR/api/v1/enroll/ca" -o "$TMP/ca.json" || die "cannot reach $COLLECTOR (is the collector running, and port ${hostport##*:} open?)"
    sed -e 's/.*"ca":"\([^"]*\)".*/\1/' "$TMP/ca.json" | sed -e 's/\\n/\
/g' > "$TMP/ca.pem"
    spki_pin() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | openssl base64 -A; }
    got="sha256/$(spki_pin "$TMP/ca.pem" 2>/dev/null || true)"
    [ "$got" = "$PIN" ] || die "the collector at $hostport presents key $got but the token pins $PIN: wrong collector, or someone in between. Nothing was sent."
    # 2. the server's own certificate must chain to that CA (host names are not
    #    checked, as the agent does not: schools move closet servers between addresses)
    printf '' | openssl s_client -connect "$hostport" -servername "$host" -showcerts 2>/dev/null \
      | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' > "$TMP/chain.pem"
    [ -s "$TMP/chain.pem" ] || die "cannot read the certificate of $hostport"
    sed -n '1,/-----END CERTIFICATE-----/p' "$TMP/chain.pem" > "$TMP/leaf.pem"
    openssl verify -partial_chain -CAfile "$TMP/ca.pem" -untrusted "$TMP/chain.pem" "$TMP/leaf.pem" >/dev/null 2>&1 \
      || die "the certificate of $hostport is not signed by the pinned CA"
    # 3. from here on curl accepts only a server holding that certificate's key
    CURL_TLS="-k --pinnedpubkey sha256//$(spki_pin "$TMP/leaf.pem")"
    ;;
  http://*)
    say "warning: $COLLECTOR is plain HTTP; nothing protects the download or the credential on the way"
    ;;
esac

fetch() { # fetch PATH DEST
  # shellcheck disable=SC2086 # CURL_TLS is a list of options
  curl -fsS --max-time 600 $CURL_TLS "$COLLECTOR$1" -o "$2"
}

# ---------------------------------------------------------------- download
fetch /downloads/SHA256SUMS "$TMP/SHA256SUMS" || die "cannot download SHA256SUMS from $COLLECTOR"
grep "  $FILE\$" "$TMP/SHA256SUMS" > "$TMP/sum" || die "the collector serves no $FILE (build it with: node scripts/build-agent/build.mjs)"
if [ -n "$LOCAL_BINARY" ]; then
  cp "$LOCAL_BINARY" "$TMP/$FILE" || die "--binary: cannot read $LOCAL_BINARY"
else
  say "downloading $FILE"
  fetch "/downloads/$FILE" "$TMP/$FILE" || die "cannot download $FILE from $COLLECTOR"
fi
(cd "$TMP" && sha256sum -c --quiet sum) || die "$FILE does not match the collector's SHA256SUMS; not installed"
chmod 0755 "$TMP/$FILE"
NEW_VERSION=$("$TMP/$FILE" --version 2>/dev/null) || die "$FILE does not run on this machine ($(uname -sm))"

# ---------------------------------------------------------------- account and files
if ! id -u "$SVC_USER" >/dev/null 2>&1; then
  nologin=/usr/sbin/nologin; [ -x "$nologin" ] || nologin=/bin/false
  useradd --system --no-create-home --home-dir /nonexistent --shell "$nologin" --user-group "$SVC_USER" \
    || die "cannot create the service account $SVC_USER"
  say "created service account $SVC_USER"
fi
SVC_GROUP=$(id -gn "$SVC_USER")

if have_systemd; then systemctl stop "$SERVICE.service" >/dev/null 2>&1 || true; fi

install -d -m 0755 "$ROOT_DIR" "$(dirname "$LINK")"
install -m 0755 "$TMP/$FILE" "$ROOT_BIN.new" && mv -f "$ROOT_BIN.new" "$ROOT_BIN"
ln -sf "$ROOT_BIN" "$LINK"
install -d -m 0750 -o "$SVC_USER" -g "$SVC_GROUP" "$STATE_DIR" "$STATE_DIR/bin"
# Fresh executable for the service; any half-finished self-update is cleared.
rm -f "$AGENT_BIN.download" "$AGENT_BIN.prev" "$AGENT_BIN.bad" "$AGENT_BIN.update.json"
install -m 0755 -o "$SVC_USER" -g "$SVC_GROUP" "$TMP/$FILE" "$AGENT_BIN.new" && mv -f "$AGENT_BIN.new" "$AGENT_BIN"

# ---------------------------------------------------------------- enrollment
install -d -m 0750 -o root -g "$SVC_GROUP" "$CONF_DIR"
if [ "$ENROLLED" = 0 ] || [ "$REENROLL" = 1 ]; then
  set -- enroll --collector "$COLLECTOR" --token "$TOKEN" --config "$CONF"
  [ -n "$NAME" ] && set -- "$@" --name "$NAME"
  [ -n "$SITE" ] && set -- "$@" --site "$SITE"
  if [ -n "$LABELS" ]; then
    # one label per line; no word splitting on spaces inside values
    while IFS= read -r l; do [ -n "$l" ] && set -- "$@" --label "$l"; done <<EOF
$LABELS
EOF
  fi
  HALLMONITOR_SELF_UPDATE=0 "$ROOT_BIN" "$@" || die "enrollment failed (see the message above); nothing else was changed on the collector"
  printf 'dataDir: %s\n' "$STATE_DIR" >> "$CONF"
else
  say "already enrolled ($CONF); keeping that identity (use --reenroll --token … to enroll again)"
  grep -q '^dataDir:' "$CONF" || printf 'dataDir: %s\n' "$STATE_DIR" >> "$CONF"
fi
chown "$SVC_USER:$SVC_GROUP" "$CONF"
chmod 0600 "$CONF"

# ---------------------------------------------------------------- units
install -d -m 0755 "$SYSTEMD_DIR"
cat > "$UNIT.tmp" <<EOF
# Written by install-agent.sh v$VERSION_OF_SCRIPT; run it again to upgrade or repair.
[Unit]
Description=Hallmonitor agent (reports this machine's health to the collector)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=$SVC_USER
Group=$SVC_GROUP
ExecStart=$AGENT_BIN run --config $CONF
# Self-update swaps the executable and exits with 75; Restart=always starts the new one.
Environment=HALLMONITOR_SELF_UPDATE=1
# A heap cap below 2 GB also stops V8 from mapping a second copy of its built-in
# code (~1 MB of RSS, measured: agent README, Footprint); the agent's heap is ~7 MB.
Environment=NODE_OPTIONS=--max-old-space-size=256
Restart=always
RestartSec=5s
TimeoutStopSec=20s
UMask=0027
ReadWritePaths=$STATE_DIR
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
CapabilityBoundingSet=
AmbientCapabilities=
# Deliberately NOT MemoryDenyWriteExecute=yes: V8's JIT needs writable code pages and crashes under it.

[Install]
WantedBy=multi-user.target
EOF
cat > "$PATCH_UNIT.tmp" <<EOF
# Written by install-agent.sh v$VERSION_OF_SCRIPT.
# Some package managers answer fully only to root, so this one check runs as
# root from a root-owned copy of the agent and writes a cache the unprivileged
# agent reads. It does nothing else and exits.
[Unit]
Description=Hallmonitor agent: OS patch-level check
After=network-online.target

[Service]
Type=oneshot
ExecStart=$ROOT_BIN patch-check --write $STATE_DIR/patch-cache.json
Environment=HALLMONITOR_SELF_UPDATE=0
Nice=10
IOSchedulingClass=idle
TimeoutStartSec=15min
NoNewPrivileges=yes
ProtectSystem=full
ProtectHome=read-only
PrivateTmp=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
LockPersonality=yes
EOF
cat > "$PATCH_TIMER.tmp" <<EOF
# Written by install-agent.sh v$VERSION_OF_SCRIPT.
[Unit]
Description=Hallmonitor agent: OS patch-level check every 6 hours

[Timer]
OnBootSec=5min
OnUnitActiveSec=6h
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
EOF
for f in "$UNIT" "$PATCH_UNIT" "$PATCH_TIMER"; do chmod 0644 "$f.tmp" && mv -f "$f.tmp" "$f"; done

if have_systemd; then
  systemctl daemon-reload
  systemctl enable --now "$SERVICE-patch.timer" >/dev/null 2>&1 || say "could not enable the patch-check timer"
  systemctl start --no-block "$SERVICE-patch.service" >/dev/null 2>&1 || true
  systemctl enable "$SERVICE.service" >/dev/null 2>&1
  systemctl restart "$SERVICE.service"
  sleep 3
  if systemctl is-active --quiet "$SERVICE.service"; then
    say "agent $NEW_VERSION installed and running; it reports to $COLLECTOR"
  else
    say "agent installed but not running; see: journalctl -u $SERVICE -n 50"
    exit 1
  fi
else
  say "agent $NEW_VERSION installed (not started: --no-start or no systemd)"
fi
say "check it: hallmonitor-agent collect --once   |   systemctl status $SERVICE   |   journalctl -u $SERVICE -f"
