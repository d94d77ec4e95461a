#!/usr/bin/env python3
"""Check docker-compose.yml (and the Dockerfile it builds) as far as possible without a
Docker engine. Prints TAP ("1..N", "ok i - ...", "not ok i - ...: reason") and exits 1 if
any check failed.

    scripts/check_compose.py [--root DIR] [--compose FILE]

Needs PyYAML (Debian: python3-yaml). Validates against the Compose Specification's JSON
schema too when the check-jsonschema package (which ships that schema) and jsonschema are
importable; otherwise that check is reported as skipped.
"""
import argparse
import glob
import json
import os
import re
import sys

REQUIRED_SERVICES = ("kafka", "postgres", "kafka-ui", "pgadmin", "housingsup", "prometheus", "grafana")


class Tap:
    def __init__(self):
        self.results = []

    def check(self, description, failures=(), skip=None):
        """failures: reasons (empty = ok); skip: reason to skip instead."""
        self.results.append((description, list(failures), skip))

    def report(self):
        print(f"1..{len(self.results)}")
        failed = 0
        for i, (description, failures, skip) in enumerate(self.results, 1):
            if skip:
                print(f"ok {i} - {description} # SKIP {skip}")
            elif failures:
                failed += 1
                print(f"not ok {i} - {description}: {'; '.join(failures)}")
            else:
                print(f"ok {i} - {description}")
        return 1 if failed else 0


# ---- compose helpers ----

INTERP = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(value):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default} and $$, from the environment."""
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v) for v in value]
    if not isinstance(value, str):
        return value

    def one(m):
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3) or ""
        env = os.environ.get(name)
        if op in (":-", ":?"):
            return env if env else arg
        if op in ("-", "?"):
            return env if env is not None else arg
        if op == ":+":
            return arg if env else ""
        if op == "+":
            return arg if env is not None else ""
        return env or ""
    return INTERP.sub(one, value)


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def depends_on(service):
    deps = service.get("depends_on") or []
    return list(deps) if isinstance(deps, (list, dict)) else [deps]


def host_ports(spec):
    """(host_ip, [host ports]) a port entry publishes; host_ip None = all interfaces."""
    if isinstance(spec, dict):
        published = spec.get("published")
        ip = spec.get("host_ip")
        if published in (None, ""):
            return ip, []  # an ephemeral host port
        return ip, expand(str(published))
    text = str(spec).split("/", 1)[0]
    ip = None
    m = re.match(r"^\[([^\]]+)\]:(.*)$", text) or re.match(r"^(\d+\.\d+\.\d+\.\d+):(.*)$", text)
    if m:
        ip, text = m.group(1), m.group(2)
    parts = text.split(":")
    if len(parts) == 1:
        return ip, []  # container port only: an ephemeral host port
    return ip, expand(parts[0]) if parts[0] else []


def expand(ports):
    if "-" in ports:
        lo, hi = ports.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    return [int(ports)]


# ---- Dockerfile helpers ----

def dockerfile_instructions(path):
    """(instruction, arguments) of a Dockerfile, continuation lines joined."""
    out, current = [], ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            stripped = line.strip()
            if not current and (not stripped or stripped.startswith("#")):
                continue
            if current and stripped.startswith("#"):
                continue  # a comment inside a continued instruction
            if stripped.endswith("\\"):
                current += stripped[:-1] + " "
                continue
            current += stripped
            word, _, rest = current.partition(" ")
            out.append((word.upper(), rest.strip()))
            current = ""
    return out


def copy_sources(args):
    """Sources of COPY/ADD arguments taken from the build context; None for --from copies."""
    if args.startswith("["):
        words = json.loads(args)
    else:
        words = args.split()
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    if any(f.startswith("--from=") for f in flags):
        return None
    return paths[:-1]


# ---- libconfuse key names ----

CONF_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|\'[^\']*\'|#[^\n]*|//[^\n]*|/\*.*?\*/', re.S)
CONF_KEYS = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)\s*(=|\{)|(\})")


def conf_keys(text):
    """Qualified key names (section.key) set in a libconfuse file."""
    text = CONF_TOKENS.sub(lambda m: '""' if m.group(0)[0] in "\"'" else " ", text)
    keys, sections = set(), []
    for m in CONF_KEYS.finditer(text):
        if m.group(3):
            if sections:
                sections.pop()
        elif m.group(2) == "{":
            sections.append(m.group(1))
            keys.add(".".join(sections))
        else:
            keys.add(".".join(sections + [m.group(1)]))
    return keys


# ---- monitoring (prometheus and grafana services) ----

def bind_mounts(service, compose_dir):
    """{container path: host path} of a service's bind mounts (./x:/y[:ro])."""
    out = {}
    for v in service.get("volumes") or []:
        source, target = (v.split(":")[:2] + [""])[:2] if isinstance(v, str) else (v.get("source", ""), v.get("target", ""))
        if source.startswith((".", "/")) and target:
            out[target.rstrip("/")] = os.path.normpath(os.path.join(compose_dir, source))
    return out


