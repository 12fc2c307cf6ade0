package deployments_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// nginxConfig is the load balancer's configuration file mounted in the
// nginx image.
const nginxConfig = "/etc/nginx/conf.d/default.conf"

func TestComposeOnlyTheBalancerIsPublished(t *testing.T) {
	t.Parallel()
	p := loadReplicas(t)
	var published []string
	for _, s := range p.Services {
		if len(s.Ports) > 0 {
			published = append(published, s.Name)
		}
	}
	if len(published) != 1 || !strings.HasPrefix(p.Services[published[0]].Image, "nginx:") {
		t.Fatalf("services publishing ports: %v, want only the nginx load balancer", published)
	}
	lb := p.Services[published[0]]
	conf := parseNginx(t, hostPath(t, lb, nginxConfig))
	checkBalancerRoutes(t, p, lb, conf)
	if uses(conf, "resolve") && !nginxAtLeast(lb.Image, 1, 27) {
		t.Errorf("%s: upstream servers with resolve need nginx 1.27.3 or later", lb.Image)
	}
}

// checkBalancerRoutes sends the API's paths, and only those, to an
// upstream of every replica.
func checkBalancerRoutes(t *testing.T, p *types.Project, lb types.ServiceConfig, conf *nginxDirective) {
	t.Helper()
	var replicas []string
	for _, s := range serviceReplicas(p) {
		replicas = append(replicas, s.Name+":"+strconv.Itoa(httpPort(t, environment(s))))
	}
	slices.Sort(replicas)
	srv := conf.child("server")
	if srv == nil || !slices.ContainsFunc(lb.Ports, func(port types.ServicePortConfig) bool {
		return slices.Contains(srv.values("listen"), strconv.Itoa(int(port.Target)))
	}) {
		t.Fatalf("%s has no server listening on the port %s publishes", nginxConfig, lb.Name)
	}
	for _, path := range []string{"/customers", "/customers/0197a1b2", "/api/customers", "/api/customers/0197a1b2/events", "/livez", "/readyz"} {
		upstream, ok := strings.CutPrefix(srv.route(t, path), "http://")
		if !ok {
			t.Errorf("%s: %s is not passed to the replicas", nginxConfig, path)
			continue
		}
		if servers := conf.upstreamServers(upstream); !slices.Equal(servers, replicas) {
			t.Errorf("%s: %s goes to %s %v, want every replica %v", nginxConfig, path, upstream, servers, replicas)
		}
	}
	for _, path := range []string{"/", "/admin/deadletters", "/debug/pprof/"} {
		if target := srv.route(t, path); target != "" {
			t.Errorf("%s passes %s to %s; only the API's paths belong on the published port", nginxConfig, path, target)
		}
	}
}

// nginxAtLeast reports whether an nginx image's tag is major.minor or later.
func nginxAtLeast(image string, major, minor int) bool {
	_, tag, _ := strings.Cut(image, ":")
	parts := strings.SplitN(tag, ".", 3)
	if len(parts) < 2 {
		return false
	}
	gotMajor, err1 := strconv.Atoi(parts[0])
	gotMinor, err2 := strconv.Atoi(strings.SplitN(parts[1], "-", 2)[0])
	return err1 == nil && err2 == nil && (gotMajor > major || gotMajor == major && gotMinor >= minor)
}

// nginxDirective is a directive of an nginx configuration: its name, its
// arguments and, for a block, the directives inside.
type nginxDirective struct {
	name     string
	args     []string
	children []*nginxDirective
}

// parseNginx reads an nginx configuration file into a root block.
func parseNginx(t *testing.T, file string) *nginxDirective {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	root := &nginxDirective{}
	stack := []*nginxDirective{root}
	var words []string
	for _, tok := range nginxTokens(string(b)) {
		top := stack[len(stack)-1]
		switch tok {
		case ";", "{":
			if len(words) == 0 {
				t.Fatalf("%s: %q without a directive", file, tok)
			}
			d := &nginxDirective{name: words[0], args: words[1:]}
			top.children = append(top.children, d)
			if tok == "{" {
				stack = append(stack, d)
			}
			words = nil
		case "}":
			if len(words) > 0 || len(stack) == 1 {
				t.Fatalf("%s: unbalanced }", file)
			}
			stack = stack[:len(stack)-1]
		default:
			words = append(words, tok)
		}
	}
	if len(stack) != 1 || len(words) > 0 {
		t.Fatalf("%s: unterminated block or directive", file)
	}
	return root
}

// nginxTokens splits a configuration into words (quotes removed), ";",
// "{" and "}", leaving out comments.
func nginxTokens(text string) []string {
	var tokens []string
	var word strings.Builder
	var quote rune
	flush := func() {
		if word.Len() > 0 {
			tokens = append(tokens, word.String())
			word.Reset()
		}
	}
	comment := false
	for _, r := range text {
		switch {
		case comment:
			comment = r != '\n'
		case quote != 0 && r == quote:
			quote = 0
			tokens = append(tokens, word.String())
			word.Reset()
		case quote != 0:
			word.WriteRune(r)
		case r == '\'' || r == '"':
			flush()
			quote = r
		case r == '#':
			flush()
			comment = true
		case r == ';' || r == '{' || r == '}':
			flush()
			tokens = append(tokens, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			word.WriteRune(r)
		}
	}
	flush()
	return tokens
}

func (d *nginxDirective) child(name string) *nginxDirective {
	for _, c := range d.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// values are the first arguments of each directive name in the block.
func (d *nginxDirective) values(name string) []string {
	var vs []string
	for _, c := range d.children {
		if c.name == name && len(c.args) > 0 {
			vs = append(vs, c.args[0])
		}
	}
	return vs
}

// upstreamServers are the addresses of an upstream block, sorted.
func (d *nginxDirective) upstreamServers(name string) []string {
	for _, c := range d.children {
		if c.name == "upstream" && len(c.args) == 1 && c.args[0] == name {
			servers := c.values("server")
			slices.Sort(servers)
			return servers
		}
	}
	return nil
}

// route is where nginx's server block sends path: the proxy_pass of the
// exact location, else of the longest prefix location; "" when it answers
// itself.
func (d *nginxDirective) route(t *testing.T, path string) string {
	t.Helper()
	var best *nginxDirective
	bestLen := -1
	for _, loc := range d.children {
		if loc.name != "location" {
			continue
		}
		switch {
		case len(loc.args) == 2 && loc.args[0] == "=":
			if loc.args[1] == path {
				best, bestLen = loc, len(path)+1
			}
		case len(loc.args) == 1 && !strings.HasPrefix(loc.args[0], "@"):
			if strings.HasPrefix(path, loc.args[0]) && len(loc.args[0]) > bestLen {
				best, bestLen = loc, len(loc.args[0])
			}
		default:
			t.Fatalf("location %v: this test reads only exact and prefix locations", loc.args)
		}
	}
	if best == nil {
		return ""
	}
	return strings.Join(best.values("proxy_pass"), " ")
}

// uses reports whether any directive in the tree has arg among its arguments.
func uses(d *nginxDirective, arg string) bool {
	return slices.Contains(d.args, arg) || slices.ContainsFunc(d.children, func(c *nginxDirective) bool { return uses(c, arg) })
}
