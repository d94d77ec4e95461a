#!/usr/bin/env bash
# build.sh - `make container`: builds the Dockerfile with Podman into $HS_IMAGE (default
# localhost/housingsup:latest), on the Debian 12 base image that base-image.sh names or makes.
#
# The build's RUN steps use the host's network (apt-get reaches Debian's mirrors without a
# container network). Podman keeps each step as a layer, so a build with nothing changed
# takes seconds, and a change to the C sources rebuilds from the compile step on.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/container/podman.sh
. scripts/container/podman.sh

base=$(scripts/container/base-image.sh)
echo "container: building $HS_IMAGE on $base"
podman_cmd build --network host "${PODMAN_LIMITS[@]}" --layers --pull=never \
    --build-arg "BASE_IMAGE=$base" --tag "$HS_IMAGE" --file Dockerfile .
