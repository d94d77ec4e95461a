#!/usr/bin/env bash
# base-image.sh - prints the name of a Debian 12 image for the Dockerfile's BASE_IMAGE, making
# one first when there is none, so that `make container` needs no image registry.
#
#   scripts/container/base-image.sh
#
# HS_BASE_IMAGE, when set, is used as it is. Else debian:12-slim when Podman has it (pulled
# on a machine that reaches a registry). Else localhost/housingsup-base:bookworm, made once
# from Debian's packages: mmdebstrap's minbase variant of bookworm (with its updates and
# security suites), without manuals, documentation or translations like the slim image,
# imported with `podman import`. Progress goes to stderr, the name alone to stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/container/podman.sh
. scripts/container/podman.sh

OWN=localhost/housingsup-base:bookworm

if [ -n "${HS_BASE_IMAGE:-}" ]; then
    echo "$HS_BASE_IMAGE"
    exit 0
fi
for image in debian:12-slim "$OWN"; do
    if podman_cmd image exists "$image"; then
        echo "$image"
        exit 0
    fi
done

echo "base-image: no debian:12-slim here; making $OWN with mmdebstrap" >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/housingsup-base-XXXXXX")
trap 'rm -rf "$work"' EXIT
slim=()
for path in '/usr/share/man/*' '/usr/share/doc/*' '/usr/share/info/*' '/usr/share/locale/*'; do
    slim+=(--dpkgopt="path-exclude=$path")
done
slim+=(--dpkgopt='path-include=/usr/share/doc/*/copyright')
# usr-is-merged (merged /usr as in Debian's images) instead of usrmerge, which brings perl
if ! mmdebstrap --variant=minbase --quiet --skip=output/dev \
        --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "${slim[@]}" \
        bookworm "$work/rootfs.tar" >"$work/mmdebstrap.log" 2>&1; then
    tail -n 20 "$work/mmdebstrap.log" >&2
    echo "base-image: mmdebstrap failed (Debian's mirrors unreachable?)" >&2
    exit 1
fi
podman_cmd import --quiet --change 'CMD ["/bin/bash"]' "$work/rootfs.tar" "$OWN" >/dev/null
echo "$OWN"
