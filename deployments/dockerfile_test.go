package deployments_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// TestDockerfileRuntimeStage checks the image against what the compose
// files and the manifests expect of it: the user the Deployment runs as,
// and the program every compose file's health check of the service runs.
func TestDockerfileRuntimeStage(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	stage := text[strings.LastIndex(text, "\nFROM "):]
	var user string
	for line := range strings.Lines(stage) {
		if rest, ok := strings.CutPrefix(line, "USER "); ok {
			user = strings.TrimSpace(rest)
		}
	}
	// Numeric, or Kubernetes cannot tell that runAsNonRoot holds without
	// a runAsUser of its own.
	uid, _, _ := strings.Cut(user, ":")
	if uid != strconv.Itoa(serviceUID) {
		t.Errorf("Dockerfile: the runtime stage runs as %q, want the numeric user %d of the manifests", user, serviceUID)
	}
	for _, file := range composeFiles(t) {
		p, err := loadCompose(file, "AUTH_HS256_SECRET="+testSecret)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range serviceReplicas(p) {
			if s.HealthCheck == nil || len(s.HealthCheck.Test) < 2 {
				continue
			}
			tool := s.HealthCheck.Test[1] // after CMD
			if !slices.Contains(strings.Fields(stage), tool) {
				t.Errorf("%s: service %s's health check runs %s, which the Dockerfile's runtime stage does not install", file, s.Name, tool)
			}
		}
	}
}

// dockerInstruction is one instruction of a Dockerfile: its keyword in
// upper case and the rest, continuation lines joined.
type dockerInstruction struct {
	keyword string
	args    string
}

// readDockerfile reads a Dockerfile's instructions by stage, as BuildKit's
// parser does for what this Dockerfile uses: a line ending in a backslash
// continues on the next; comment lines (# first) are dropped, within
// continuations too; empty lines are skipped. A parser directive changing
// the escape character, or a heredoc, is refused: this reader does not
// handle them.
func readDockerfile(t *testing.T, path string) [][]dockerInstruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]dockerInstruction
	var current strings.Builder
	flush := func() {
		text := strings.TrimSpace(current.String())
		current.Reset()
		if text == "" {
			return
		}
		keyword, args, _ := strings.Cut(text, " ")
		in := dockerInstruction{keyword: strings.ToUpper(keyword), args: strings.TrimSpace(args)}
		if strings.Contains(in.args, "<<") {
			t.Fatalf("%s: a heredoc in %s, which this test cannot read", path, in.keyword)
		}
		if in.keyword == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if in.keyword != "ARG" {
				t.Fatalf("%s: %s before the first FROM", path, in.keyword)
			}
			return
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			if strings.HasPrefix(strings.ToLower(strings.ReplaceAll(trimmed, " ", "")), "#escape=") && len(stages) == 0 && current.Len() == 0 {
				t.Fatalf("%s: an escape directive, which this test cannot read", path)
			}
			continue
		}
		if rest, ok := strings.CutSuffix(line, `\`); ok {
			current.WriteString(rest)
			current.WriteString(" ")
			continue
		}
		current.WriteString(line)
		flush()
	}
	flush()
	if len(stages) == 0 {
		t.Fatalf("%s: no FROM", path)
	}
	return stages
}

// caBundle is where Go's crypto/x509 looks first on Debian-like systems
// and Alpine for the trusted CA certificates.
const caBundle = "/etc/ssl/certs/ca-certificates.crt"

// TestDockerfileRuntimeHasCACertificates: the image the service runs in
// trusts the public CAs, or TLS to KurrentDB, NATS, PostgreSQL and an OIDC
// provider's key set (AUTH_JWKS_URL, https only) fails with "certificate
// signed by unknown authority". The final stage must install the
// ca-certificates package or copy the bundle from another stage.
func TestDockerfileRuntimeHasCACertificates(t *testing.T) {
	t.Parallel()
	stages := readDockerfile(t, "Dockerfile")
	final := stages[len(stages)-1]
	has := false
	for _, in := range final {
		words := strings.Fields(in.args)
		switch in.keyword {
		case "RUN":
			installs := slices.Contains(words, "install") || slices.Contains(words, "add") // apt-get install, apk add
			if installs && slices.Contains(words, "ca-certificates") {
				has = true
			}
		case "COPY":
			if slices.ContainsFunc(words, func(w string) bool { return w == caBundle || w == "/etc/ssl/certs/" || w == "/etc/ssl/certs" }) {
				has = true
			}
		}
		// Removing the bundle after installing it (a careless clean-up).
		if in.keyword == "RUN" && strings.Contains(in.args, "rm ") && strings.Contains(in.args, "/etc/ssl") {
			has = false
		}
	}
	if !has {
		t.Errorf("Dockerfile: the runtime stage (%s) neither installs ca-certificates nor copies %s", final[0].args, caBundle)
	}
}

// TestDockerignore: the build context (the repository root) leaves out
// history, local data and build output, and keeps everything the build
// needs, matched the way Docker matches .dockerignore.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../.dockerignore")
	if err != nil {
		t.Fatalf("no .dockerignore at the repository root: %v", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	excluded := func(path string) bool {
		ok, err := pm.MatchesOrParentMatches(path)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, path := range []string{
		".git/config", ".git/objects/ab/cdef",
		"data/events.db", "data/auth.secret", "data/nats/jetstream/x", "cmd/customersvc/data/events.db",
		"bench-results/run.txt", "app.test", "cmd/customersvc/app/app.test", "cpu.prof", "customersvc",
		".env", "deployments/.env",
	} {
		if !excluded(path) {
			t.Errorf(".dockerignore keeps %s in the build context", path)
		}
	}
	// Everything the build reads: the module files, the Go sources and
	// the files they embed.
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		needed := strings.HasSuffix(rel, ".go") || rel == "go.mod" || rel == "go.sum" || strings.HasSuffix(rel, ".sql")
		if needed && excluded(rel) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