def host_path(mounts, container_path):
    """The host file behind a container path, through the mount that holds it; None if none."""
    for target, source in mounts.items():
        if container_path == target or container_path.startswith(target + "/"):
            return source + container_path[len(target):]
    return None


def load_yaml(path, problems):
    import yaml
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as e:
        problems.append(f"{path}: {str(e).splitlines()[0]}")
        return {}


def prometheus_checks(tap, services, compose_dir, metrics_port):
    mounts = bind_mounts(services.get("prometheus") or {}, compose_dir)
    config = host_path(mounts, "/etc/prometheus/prometheus.yml")
    problems = [] if config else ["no prometheus.yml is mounted at /etc/prometheus/prometheus.yml"]
    doc = load_yaml(config, problems) if config else {}
    targets = [t for job in doc.get("scrape_configs") or [] for sc in job.get("static_configs") or []
               for t in sc.get("targets") or []]
    if f"housingsup:{metrics_port}" not in targets:
        problems.append(f"no scrape target housingsup:{metrics_port} (metrics_port) in {targets}")
    rules = []
    for r in doc.get("rule_files") or []:
        path = host_path(mounts, r)
        if path is None or not os.path.isfile(path):
            problems.append(f"rule file {r} is not mounted from a file of the repository")
        else:
            rules.append(path)
    tap.check("prometheus scrapes housingsup's metrics port and loads mounted rule files", problems)
    problems = [] if rules else ["no rule file"]
    for path in rules:
        for group in load_yaml(path, problems).get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" in rule and not (rule.get("expr") and (rule.get("annotations") or {}).get("summary")):
                    problems.append(f"{os.path.basename(path)}: alert {rule['alert']} lacks expr or summary")
    tap.check("every alerting rule has an expression and a summary", problems)


def grafana_checks(tap, services, compose_dir):
    mounts = bind_mounts(services.get("grafana") or {}, compose_dir)
    provisioning = host_path(mounts, "/etc/grafana/provisioning")
    problems, uids = [], set()
    for path in sorted(glob.glob(os.path.join(provisioning or "/nonexistent", "datasources", "*.y*ml"))):
        for ds in load_yaml(path, problems).get("datasources") or []:
            uids.add(ds.get("uid"))
            if ds.get("type") == "prometheus" and not str(ds.get("url", "")).startswith("http://prometheus:9090"):
                problems.append(f"datasource {ds.get('name')} points at {ds.get('url')}, not the prometheus service")
    if not uids:
        problems.append("no datasource is provisioned under /etc/grafana/provisioning/datasources")
    tap.check("grafana's provisioned datasource is the prometheus service", problems)
    problems, dashboards = [], []
    for path in sorted(glob.glob(os.path.join(provisioning or "/nonexistent", "dashboards", "*.y*ml"))):
        for provider in load_yaml(path, problems).get("providers") or []:
            folder = host_path(mounts, (provider.get("options") or {}).get("path", ""))
            if folder is None or not os.path.isdir(folder):
                problems.append(f"provider {provider.get('name')}: its path is not a mounted directory")
            else:
                dashboards += sorted(glob.glob(os.path.join(folder, "*.json")))
    problems += [] if dashboards else ["no dashboard JSON is provisioned"]
    for path in dashboards:
        problems += dashboard_problems(path, uids)
    tap.check("grafana's provisioned dashboards parse, and every panel queries a provisioned datasource", problems)


