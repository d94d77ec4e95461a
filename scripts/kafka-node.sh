# kafka-node.sh - what the scripts that run Apache Kafka nodes from the jars
# share (stack.sh, kafka-cluster.sh, kafka-secure.sh). Sourced, not run.
#
# A node lives in one directory: its caller writes server.properties there;
# these functions add log4j.properties, format data/ once, and keep the JVM's
# pid in kafka.pid and its log in server.log. They need KAFKA_LIBS (the broker
# jars, from scripts/setup.sh) and a die() function.

# Waits up to $1 seconds for the command in "${@:2}" to succeed. A deadline,
# not a count of tries: one try of a kcat probe can itself take seconds.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# A port base derived from directory $1's path, so that checkouts side by
# side differ: $2 + 10 * (a checksum of the path modulo $3).
path_port_base() { echo $(( $2 + ($(printf '%s' "$1" | cksum | cut -d' ' -f1) % $3) * 10 )); }

# A fresh KRaft cluster id.
kafka_new_cluster_id() { tr -d - </proc/sys/kernel/random/uuid | head -c 22; }

# Node in $1: writes its log4j settings and formats its storage with cluster id $2 once;
# more arguments go to StorageTool format (--add-scram ...).
kafka_node_prepare() {
    local dir=$1
    cat >"$dir/log4j.properties" <<CONF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
CONF
    [ -f "$dir/data/meta.properties" ] && return 0
    java -cp "$KAFKA_LIBS/*" -Dlog4j.configuration="file:$dir/log4j.properties" \
        kafka.tools.StorageTool format -t "$2" -c "$dir/server.properties" "${@:3}" >"$dir/format.log" 2>&1 \
        || die "formatting Kafka storage in $dir failed; see $dir/format.log"
}

# The storage and topic settings every node here shares, for server.properties:
# data in $1, replication factor $2 (topics and internal topics), min in-sync $3.
# Topics are created by housingsup or an admin, never on first use.
kafka_node_storage_properties() {
    cat <<CONF
log.dirs=$1
num.partitions=1
default.replication.factor=$2
min.insync.replicas=$3
offsets.topic.replication.factor=$2
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$2
transaction.state.log.min.isr=$3
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
CONF
}

# The pid of the node in $1 if it runs.
kafka_node_pid() {
    [ -f "$1/kafka.pid" ] && kill -0 "$(cat "$1/kafka.pid")" 2>/dev/null && cat "$1/kafka.pid"
}

# Starts the node in $1 with JVM heap options $2, unless it runs.
kafka_node_start() {
    local dir=$1
    [ -f "$KAFKA_LIBS/.complete" ] || die "the Kafka jars are missing; run scripts/setup.sh"
    [ -n "$(kafka_node_pid "$dir")" ] && return 0
    # shellcheck disable=SC2086
    nohup java $2 -XX:+UseG1GC -Djava.awt.headless=true \
        -Dlog4j.configuration="file:$dir/log4j.properties" \
        -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" \
        >"$dir/stdout.log" 2>&1 </dev/null &
    echo $! >"$dir/kafka.pid"
}

_none_alive() { for pid; do kill -0 "$pid" 2>/dev/null && return 1; done; return 0; }

# Stops the nodes in the directories given: SIGTERM to all at once (so a
# quorum outlives their controlled shutdowns), SIGKILL to what is left after 30 s.
kafka_nodes_stop() {
    local dir pid pids=()
    for dir; do
        pid=$(kafka_node_pid "$dir") || continue
        kill "$pid" 2>/dev/null || true
        pids+=("$pid")
    done
    if [ ${#pids[@]} -gt 0 ] && ! wait_for 30 _none_alive "${pids[@]}"; then
        kill -9 "${pids[@]}" 2>/dev/null || true
        wait_for 5 _none_alive "${pids[@]}" || die "could not kill ${pids[*]}"
    fi
    for dir; do rm -f "$dir/kafka.pid"; done
}
