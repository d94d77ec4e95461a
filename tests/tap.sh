# tap.sh - sourced by the shell checks that print TAP (tests/prometheus/check.sh,
# tests/ui/check.sh, tests/monitoring/*.sh).

n=0
check() { # description, then a command that must succeed: one numbered TAP line
    local what=$1; shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}

free_port() { # a TCP port of 127.0.0.1 that nothing listens on now
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