def dashboard_problems(path, uids):
    try:
        with open(path, encoding="utf-8") as f:
            dashboard = json.load(f)
    except (OSError, ValueError) as e:
        return [f"{os.path.basename(path)}: {e}"]
    problems = []
    for panel in dashboard.get("panels") or []:
        title = panel.get("title")
        targets = panel.get("targets") or []
        if not targets or not all(t.get("expr") for t in targets):
            problems.append(f"panel {title!r} has a target without an expression")
        for ref in [panel.get("datasource")] + [t.get("datasource") for t in targets]:
            if isinstance(ref, dict) and ref.get("uid") not in uids:
                problems.append(f"panel {title!r} uses datasource uid {ref.get('uid')!r}, not provisioned")
    return problems


# ---- secrets ----

SECRETS_DIR = "/run/secrets/"


def secret_targets(service):
    """{path in the container: secret name} of the secrets a service mounts."""
    out = {}
    for entry in service.get("secrets") or []:
        name = entry if isinstance(entry, str) else entry.get("source")
        target = name if isinstance(entry, str) else entry.get("target") or name
        out[target if target.startswith("/") else SECRETS_DIR + target] = name
    return out


def conf_values(text, key):
    """The string values set for `key` in a libconfuse text."""
    return re.findall(rf'(?<![A-Za-z0-9_]){re.escape(key)}\s*=\s*"((?:\\.|[^"\\])*)"', text)


def secrets_defined_check(tap, doc, services, compose_dir):
    named = doc.get("secrets") or {}
    problems = [f"{name}: secret {source} is not defined"
                for name, s in services.items() for source in secret_targets(s).values()
                if source not in named]
    for name, spec in named.items():
        path = (spec or {}).get("file")
        if path is not None and not os.path.isfile(os.path.join(compose_dir, path)):
            problems.append(f"secret {name}: file {path} does not exist")
    tap.check("every secret a service uses is defined, and each secret's file exists", problems)


def postgres_secret_check(tap, services):
    pg = services.get("postgres") or {}
    env, mounted = environment(pg), secret_targets(pg)
    problems = ["POSTGRES_PASSWORD is set in the environment"] if "POSTGRES_PASSWORD" in env else []
    path = env.get("POSTGRES_PASSWORD_FILE")
    if path not in mounted:
        problems.append(f"POSTGRES_PASSWORD_FILE={path} is not a secret it mounts")
    tap.check("postgres reads its password from a secret (POSTGRES_PASSWORD_FILE)", problems)
    return mounted.get(path)


def housingsup_secret_check(tap, hs, content, pg_secret):
    """housingsup's passwords: *_file keys naming secrets it mounts, none inline."""
    mounted = secret_targets(hs)
    problems = [f"{k} is set in its environment" for k in environment(hs) if "PASSWORD" in k.upper()]
    problems += [f"{k} holds a password inline" for k in ("sasl_password", "ssl_key_password")
                 if any(conf_values(content, k))]
    problems += ["postgres.conninfo holds a password" for v in conf_values(content, "conninfo")
                 if re.search(r"(^|\s)password\s*=|://[^/@]*:[^/@]*@", v)]
    files = {k: conf_values(content, k) for k in ("sasl_password_file", "ssl_key_password_file", "password_file")}
    problems += [f"{k} = {v} is not a secret it mounts" for k, vs in files.items() for v in vs if v not in mounted]
    pg_files = files["password_file"]
    if pg_secret and [mounted.get(v) for v in pg_files] != [pg_secret]:
        problems.append(f"postgres.password_file does not name PostgreSQL's secret {pg_secret}")
    tap.check("housingsup reads its passwords from secrets (*_file keys), none inline", problems)


# ---- the checks ----

def schema_check(tap, doc):
    description = "matches the Compose Specification JSON schema"
    try:
        import importlib.resources
        import jsonschema
        schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
    except (ImportError, FileNotFoundError, ModuleNotFoundError) as e:
        tap.check(description, skip=f"needs check-jsonschema and jsonschema ({e})")
        return
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    tap.check(description, [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                            for e in errors[:5]])


