#!/bin/sh
# install.sh — install the madoguchi kiosk on a Raspberry-Pi-class Debian system.
#
# usage: sudo sh install.sh [-b BINARY] [-n]
#   -b BINARY  the kiosk binary to install (default: ./kiosk next to this script)
#   -n         files only: no user, no ownership, no systemctl (implied by DESTDIR)
# environment:
#   DESTDIR    stage into this directory instead of / (packaging, tests)
#   PREFIX     where the binary goes (default /usr/local: $PREFIX/bin/kiosk)
#
# What it does:
#   $PREFIX/bin/kiosk                              the binary (0755)
#   /etc/systemd/system/madoguchi-kiosk.service    the unit (cage + foot + kiosk)
#   /etc/polkit-1/rules.d/60-madoguchi-kiosk.rules lets the kiosk user use pcscd
#   /etc/madoguchi/                                0750 root:madoguchi
#   /etc/madoguchi/foot.ini                        terminal font and colours
#   /etc/madoguchi/kiosk.toml                      from `kiosk config example`, if absent (0640)
#   /var/lib/madoguchi/                            0700 madoguchi:madoguchi (the queue)
#   user madoguchi (system user, no login shell), in the device groups that exist
#   systemctl daemon-reload; systemctl enable madoguchi-kiosk (not started: configure first)
# It never overwrites kiosk.toml and never touches the TLS files: copy those yourself.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin="$here/kiosk"
system=1
while getopts b:n opt; do
	case $opt in
	b) bin=$OPTARG ;;
	n) system=0 ;;
	*) echo "usage: install.sh [-b BINARY] [-n]" >&2; exit 2 ;;
	esac
done
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
[ -n "$DESTDIR" ] && system=0

user=madoguchi
etc="$DESTDIR/etc/madoguchi"
state="$DESTDIR/var/lib/madoguchi"

case $PREFIX in
/*) ;;
*) echo "install.sh: PREFIX must be an absolute path, got $PREFIX" >&2; exit 2 ;;
esac
if [ ! -f "$bin" ]; then
	echo "install.sh: no kiosk binary at $bin (build it: go build -o kiosk ./cmd/kiosk, or give -b)" >&2
	exit 1
fi
if [ "$system" = 1 ] && [ "$(id -u)" != 0 ]; then
	echo "install.sh: run as root (or with -n / DESTDIR for files only)" >&2
	exit 1
fi

if [ "$system" = 1 ] && ! id "$user" >/dev/null 2>&1; then
	echo "creating system user $user"
	useradd --system --user-group --home-dir /var/lib/madoguchi --no-create-home \
		--shell /usr/sbin/nologin --comment "madoguchi kiosk" "$user"
fi
if [ "$system" = 1 ]; then
	# Devices: video/render/input (screen, touch, keypad), lp (USB printer), dialout
	# (serial printer), gpio (sensors, key matrix; Raspberry Pi OS), audio (the spoken
	# guide). Only groups that exist.
	for g in video render input lp dialout gpio audio; do
		if getent group "$g" >/dev/null 2>&1; then
			usermod -a -G "$g" "$user"
		fi
	done
fi

echo "installing $PREFIX/bin/kiosk"
install -D -m 0755 "$bin" "$DESTDIR$PREFIX/bin/kiosk"

unit="$DESTDIR/etc/systemd/system/madoguchi-kiosk.service"
install -d -m 0755 "$(dirname "$unit")"
sed "s#/usr/local/bin/kiosk#$PREFIX/bin/kiosk#g" "$here/madoguchi-kiosk.service" >"$unit.tmp"
chmod 0644 "$unit.tmp"
mv "$unit.tmp" "$unit"
# Earlier versions ran the unit in a PAM session; it no longer has one (see the unit).
rm -f "$DESTDIR/etc/pam.d/madoguchi-kiosk"
install -D -m 0644 "$here/polkit/60-madoguchi-kiosk.rules" "$DESTDIR/etc/polkit-1/rules.d/60-madoguchi-kiosk.rules"
# The drivers whose device groups the unit allows, loaded before it starts (see the file).
install -D -m 0644 "$here/modules-load.conf" "$DESTDIR/etc/modules-load.d/madoguchi.conf"

install -d -m 0750 "$etc"
install -m 0644 "$here/foot.ini" "$etc/foot.ini"
if [ ! -e "$etc/kiosk.toml" ]; then
	if "$DESTDIR$PREFIX/bin/kiosk" config example >"$etc/kiosk.toml.tmp" 2>/dev/null; then
		chmod 0640 "$etc/kiosk.toml.tmp"
		mv "$etc/kiosk.toml.tmp" "$etc/kiosk.toml"
		echo "wrote the example configuration to /etc/madoguchi/kiosk.toml: edit it"
	else
		# A binary for another architecture (staging on a build host).
		rm -f "$etc/kiosk.toml.tmp"
		echo "could not run the binary here: on the kiosk run  kiosk config example > /etc/madoguchi/kiosk.toml"
	fi
else
	echo "kept the existing /etc/madoguchi/kiosk.toml"
fi
install -d -m 0700 "$state"

if [ "$system" = 1 ]; then
	chown root:"$user" "$etc" "$etc/kiosk.toml" 2>/dev/null || chown root:"$user" "$etc"
	chown "$user:$user" "$state"
	systemctl daemon-reload
	systemctl enable madoguchi-kiosk.service
fi

cat <<MSG

installed. Next:
  1. apt-get install --no-install-recommends cage foot pcscd fonts-noto-cjk fonts-ipaexfont-gothic fonts-lohit-deva \\
       fonts-dejavu-core fonts-droid-fallback fonts-nanum \\
       open-jtalk open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001 espeak-ng sox alsa-utils
     (the voice hts-voice-nitech-jp-atr503-m001 is in the archive's contrib component)
  2. copy the TLS files from the center operator to /etc/madoguchi/:
       center-ca.pem  center-doc.pub  kiosk.crt   (0644)
       kiosk.key      (chown $user /etc/madoguchi/kiosk.key; chmod 600)
  3. edit /etc/madoguchi/kiosk.toml, then:  kiosk check-config /etc/madoguchi/kiosk.toml
  4. sudo -u $user $PREFIX/bin/kiosk diag -config /etc/madoguchi/kiosk.toml
  5. sudo -u $user $PREFIX/bin/kiosk voice-cache -config /etc/madoguchi/kiosk.toml
  6. systemctl start madoguchi-kiosk; journalctl -u madoguchi-kiosk -f
MSG
