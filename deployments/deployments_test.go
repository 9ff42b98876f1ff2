package deployments

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"assetflow/infrastructure/bus"
)

// Paths are relative to this package directory, where `go test` runs.
const (
	composeFile   = "compose/docker-compose.yml"
	envExample    = "compose/.env.example"
	topicsScript  = "compose/kafka/create-topics.sh"
	initdbScript  = "compose/postgres/initdb/10-example-datasource.sh"
	k8sDir        = "k8s"
	kustomization = "k8s/kustomization.yaml"
	readme        = "README.md"
	dockerfile    = "../Dockerfile"
	dockerignore  = "../.dockerignore"
)

// expectedTopics are the topics the platform uses (the context topics, the poison topic and the
// ETL-log topic), as the code names them: manifests that create topics must create exactly these,
// since the brokers they configure do not create topics on first use.
func expectedTopics() []string { return bus.Topics() }

// ---------------------------------------------------------------- helpers

// decodeAll decodes every YAML document of a file (empty documents skipped).
func decodeAll(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, len(docs)+1, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

func mustDecodeAll(t *testing.T, path string) []map[string]any {
	t.Helper()
	docs, err := decodeAll(path)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func yamlFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, filepath.ToSlash(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// dig walks nested maps (string keys) and lists (int indexes).
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k < 0 || k >= len(l) {
				return nil
			}
			v = l[k]
		default:
			return nil
		}
	}
	return v
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func mapping(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func strList(v any) []string {
	var out []string
	for _, e := range list(v) {
		out = append(out, str(e))
	}
	return out
}

func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// listenerPort returns the port of the named listener in a Kafka listener
// list such as "PLAINTEXT://:9092,CONTROLLER://:9093".
func listenerPort(listeners, name string) string {
	for _, l := range splitCSV(listeners) {
		if rest, ok := strings.CutPrefix(l, name+"://"); ok {
			if i := strings.LastIndex(rest, ":"); i >= 0 {
				return rest[i+1:]
			}
		}
	}
	return ""
}

// quorumVoters parses "1@host:9093,2@host:9093" into id -> host:port.
func quorumVoters(t *testing.T, s string) map[int]string {
	t.Helper()
	voters := map[int]string{}
	for _, v := range splitCSV(s) {
		id, addr, ok := strings.Cut(v, "@")
		if !ok {
			t.Fatalf("voter %q: want id@host:port", v)
		}
		n, err := strconv.Atoi(id)
		if err != nil {
			t.Fatalf("voter %q: id: %v", v, err)
		}
		if _, dup := voters[n]; dup {
			t.Fatalf("voter id %d listed twice in %q", n, s)
		}
		voters[n] = addr
	}
	return voters
}

// -------------------------------------------------------------- compose

type compose struct {
	raw      string
	services map[string]map[string]any
	volumes  map[string]any
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	docs := mustDecodeAll(t, composeFile)
	if len(docs) != 1 {
		t.Fatalf("%s: want 1 document, got %d", composeFile, len(docs))
	}
	// raw keeps the text without comment lines: compose interpolates values only.
	var raw []string
	for _, line := range strings.Split(readFile(t, composeFile), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			raw = append(raw, line)
		}
	}
	c := compose{raw: strings.Join(raw, "\n"), services: map[string]map[string]any{}}
	for name, svc := range mapping(docs[0]["services"]) {
		c.services[name] = mapping(svc)
	}
	c.volumes = mapping(docs[0]["volumes"])
	return c
}

// env returns a service's environment whether written as a map or a list.
func (c compose) env(service string) map[string]string {
	out := map[string]string{}
	switch e := c.services[service]["environment"].(type) {
	case map[string]any:
		for k, v := range e {
			out[k] = str(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(str(kv), "=")
			out[k] = v
		}
	}
	return out
}

// dependsOn returns dependency -> condition ("" for the short list form).
func (c compose) dependsOn(service string) map[string]string {
	out := map[string]string{}
	switch d := c.services[service]["depends_on"].(type) {
	case map[string]any:
		for k, v := range d {
			out[k] = str(dig(v, "condition"))
		}
	case []any:
		for _, k := range d {
			out[str(k)] = ""
		}
	}
	return out
}

func (c compose) command(service string) []string {
	switch v := c.services[service]["command"].(type) {
	case string:
		return strings.Fields(v)
	default:
		return strList(v)
	}
}

// kafkaBrokers lists the services running a combined KRaft broker+controller.
func (c compose) kafkaBrokers() []string {
	var out []string
	for name, svc := range c.services {
		roles := c.env(name)["KAFKA_PROCESS_ROLES"]
		if strings.Contains(str(svc["image"]), "apache/kafka") &&
			strings.Contains(roles, "broker") && strings.Contains(roles, "controller") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// assetflowReplicas lists the services running `assetflow serve`.
func (c compose) assetflowReplicas() []string {
	var out []string
	for name, svc := range c.services {
		if strings.Contains(str(svc["image"]), "ASSETFLOW_IMAGE") && slices.Equal(c.command(name), []string{"serve"}) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// volumeMounts returns the "source:target[:mode]" short-form mounts.
func (c compose) volumeMounts(service string) [][]string {
	var out [][]string
	for _, v := range list(c.services[service]["volumes"]) {
		out = append(out, strings.Split(str(v), ":"))
	}
	return out
}

// envExampleVars parses KEY=VALUE lines of the env file example.
func envExampleVars(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(readFile(t, envExample)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: malformed line %q", envExample, line)
		}
		vars[k] = v
	}
	return vars
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?([^}]*)\}`)

// -------------------------------------------------------------- k8s

type object struct {
	file string
	doc  map[string]any
}

func (o object) kind() string { return str(o.doc["kind"]) }
func (o object) name() string { return str(dig(o.doc, "metadata", "name")) }

func loadK8s(t *testing.T) []object {
	t.Helper()
	var objs []object
	for _, f := range yamlFiles(t, k8sDir) {
		if f == kustomization {
			continue
		}
		for _, d := range mustDecodeAll(t, f) {
			objs = append(objs, object{file: f, doc: d})
		}
	}
	return objs
}

func find(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if o.kind() == kind && o.name() == name {
			return o
		}
	}
	t.Fatalf("no %s %q in %s", kind, name, k8sDir)
	return object{}
}

func podSpec(o object) map[string]any {
	return mapping(dig(o.doc, "spec", "template", "spec"))
}

func container(o object, name string) map[string]any {
	for _, c := range list(podSpec(o)["containers"]) {
		if str(dig(c, "name")) == name {
			return mapping(c)
		}
	}
	return nil
}

func containerEnv(c map[string]any) map[string]string {
	out := map[string]string{}
	for _, e := range list(c["env"]) {
		out[str(dig(e, "name"))] = str(dig(e, "value"))
	}
	return out
}

func envFromRefs(c map[string]any) []string {
	var out []string
	for _, e := range list(c["envFrom"]) {
		if n := str(dig(e, "configMapRef", "name")); n != "" {
			out = append(out, "ConfigMap/"+n)
		}
		if n := str(dig(e, "secretRef", "name")); n != "" {
			out = append(out, "Secret/"+n)
		}
	}
	sort.Strings(out)
	return out
}

func labelsMatch(selector, labels map[string]any) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if str(labels[k]) != str(v) {
			return false
		}
	}
	return true
}

func workloads(objs []object) []object {
	var out []object
	for _, o := range objs {
		switch o.kind() {
		case "Deployment", "StatefulSet", "Job", "DaemonSet":
			out = append(out, o)
		}
	}
	return out
}

// ============================================================== tests

func TestYAMLFilesParse(t *testing.T) {
	t.Parallel()
	files := yamlFiles(t, ".")
	for _, want := range []string{composeFile, kustomization} {
		if !slices.Contains(files, want) {
			t.Fatalf("%s not found among %v", want, files)
		}
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			docs, err := decodeAll(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) == 0 {
				t.Fatalf("%s holds no YAML document", f)
			}
		})
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"three kafka brokers in KRaft mode with a full quorum", func(t *testing.T) {
			brokers := c.kafkaBrokers()
			if len(brokers) != 3 {
				t.Fatalf("want 3 KRaft broker+controller services, got %v", brokers)
			}
			first := c.env(brokers[0])
			voters := quorumVoters(t, first["KAFKA_CONTROLLER_QUORUM_VOTERS"])
			if len(voters) != 3 {
				t.Fatalf("quorum voters %v: want 3", voters)
			}
			seen := map[int]bool{}
			for _, b := range brokers {
				env := c.env(b)
				for _, k := range []string{"CLUSTER_ID", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_INTER_BROKER_LISTENER_NAME"} {
					if env[k] == "" || env[k] != first[k] {
						t.Errorf("%s: %s = %q, want the same non-empty value on every broker (%q)", b, k, env[k], first[k])
					}
				}
				id, err := strconv.Atoi(env["KAFKA_NODE_ID"])
				if err != nil {
					t.Fatalf("%s: KAFKA_NODE_ID %q: %v", b, env["KAFKA_NODE_ID"], err)
				}
				if seen[id] {
					t.Errorf("%s: KAFKA_NODE_ID %d used twice", b, id)
				}
				seen[id] = true
				ctrlPort := listenerPort(env["KAFKA_LISTENERS"], env["KAFKA_CONTROLLER_LISTENER_NAMES"])
				if ctrlPort == "" {
					t.Errorf("%s: no %s listener in KAFKA_LISTENERS %q", b, env["KAFKA_CONTROLLER_LISTENER_NAMES"], env["KAFKA_LISTENERS"])
				}
				if want := b + ":" + ctrlPort; voters[id] != want {
					t.Errorf("%s: quorum voter %d is %q, want %q", b, id, voters[id], want)
				}
				if !strings.Contains(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], env["KAFKA_CONTROLLER_LISTENER_NAMES"]+":") {
					t.Errorf("%s: controller listener missing from the security protocol map", b)
				}
				adv := env["KAFKA_ADVERTISED_LISTENERS"]
				if !strings.Contains(adv, "://"+b+":") || strings.Contains(adv, "CONTROLLER") {
					t.Errorf("%s: KAFKA_ADVERTISED_LISTENERS %q must advertise the service name and no controller listener", b, adv)
				}
			}
		}},
		{"kafka replicates every topic three times", func(t *testing.T) {
			want := map[string]string{
				"KAFKA_DEFAULT_REPLICATION_FACTOR":               "3",
				"KAFKA_MIN_INSYNC_REPLICAS":                      "2",
				"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR":         "3",
				"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "3",
				"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR":            "2",
				"KAFKA_AUTO_CREATE_TOPICS_ENABLE":                "false",
				"KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE":           "false",
			}
			for _, b := range c.kafkaBrokers() {
				env := c.env(b)
				for k, v := range want {
					if env[k] != v {
						t.Errorf("%s: %s = %q, want %q", b, k, env[k], v)
					}
				}
				if env["KAFKA_LOG_DIRS"] == "" || strings.HasPrefix(env["KAFKA_LOG_DIRS"], "/tmp") {
					t.Errorf("%s: KAFKA_LOG_DIRS %q must be on the data volume", b, env["KAFKA_LOG_DIRS"])
				}
				if c.services[b]["healthcheck"] == nil {
					t.Errorf("%s: no healthcheck", b)
				}
			}
		}},
		{"topic init creates every topic with 12 partitions", func(t *testing.T) {
			env := c.env("kafka-init")
			if got := splitCSV(env["TOPICS"]); !slices.Equal(got, expectedTopics()) {
				t.Errorf("TOPICS = %v, want %v", got, expectedTopics())
			}
			if env["TOPIC_PARTITIONS"] != "12" || env["TOPIC_REPLICATION_FACTOR"] != "3" || env["TOPIC_MIN_INSYNC_REPLICAS"] != "2" {
				t.Errorf("partitions/replication/min ISR = %s/%s/%s, want 12/3/2",
					env["TOPIC_PARTITIONS"], env["TOPIC_REPLICATION_FACTOR"], env["TOPIC_MIN_INSYNC_REPLICAS"])
			}
			deps := c.dependsOn("kafka-init")
			for _, b := range c.kafkaBrokers() {
				if deps[b] != "service_healthy" {
					t.Errorf("kafka-init must wait for %s to be healthy, got %q", b, deps[b])
				}
				if !strings.Contains(env["BOOTSTRAP_SERVERS"], b+":") {
					t.Errorf("BOOTSTRAP_SERVERS %q misses %s", env["BOOTSTRAP_SERVERS"], b)
				}
			}
			if !strings.Contains(strings.Join(strList(c.services["kafka-init"]["entrypoint"]), " "), "create-topics.sh") {
				t.Errorf("kafka-init does not run create-topics.sh")
			}
		}},
		{"assetflow replicas share secret key and broker sources", func(t *testing.T) {
			replicas := c.assetflowReplicas()
			if len(replicas) < 2 {
				t.Fatalf("want at least 2 assetflow serve replicas, got %v", replicas)
			}
			first := c.env(replicas[0])
			for _, k := range []string{"ASSETFLOW_SECRET_KEY", "ASSETFLOW_KAFKA_BROKERS", "ASSETFLOW_DATABASE_URL"} {
				if first[k] == "" {
					t.Fatalf("%s: %s not set", replicas[0], k)
				}
				for _, r := range append(replicas[1:], "migrate") {
					if got := c.env(r)[k]; got != first[k] {
						t.Errorf("%s: %s = %q, want the same source as %s (%q)", r, k, got, replicas[0], first[k])
					}
				}
			}
			if m := interpolation.FindStringSubmatch(first["ASSETFLOW_SECRET_KEY"]); m == nil || m[1] != "ASSETFLOW_SECRET_KEY" {
				t.Errorf("ASSETFLOW_SECRET_KEY must come from the env file, got %q", first["ASSETFLOW_SECRET_KEY"])
			}
			brokers := splitCSV(first["ASSETFLOW_KAFKA_BROKERS"])
			if len(brokers) != len(c.kafkaBrokers()) {
				t.Errorf("ASSETFLOW_KAFKA_BROKERS %v: want one entry per broker %v", brokers, c.kafkaBrokers())
			}
			for _, b := range c.kafkaBrokers() {
				adv := strings.TrimPrefix(c.env(b)["KAFKA_ADVERTISED_LISTENERS"], "PLAINTEXT://")
				if !slices.Contains(brokers, adv) {
					t.Errorf("ASSETFLOW_KAFKA_BROKERS %v misses %s", brokers, adv)
				}
			}
			for _, r := range replicas {
				if got := c.env(r)["ASSETFLOW_HTTP_ADDR"]; got != "0.0.0.0:8080" {
					t.Errorf("%s: ASSETFLOW_HTTP_ADDR = %q, want 0.0.0.0:8080", r, got)
				}
				if got := c.env(r)["ASSETFLOW_DEMO"]; got != "false" {
					t.Errorf("%s: ASSETFLOW_DEMO = %q, want false", r, got)
				}
			}
		}},
		{"assetflow replicas have a healthcheck on /healthz", func(t *testing.T) {
			for _, r := range c.assetflowReplicas() {
				test := strings.Join(strList(dig(c.services[r], "healthcheck", "test")), " ")
				if !strings.Contains(test, "/healthz") {
					t.Errorf("%s: healthcheck %q does not probe /healthz", r, test)
				}
			}
		}},
		{"assetflow replicas start after migrate, topics and healthy kafka", func(t *testing.T) {
			for _, r := range c.assetflowReplicas() {
				deps := c.dependsOn(r)
				if deps["migrate"] != "service_completed_successfully" {
					t.Errorf("%s: depends_on migrate = %q, want service_completed_successfully", r, deps["migrate"])
				}
				if deps["kafka-init"] != "service_completed_successfully" {
					t.Errorf("%s: depends_on kafka-init = %q, want service_completed_successfully", r, deps["kafka-init"])
				}
				for _, b := range append(c.kafkaBrokers(), "postgres") {
					if deps[b] != "service_healthy" {
						t.Errorf("%s: depends_on %s = %q, want service_healthy", r, b, deps[b])
					}
				}
			}
		}},
		{"migrate runs the same image once", func(t *testing.T) {
			m := c.services["migrate"]
			if m == nil {
				t.Fatal("no migrate service")
			}
			if got := c.command("migrate"); !slices.Equal(got, []string{"migrate"}) {
				t.Errorf("migrate command = %v, want [migrate]", got)
			}
			if str(m["restart"]) != "no" {
				t.Errorf("migrate restart = %q, want \"no\"", str(m["restart"]))
			}
			for _, r := range c.assetflowReplicas() {
				if str(c.services[r]["image"]) != str(m["image"]) {
					t.Errorf("%s image %q differs from migrate image %q", r, c.services[r]["image"], m["image"])
				}
			}
			if c.dependsOn("migrate")["postgres"] != "service_healthy" {
				t.Errorf("migrate must wait for a healthy postgres")
			}
		}},
		{"postgres 16 with a volume and a healthcheck", func(t *testing.T) {
			pg := c.services["postgres"]
			if pg == nil {
				t.Fatal("no postgres service")
			}
			if !strings.Contains(str(pg["image"]), "postgres:16") {
				t.Errorf("postgres image %q, want postgres:16", pg["image"])
			}
			if !strings.Contains(strings.Join(strList(dig(pg, "healthcheck", "test")), " "), "pg_isready") {
				t.Errorf("postgres healthcheck must use pg_isready")
			}
			var data bool
			for _, m := range c.volumeMounts("postgres") {
				if len(m) >= 2 && m[1] == "/var/lib/postgresql/data" {
					data = true
				}
			}
			if !data {
				t.Errorf("postgres has no volume on /var/lib/postgresql/data")
			}
		}},
		{"trino exposes postgres as an example catalog", func(t *testing.T) {
			tr := c.services["trino"]
			if tr == nil || !strings.Contains(str(tr["image"]), "trinodb/trino") {
				t.Fatalf("no trinodb/trino service")
			}
			var catalogDir string
			for _, m := range c.volumeMounts("trino") {
				if len(m) >= 2 && m[1] == "/etc/trino/catalog" {
					catalogDir = filepath.Join("compose", m[0])
				}
			}
			if catalogDir == "" {
				t.Fatal("trino: no catalog mount on /etc/trino/catalog")
			}
			props := readFile(t, filepath.Join(catalogDir, "warehouse.properties"))
			if !strings.Contains(props, "connector.name=postgresql") || !strings.Contains(props, "jdbc:postgresql://postgres:5432/") {
				t.Errorf("warehouse catalog must use the postgresql connector on the postgres service:\n%s", props)
			}
			if !strings.Contains(props, "${ENV:") {
				t.Errorf("warehouse catalog must read its password from the environment")
			}
		}},
		{"load balancer on 8080 routes to every replica", func(t *testing.T) {
			lb := c.services["lb"]
			if lb == nil {
				t.Fatal("no lb service")
			}
			var published bool
			for _, p := range strList(lb["ports"]) {
				host, _, _ := strings.Cut(p, ":8080")
				if strings.HasSuffix(p, ":8080") && strings.Contains(host, "8080") {
					published = true
				}
			}
			if !published {
				t.Errorf("lb ports %v: want 8080 published", lb["ports"])
			}
			var conf string
			for _, m := range c.volumeMounts("lb") {
				if len(m) >= 2 && m[1] == "/etc/nginx/nginx.conf" {
					conf = readFile(t, filepath.Join("compose", m[0]))
				}
			}
			if conf == "" {
				t.Fatal("lb: nginx.conf not mounted")
			}
			for _, r := range c.assetflowReplicas() {
				if !regexp.MustCompile(`(?m)^\s*server\s+` + regexp.QuoteMeta(r) + `:8080\b`).MatchString(conf) {
					t.Errorf("nginx.conf has no upstream server %s:8080", r)
				}
				if c.dependsOn("lb")[r] != "service_healthy" {
					t.Errorf("lb must wait for %s to be healthy", r)
				}
			}
		}},
		{"env file example defines every required variable", func(t *testing.T) {
			vars := envExampleVars(t)
			for _, idx := range interpolation.FindAllStringSubmatchIndex(c.raw, -1) {
				if idx[0] > 0 && c.raw[idx[0]-1] == '$' {
					continue // $${VAR}: expanded inside the container, not by compose
				}
				name := c.raw[idx[2]:idx[3]]
				hasDefault := idx[4] >= 0 && strings.HasSuffix(c.raw[idx[4]:idx[5]], "-")
				if _, ok := vars[name]; !ok && !hasDefault {
					t.Errorf("%s uses ${%s} without a default, but %s does not define it", composeFile, name, envExample)
				}
			}
			for _, k := range []string{"ASSETFLOW_SECRET_KEY", "ASSETFLOW_ADMIN_PASSWORD", "POSTGRES_PASSWORD", "WAREHOUSE_DB_PASSWORD"} {
				if v, ok := vars[k]; !ok || !strings.Contains(v, "CHANGE_ME") {
					t.Errorf("%s: %s = %q, want a CHANGE_ME placeholder", envExample, k, v)
				}
			}
		}},
		{"mounted files exist and named volumes are declared", func(t *testing.T) {
			for name := range c.services {
				for _, m := range c.volumeMounts(name) {
					src := m[0]
					switch {
					case strings.HasPrefix(src, "./"), strings.HasPrefix(src, "../"):
						if !fileExists(filepath.Join("compose", src)) {
							t.Errorf("%s mounts %s, which does not exist", name, src)
						}
					case !strings.HasPrefix(src, "/"):
						if _, ok := c.volumes[src]; !ok {
							t.Errorf("%s uses volume %s, not declared under volumes:", name, src)
						}
					}
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t)
		})
	}
}

func TestKubernetes(t *testing.T) {
	t.Parallel()
	objs := loadK8s(t)

	t.Run("every object has apiVersion, kind and metadata.name", func(t *testing.T) {
		t.Parallel()
		if len(objs) == 0 {
			t.Fatal("no objects")
		}
		for _, o := range objs {
			t.Run(o.file+"/"+o.kind()+"/"+o.name(), func(t *testing.T) {
				t.Parallel()
				for _, f := range []string{"apiVersion", "kind"} {
					if str(o.doc[f]) == "" {
						t.Errorf("%s: object without %s", o.file, f)
					}
				}
				if o.name() == "" {
					t.Errorf("%s: %s without metadata.name", o.file, o.kind())
				}
			})
		}
	})

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"assetflow deployment: replicas, probes, resources, anti-affinity", func(t *testing.T) {
			d := find(t, objs, "Deployment", "assetflow")
			if n, _ := dig(d.doc, "spec", "replicas").(int); n < 2 {
				t.Errorf("replicas = %v, want >= 2", dig(d.doc, "spec", "replicas"))
			}
			c := container(d, "assetflow")
			if c == nil {
				t.Fatal("no assetflow container")
			}
			if got := str(dig(c, "readinessProbe", "httpGet", "path")); got != "/readyz" {
				t.Errorf("readiness probe path = %q, want /readyz", got)
			}
			if got := str(dig(c, "livenessProbe", "httpGet", "path")); got != "/healthz" {
				t.Errorf("liveness probe path = %q, want /healthz", got)
			}
			for _, r := range []string{"requests", "limits"} {
				if dig(c, "resources", r, "memory") == nil {
					t.Errorf("resources.%s.memory not set", r)
				}
			}
			if !slices.Equal(strList(c["args"]), []string{"serve"}) {
				t.Errorf("args = %v, want [serve]", c["args"])
			}
			anti := dig(podSpec(d), "affinity", "podAntiAffinity")
			if anti == nil {
				t.Fatal("no podAntiAffinity")
			}
			var matched bool
			for _, key := range []string{"preferredDuringSchedulingIgnoredDuringExecution", "requiredDuringSchedulingIgnoredDuringExecution"} {
				for _, term := range list(dig(anti, key)) {
					sel := mapping(dig(term, "podAffinityTerm", "labelSelector", "matchLabels"))
					if sel == nil {
						sel = mapping(dig(term, "labelSelector", "matchLabels"))
					}
					if labelsMatch(sel, mapping(dig(d.doc, "spec", "template", "metadata", "labels"))) {
						matched = true
					}
				}
			}
			if !matched {
				t.Errorf("podAntiAffinity does not select the deployment's own pods")
			}
			if podSpec(d)["enableServiceLinks"] != false {
				t.Errorf("enableServiceLinks must be false: service links inject ASSETFLOW_* variables")
			}
		}},
		{"pdb, service and ingress select the assetflow pods", func(t *testing.T) {
			d := find(t, objs, "Deployment", "assetflow")
			labels := mapping(dig(d.doc, "spec", "template", "metadata", "labels"))
			pdb := find(t, objs, "PodDisruptionBudget", "assetflow")
			if !labelsMatch(mapping(dig(pdb.doc, "spec", "selector", "matchLabels")), labels) {
				t.Errorf("PodDisruptionBudget does not select the deployment's pods")
			}
			if n, _ := dig(pdb.doc, "spec", "minAvailable").(int); n < 1 {
				t.Errorf("PodDisruptionBudget minAvailable = %v, want >= 1", dig(pdb.doc, "spec", "minAvailable"))
			}
			svc := find(t, objs, "Service", "assetflow")
			if !labelsMatch(mapping(dig(svc.doc, "spec", "selector")), labels) {
				t.Errorf("Service does not select the deployment's pods")
			}
			portNames := map[string]bool{}
			for _, p := range list(container(d, "assetflow")["ports"]) {
				portNames[str(dig(p, "name"))] = true
			}
			svcPorts := map[string]bool{}
			for _, p := range list(dig(svc.doc, "spec", "ports")) {
				svcPorts[str(dig(p, "name"))] = true
				if tp := str(dig(p, "targetPort")); !portNames[tp] && tp != "8080" {
					t.Errorf("Service targetPort %q is not a container port", tp)
				}
			}
			ing := find(t, objs, "Ingress", "assetflow")
			for _, rule := range list(dig(ing.doc, "spec", "rules")) {
				for _, p := range list(dig(rule, "http", "paths")) {
					if got := str(dig(p, "backend", "service", "name")); got != "assetflow" {
						t.Errorf("Ingress backend service = %q, want assetflow", got)
					}
					if got := str(dig(p, "backend", "service", "port", "name")); !svcPorts[got] {
						t.Errorf("Ingress backend port %q is not a Service port", got)
					}
				}
			}
		}},
		{"migrate job uses the deployment's image and configuration", func(t *testing.T) {
			d := container(find(t, objs, "Deployment", "assetflow"), "assetflow")
			j := find(t, objs, "Job", "assetflow-migrate")
			m := container(j, "migrate")
			if m == nil {
				t.Fatal("no migrate container")
			}
			if !slices.Equal(strList(m["args"]), []string{"migrate"}) {
				t.Errorf("args = %v, want [migrate]", m["args"])
			}
			if str(m["image"]) != str(d["image"]) {
				t.Errorf("migrate image %q differs from deployment image %q", m["image"], d["image"])
			}
			if !slices.Equal(envFromRefs(m), envFromRefs(d)) {
				t.Errorf("migrate envFrom %v differs from deployment envFrom %v", envFromRefs(m), envFromRefs(d))
			}
			if rp := str(dig(podSpec(j), "restartPolicy")); rp != "Never" && rp != "OnFailure" {
				t.Errorf("restartPolicy = %q", rp)
			}
		}},
		{"kafka: 3-node KRaft statefulset behind a headless service", func(t *testing.T) {
			ss := find(t, objs, "StatefulSet", "kafka")
			replicas, _ := dig(ss.doc, "spec", "replicas").(int)
			if replicas != 3 {
				t.Fatalf("kafka replicas = %v, want 3", dig(ss.doc, "spec", "replicas"))
			}
			if str(dig(ss.doc, "spec", "podManagementPolicy")) != "Parallel" {
				t.Errorf("podManagementPolicy must be Parallel so the quorum can form")
			}
			svcName := str(dig(ss.doc, "spec", "serviceName"))
			svc := find(t, objs, "Service", svcName)
			if str(dig(svc.doc, "spec", "clusterIP")) != "None" {
				t.Errorf("Service %s must be headless", svcName)
			}
			if dig(svc.doc, "spec", "publishNotReadyAddresses") != true {
				t.Errorf("Service %s must publish not-ready addresses for the controller quorum", svcName)
			}
			if !labelsMatch(mapping(dig(svc.doc, "spec", "selector")), mapping(dig(ss.doc, "spec", "template", "metadata", "labels"))) {
				t.Errorf("Service %s does not select the kafka pods", svcName)
			}
			c := container(ss, "kafka")
			env := containerEnv(c)
			if !strings.Contains(env["KAFKA_PROCESS_ROLES"], "broker") || !strings.Contains(env["KAFKA_PROCESS_ROLES"], "controller") {
				t.Errorf("KAFKA_PROCESS_ROLES = %q, want broker,controller", env["KAFKA_PROCESS_ROLES"])
			}
			if env["CLUSTER_ID"] == "" {
				t.Errorf("CLUSTER_ID not set")
			}
			voters := quorumVoters(t, env["KAFKA_CONTROLLER_QUORUM_VOTERS"])
			if len(voters) != replicas {
				t.Errorf("quorum voters %v: want %d", voters, replicas)
			}
			ctrlPort := listenerPort(env["KAFKA_LISTENERS"], env["KAFKA_CONTROLLER_LISTENER_NAMES"])
			for i := range replicas {
				addr := voters[i]
				if !strings.HasPrefix(addr, fmt.Sprintf("%s-%d.%s.", ss.name(), i, svcName)) || !strings.HasSuffix(addr, ":"+ctrlPort) {
					t.Errorf("voter %d = %q, want %s-%d.%s.<namespace>...:%s", i, addr, ss.name(), i, svcName, ctrlPort)
				}
			}
			script := strings.Join(append(strList(c["command"]), strList(c["args"])...), " ")
			if !strings.Contains(script, "KAFKA_NODE_ID=\"${HOSTNAME##*-}\"") {
				t.Errorf("node id must be derived from the pod ordinal to match the voter ids")
			}
			want := map[string]string{
				"KAFKA_DEFAULT_REPLICATION_FACTOR":       "3",
				"KAFKA_MIN_INSYNC_REPLICAS":              "2",
				"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "3",
				"KAFKA_AUTO_CREATE_TOPICS_ENABLE":        "false",
			}
			for k, v := range want {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
			if podSpec(ss)["enableServiceLinks"] != false {
				t.Errorf("enableServiceLinks must be false: service links inject KAFKA_* variables")
			}
			if len(list(dig(ss.doc, "spec", "volumeClaimTemplates"))) == 0 {
				t.Errorf("kafka has no volumeClaimTemplates")
			}
		}},
		{"assetflow brokers list every kafka pod", func(t *testing.T) {
			ss := find(t, objs, "StatefulSet", "kafka")
			svcName := str(dig(ss.doc, "spec", "serviceName"))
			cm := find(t, objs, "ConfigMap", "assetflow-config")
			brokers := splitCSV(str(dig(cm.doc, "data", "ASSETFLOW_KAFKA_BROKERS")))
			replicas, _ := dig(ss.doc, "spec", "replicas").(int)
			if len(brokers) != replicas {
				t.Fatalf("ASSETFLOW_KAFKA_BROKERS %v: want %d entries", brokers, replicas)
			}
			for i := range replicas {
				if want := fmt.Sprintf("%s-%d.%s", ss.name(), i, svcName); !strings.HasPrefix(brokers[i], want) {
					t.Errorf("broker %d = %q, want %s...", i, brokers[i], want)
				}
			}
			if got := str(dig(cm.doc, "data", "ASSETFLOW_HTTP_ADDR")); got != "0.0.0.0:8080" {
				t.Errorf("ASSETFLOW_HTTP_ADDR = %q, want 0.0.0.0:8080", got)
			}
			if got := str(dig(cm.doc, "data", "ASSETFLOW_DEMO")); got != "false" {
				t.Errorf("ASSETFLOW_DEMO = %q, want false", got)
			}
		}},
		{"topics job creates the same topics as compose", func(t *testing.T) {
			j := find(t, objs, "Job", "kafka-topics")
			env := containerEnv(container(j, "create-topics"))
			if got := splitCSV(env["TOPICS"]); !slices.Equal(got, expectedTopics()) {
				t.Errorf("TOPICS = %v, want %v", got, expectedTopics())
			}
			if env["TOPIC_PARTITIONS"] != "12" || env["TOPIC_REPLICATION_FACTOR"] != "3" || env["TOPIC_MIN_INSYNC_REPLICAS"] != "2" {
				t.Errorf("partitions/replication/min ISR = %s/%s/%s, want 12/3/2",
					env["TOPIC_PARTITIONS"], env["TOPIC_REPLICATION_FACTOR"], env["TOPIC_MIN_INSYNC_REPLICAS"])
			}
			cm := find(t, objs, "ConfigMap", "kafka-scripts")
			if got, want := str(dig(cm.doc, "data", "create-topics.sh")), readFile(t, topicsScript); got != want {
				t.Errorf("k8s create-topics.sh differs from %s", topicsScript)
			}
		}},
		{"postgres statefulset with storage and the compose init script", func(t *testing.T) {
			ss := find(t, objs, "StatefulSet", "postgres")
			c := container(ss, "postgres")
			if !strings.Contains(str(c["image"]), "postgres:16") {
				t.Errorf("postgres image %q, want postgres:16", c["image"])
			}
			if len(list(dig(ss.doc, "spec", "volumeClaimTemplates"))) == 0 {
				t.Errorf("postgres has no volumeClaimTemplates")
			}
			if c["readinessProbe"] == nil || c["livenessProbe"] == nil {
				t.Errorf("postgres needs readiness and liveness probes")
			}
			cm := find(t, objs, "ConfigMap", "postgres-initdb")
			if got, want := str(dig(cm.doc, "data", "10-example-datasource.sh")), readFile(t, initdbScript); got != want {
				t.Errorf("k8s init script differs from %s", initdbScript)
			}
		}},
		{"trino deployment, service and postgres catalog", func(t *testing.T) {
			d := find(t, objs, "Deployment", "trino")
			if !strings.Contains(str(container(d, "trino")["image"]), "trinodb/trino") {
				t.Errorf("trino image must be trinodb/trino")
			}
			svc := find(t, objs, "Service", "trino")
			if !labelsMatch(mapping(dig(svc.doc, "spec", "selector")), mapping(dig(d.doc, "spec", "template", "metadata", "labels"))) {
				t.Errorf("Service trino does not select the trino pods")
			}
			cm := find(t, objs, "ConfigMap", "trino-catalog")
			props := str(dig(cm.doc, "data", "warehouse.properties"))
			if !strings.Contains(props, "connector.name=postgresql") || !strings.Contains(props, "jdbc:postgresql://postgres:5432/") {
				t.Errorf("trino catalog must use the postgresql connector on the postgres service:\n%s", props)
			}
		}},
		{"every referenced configmap and secret exists", func(t *testing.T) {
			have := map[string]map[string]any{}
			for _, o := range objs {
				if o.kind() == "ConfigMap" || o.kind() == "Secret" {
					data := map[string]any{}
					for _, f := range []string{"data", "stringData"} {
						for k, v := range mapping(o.doc[f]) {
							data[k] = v
						}
					}
					have[o.kind()+"/"+o.name()] = data
				}
			}
			checkRef := func(w object, ref, key string) {
				data, ok := have[ref]
				if !ok {
					t.Errorf("%s %s references %s, which is not defined", w.kind(), w.name(), ref)
					return
				}
				if _, ok := data[key]; key != "" && !ok {
					t.Errorf("%s %s references key %s of %s, which is not defined", w.kind(), w.name(), key, ref)
				}
			}
			for _, w := range workloads(objs) {
				spec := podSpec(w)
				for _, c := range append(list(spec["containers"]), list(spec["initContainers"])...) {
					for _, ref := range envFromRefs(mapping(c)) {
						checkRef(w, ref, "")
					}
					for _, e := range list(dig(c, "env")) {
						if n := str(dig(e, "valueFrom", "secretKeyRef", "name")); n != "" {
							checkRef(w, "Secret/"+n, str(dig(e, "valueFrom", "secretKeyRef", "key")))
						}
						if n := str(dig(e, "valueFrom", "configMapKeyRef", "name")); n != "" {
							checkRef(w, "ConfigMap/"+n, str(dig(e, "valueFrom", "configMapKeyRef", "key")))
						}
					}
				}
				for _, v := range list(spec["volumes"]) {
					if n := str(dig(v, "configMap", "name")); n != "" {
						checkRef(w, "ConfigMap/"+n, "")
					}
					if n := str(dig(v, "secret", "secretName")); n != "" {
						checkRef(w, "Secret/"+n, "")
					}
				}
			}
		}},
		{"secret example holds placeholders only", func(t *testing.T) {
			for _, o := range objs {
				if o.kind() != "Secret" {
					continue
				}
				if o.doc["data"] != nil {
					t.Errorf("Secret %s: use stringData placeholders, not data", o.name())
				}
				for k, v := range mapping(o.doc["stringData"]) {
					if !strings.Contains(str(v), "CHANGE_ME") {
						t.Errorf("Secret %s: %s = %q is not a CHANGE_ME placeholder", o.name(), k, v)
					}
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t)
		})
	}
}

func TestKustomization(t *testing.T) {
	t.Parallel()
	docs := mustDecodeAll(t, kustomization)
	if len(docs) != 1 {
		t.Fatalf("want 1 document, got %d", len(docs))
	}
	k := docs[0]
	if str(k["kind"]) != "Kustomization" || !strings.HasPrefix(str(k["apiVersion"]), "kustomize.config.k8s.io/") {
		t.Fatalf("not a Kustomization: %v %v", k["apiVersion"], k["kind"])
	}
	resources := strList(k["resources"])

	for _, r := range resources {
		t.Run("resource exists/"+r, func(t *testing.T) {
			t.Parallel()
			if !fileExists(filepath.Join(k8sDir, r)) {
				t.Errorf("kustomization lists %s, which does not exist", r)
			}
		})
	}

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"every manifest is listed once", func(t *testing.T) {
			seen := map[string]int{}
			for _, r := range resources {
				seen[filepath.ToSlash(filepath.Join(k8sDir, r))]++
			}
			for f, n := range seen {
				if n > 1 {
					t.Errorf("%s listed %d times", f, n)
				}
			}
			for _, f := range yamlFiles(t, k8sDir) {
				if f != kustomization && seen[f] == 0 {
					t.Errorf("%s is not listed in kustomization.yaml", f)
				}
			}
		}},
		{"image override covers the assetflow workloads", func(t *testing.T) {
			names := map[string]bool{}
			for _, img := range list(k["images"]) {
				names[str(dig(img, "name"))] = true
			}
			objs := loadK8s(t)
			for _, w := range []object{find(t, objs, "Deployment", "assetflow"), find(t, objs, "Job", "assetflow-migrate")} {
				for _, c := range list(podSpec(w)["containers"]) {
					if img := str(dig(c, "image")); !names[img] {
						t.Errorf("%s %s uses image %q, which kustomization images: does not set", w.kind(), w.name(), img)
					}
				}
			}
		}},
		{"namespace object matches the kustomization namespace", func(t *testing.T) {
			ns := str(k["namespace"])
			if ns == "" {
				t.Fatal("kustomization sets no namespace")
			}
			find(t, loadK8s(t), "Namespace", ns)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t)
		})
	}
}

// dockerInstruction is one Dockerfile instruction with continuations joined.
type dockerInstruction struct {
	cmd  string
	args string
}

func parseDockerfile(t *testing.T) (stages [][]dockerInstruction, globalArgs map[string]string) {
	t.Helper()
	globalArgs = map[string]string{}
	var logical []string
	var cur strings.Builder
	for _, line := range strings.Split(readFile(t, dockerfile), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		logical = append(logical, cur.String())
		cur.Reset()
	}
	for _, l := range logical {
		cmd, args, _ := strings.Cut(l, " ")
		in := dockerInstruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		switch {
		case in.cmd == "FROM":
			stages = append(stages, []dockerInstruction{in})
		case len(stages) == 0 && in.cmd == "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			globalArgs[k] = v
		case len(stages) > 0:
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	return stages, globalArgs
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages, args := parseDockerfile(t)
	if len(stages) != 3 {
		t.Fatalf("want 3 stages (console, binary, runtime), got %d", len(stages))
	}
	image := func(stage []dockerInstruction) string {
		ref := strings.Fields(stage[0].args)[0]
		return os.Expand(ref, func(k string) string { return args[k] })
	}
	joined := func(stage []dockerInstruction, cmd string) []string {
		var out []string
		for _, in := range stage {
			if in.cmd == cmd {
				out = append(out, in.args)
			}
		}
		return out
	}
	final := stages[len(stages)-1]

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"node 20 stage builds the console", func(t *testing.T) {
			if img := image(stages[0]); !strings.HasPrefix(img, "node:20") {
				t.Errorf("console stage image %q, want node:20", img)
			}
			runs := strings.Join(joined(stages[0], "RUN"), "\n")
			if !strings.Contains(runs, "npm ci") || !strings.Contains(runs, "npm run build") {
				t.Errorf("console stage must run npm ci and npm run build")
			}
		}},
		{"go 1.26 bookworm stage builds ./cmd/assetflow with cgo", func(t *testing.T) {
			img := image(stages[1])
			if !strings.HasPrefix(img, "golang:1.26") || !strings.Contains(img, "bookworm") {
				t.Errorf("build stage image %q, want golang:1.26 on bookworm", img)
			}
			all := strings.Join(append(joined(stages[1], "ENV"), joined(stages[1], "RUN")...), "\n")
			if !strings.Contains(all, "CGO_ENABLED=1") {
				t.Errorf("build stage must set CGO_ENABLED=1")
			}
			if !strings.Contains(all, "go build") || !strings.Contains(all, "./cmd/assetflow") {
				t.Errorf("build stage must go build ./cmd/assetflow")
			}
			copies := strings.Join(joined(stages[1], "COPY"), "\n")
			if !strings.Contains(copies, "--from=") || !strings.Contains(copies, "webui/dist/app") {
				t.Errorf("build stage must copy the built console into webui/dist/app before compiling")
			}
		}},
		{"runtime is debian bookworm-slim, non-root, with healthcheck", func(t *testing.T) {
			if img := image(final); img != "debian:bookworm-slim" {
				t.Errorf("runtime image %q, want debian:bookworm-slim", img)
			}
			for _, s := range stages {
				if strings.Contains(image(s), "alpine") {
					t.Errorf("stage image %q: no alpine", image(s))
				}
			}
			if !strings.Contains(strings.Join(joined(final, "RUN"), "\n"), "ca-certificates") {
				t.Errorf("runtime must install ca-certificates")
			}
			users := joined(final, "USER")
			if len(users) == 0 {
				t.Fatal("runtime stage sets no USER")
			}
			if u := strings.Split(users[len(users)-1], ":")[0]; u == "root" || u == "0" {
				t.Errorf("runtime runs as %q", u)
			}
			if !slices.Contains(joined(final, "EXPOSE"), "8080") {
				t.Errorf("runtime must EXPOSE 8080")
			}
			hc := strings.Join(joined(final, "HEALTHCHECK"), " ")
			if !strings.Contains(hc, "/healthz") {
				t.Errorf("HEALTHCHECK %q must probe /healthz", hc)
			}
			if got := joined(final, "ENTRYPOINT"); len(got) != 1 || got[0] != `["assetflow"]` {
				t.Errorf("ENTRYPOINT = %v, want [\"assetflow\"]", got)
			}
			if got := joined(final, "CMD"); len(got) != 1 || got[0] != `["serve"]` {
				t.Errorf("CMD = %v, want [\"serve\"]", got)
			}
			if !strings.Contains(strings.Join(joined(final, "ENV"), " "), "ASSETFLOW_HTTP_ADDR=0.0.0.0:8080") {
				t.Errorf("runtime must listen on 0.0.0.0:8080")
			}
		}},
		{"dockerignore keeps local state out", func(t *testing.T) {
			lines := strings.Split(readFile(t, dockerignore), "\n")
			for _, want := range []string{"node_modules", "var", ".git", "webui/dist/app"} {
				if !slices.Contains(lines, want) {
					t.Errorf(".dockerignore misses %s", want)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t)
		})
	}
}

func TestReadme(t *testing.T) {
	t.Parallel()
	doc := readFile(t, readme)
	for _, want := range []string{
		"ASSETFLOW_SECRET_KEY", "ASSETFLOW_KAFKA_BROKERS", "ASSETFLOW_DATABASE_URL",
		"assetflow replay --all", "assetflow migrate", "docker compose", "kubectl apply -k",
		"advisory lock", "consumer group", "/readyz", "/healthz",
	} {
		t.Run(want, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(doc, want) {
				t.Errorf("%s does not mention %q", readme, want)
			}
		})
	}
}