def kafka_checks(tap, services):
    kafka = services.get("kafka") or {}
    env = environment(kafka)
    missing = [k for k in ("KAFKA_PROCESS_ROLES", "KAFKA_CONTROLLER_QUORUM_VOTERS",
                           "KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_NODE_ID", "CLUSTER_ID")
               if not env.get(k)]
    zk = [f"{name}: {k}" for name, s in services.items() for k in environment(s) if "ZOOKEEPER" in k.upper()]
    zk += [f"service {name}" for name, s in services.items()
           if "zookeeper" in name.lower() or "zookeeper" in str(s.get("image", "")).lower()]
    roles = {r.strip() for r in env.get("KAFKA_PROCESS_ROLES", "").split(",")}
    bad_roles = [] if roles >= {"controller"} else [f"KAFKA_PROCESS_ROLES={env.get('KAFKA_PROCESS_ROLES')} has no controller"]
    tap.check("kafka runs in KRaft mode (process roles, controller quorum, cluster id; no ZooKeeper)",
              [f"missing {k}" for k in missing] + [f"ZooKeeper setting {z}" for z in zk] + bad_roles)

    def names(value):
        return {l.split("://", 1)[0] for l in value.split(",") if "://" in l}
    listeners, advertised = names(env.get("KAFKA_LISTENERS", "")), names(env.get("KAFKA_ADVERTISED_LISTENERS", ""))
    protocol_map = {p.split(":", 1)[0] for p in env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").split(",") if p}
    controller = set(env.get("KAFKA_CONTROLLER_LISTENER_NAMES", "").split(",")) - {""}
    inter = env.get("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
    problems = [f"advertised listener {n} is not in KAFKA_LISTENERS" for n in sorted(advertised - listeners)]
    problems += [f"listener {n} has no security protocol" for n in sorted(listeners - protocol_map - {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"})]
    problems += [f"controller listener {n} is not in KAFKA_LISTENERS" for n in sorted(controller - listeners)]
    problems += [f"controller listener {n} must not be advertised" for n in sorted(controller & advertised)]
    if listeners and inter not in advertised:
        problems.append(f"inter-broker listener {inter} is not advertised")
    tap.check("kafka listeners are consistent (advertised, controller, protocol map, inter-broker)",
              problems if listeners else ["KAFKA_LISTENERS is not set"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.dirname(here), help="the repository (default: this one)")
    parser.add_argument("--compose", help="the compose file (default: ROOT/docker-compose.yml)")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    compose_path = args.compose or os.path.join(root, "docker-compose.yml")
    compose_dir = os.path.dirname(os.path.abspath(compose_path))
    tap = Tap()

    try:
        import yaml
    except ImportError:
        tap.check("PyYAML is installed", ["missing; apt-get install python3-yaml"])
        return tap.report()
    try:
        with open(compose_path, encoding="utf-8") as f:
            doc = interpolate(yaml.safe_load(f))
        if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
            raise ValueError("no services mapping")
    except (OSError, yaml.YAMLError, ValueError) as e:
        tap.check(f"{os.path.basename(compose_path)} parses", [str(e).replace("\n", " ")])
        return tap.report()
    tap.check(f"{os.path.basename(compose_path)} parses")
    services = doc["services"]

    schema_check(tap, doc)
    tap.check("required services are defined (" + ", ".join(REQUIRED_SERVICES) + ")",
              [f"missing {s}" for s in REQUIRED_SERVICES if s not in services])
    kafka_checks(tap, services)

    image = str((services.get("postgres") or {}).get("image", ""))
    m = re.match(r"^(?:[^/]+/)*postgres:(\d+)", image)
    tap.check("postgres runs PostgreSQL 15",
              [] if m and m.group(1) == "15" else [f"image is {image or 'not set'}"])

    mounts = [v if isinstance(v, str) else f"{v.get('source')}:{v.get('target')}"
              for v in (services.get("postgres") or {}).get("volumes") or []]
    init = [v for v in mounts if v.split(":")[0].endswith("init.sql")
            and ":/docker-entrypoint-initdb.d/" in v]
    problems = [] if init else ["init.sql is not mounted into /docker-entrypoint-initdb.d/"]
    problems += [f"{v.split(':')[0]} does not exist" for v in init
                 if not os.path.isfile(os.path.join(compose_dir, v.split(":")[0]))]
    tap.check("postgres mounts init.sql, and the file exists", problems)

    tap.check("every depends_on names a defined service",
              [f"{name} depends on undefined {d}" for name, s in services.items()
               for d in depends_on(s) if d not in services])

    open_ports, seen, twice = [], {}, []
    for name, s in services.items():
        for spec in s.get("ports") or []:
            ip, ports = host_ports(spec)
            if ip != "127.0.0.1":
                open_ports.append(f"{name} publishes {spec!r} on {ip or 'all interfaces'}")
            for p in ports:
                if p in seen:
                    twice.append(f"host port {p}: {seen[p]} and {name}")
                seen[p] = name
    tap.check("every published port binds 127.0.0.1", open_ports)
    tap.check("no host port is published twice", twice)

    named_volumes, named_configs = doc.get("volumes") or {}, doc.get("configs") or {}
    problems = []
    for name, s in services.items():
        for v in s.get("volumes") or []:
            source = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
            if source and not source.startswith((".", "/", "~", "$")) and source not in named_volumes:
                problems.append(f"{name}: volume {source} is not defined")
        for c in s.get("configs") or []:
            source = c if isinstance(c, str) else c.get("source")
            if source not in named_configs:
                problems.append(f"{name}: config {source} is not defined")
    tap.check("every named volume and config a service uses is defined", problems)
    tap.check("every bind-mounted file or directory exists",
              [f"{name}: {source} does not exist" for name, s in services.items()
               for source in bind_mounts(s, compose_dir).values() if not os.path.exists(source)])
    secrets_defined_check(tap, doc, services, compose_dir)
    pg_secret = postgres_secret_check(tap, services)

    # housingsup: its build and its configuration
    hs = services.get("housingsup") or {}
    build = hs.get("build")
    context = build if isinstance(build, str) else (build or {}).get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else (build or {}).get("dockerfile", "Dockerfile")
    context_dir = os.path.normpath(os.path.join(compose_dir, context or "."))
    dockerfile_path = os.path.join(context_dir, dockerfile)
    if not build:
        tap.check("housingsup is built from this repository", ["it has no build section"])
    elif not os.path.isfile(dockerfile_path):
        tap.check("housingsup is built from this repository", [f"{dockerfile_path} does not exist"])
    else:
        tap.check("housingsup is built from this repository")
        missing = []
        for instruction, arguments in dockerfile_instructions(dockerfile_path):
            if instruction not in ("COPY", "ADD"):
                continue
            for source in copy_sources(arguments) or []:
                if re.match(r"^[a-z]+://", source):
                    continue
                if not glob.glob(os.path.join(context_dir, source)):
                    missing.append(f"{instruction} {source}")
        tap.check(f"every COPY source of {os.path.relpath(dockerfile_path, root)} exists",
                  [f"{m} does not exist" for m in missing])

    def words(value):
        return value if isinstance(value, list) else str(value).split() if value else []
    command = words(hs.get("entrypoint")) + words(hs.get("command"))
    conf_path = command[command.index("-c") + 1] if "-c" in command[:-1] else None
    mounted = {(c.get("target") if isinstance(c, dict) else f"/{c}"): (c.get("source") if isinstance(c, dict) else c)
               for c in hs.get("configs") or []}
    source = mounted.get(conf_path)
    content = (named_configs.get(source) or {}).get("content") if source else None
    if content is None:
        tap.check("housingsup runs with the compose configuration",
                  [f"-c {conf_path} is not a config with inline content" if conf_path else "no -c FILE"])
        return tap.report()
    tap.check("housingsup runs with the compose configuration")
    reference = os.path.join(root, "config", "housingsup.conf")
    with open(reference, encoding="utf-8") as f:
        known = conf_keys(f.read())
    tap.check("the compose configuration uses only keys of config/housingsup.conf",
              [f"unknown key {k}" for k in sorted(conf_keys(content) - known)])
    m = re.search(r"^\s*metrics_port\s*=\s*(\d+)", content, re.M)
    prometheus_checks(tap, services, compose_dir, m.group(1) if m else "(no metrics_port)")
    grafana_checks(tap, services, compose_dir)
    housingsup_secret_check(tap, hs, content, pg_secret)
    return tap.report()


if __name__ == "__main__":
    sys.exit(main())
