# podman.sh - how this project calls Podman; sourced by scripts/container/build.sh and
# tests/container/check.sh.
#
#   HS_IMAGE        the image `make container` builds (default localhost/housingsup:latest)
#   podman_cmd ARGS podman with the runc runtime: crun cannot create containers under some
#                   cgroup v1 layouts, and scripts/setup.sh installs runc.
#   PODMAN_LIMITS   --ulimit options for `podman build` and `podman run`. Rootful Podman asks
#                   for 1048576 open files and as many processes by default, which runc cannot
#                   set where the host withholds CAP_SYS_RESOURCE ("error setting rlimit type
#                   7: operation not permitted"); these stay within the caller's own limits.
HS_IMAGE=${HS_IMAGE:-localhost/housingsup:latest}

podman_cmd() { podman --runtime runc "$@"; }

podman_nofile=$(ulimit -Hn)
[ "$podman_nofile" = unlimited ] && podman_nofile=1048576
# Processes and threads of the image's user: housingsup needs a few dozen, and root (the
# build's RUN steps) is not held to it.
PODMAN_LIMITS=(--ulimit "nofile=$podman_nofile:$podman_nofile" --ulimit nproc=4096:4096)
