package http_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/projections/rebuild"
	transporthttp "github.com/customersvc/customersvc/transport/http"
)

// countingRebuilds is projectionsDouble that counts the rebuilds started.
type countingRebuilds struct {
	projectionsDouble
	started *int
}

func (p countingRebuilds) Rebuild(ctx context.Context, name string, started func(), progress func(rebuild.Progress)) error {
	*p.started++
	return p.projectionsDouble.Rebuild(ctx, name, started, progress)
}

// guardedAdmin is an admin API whose replays and rebuilds the test counts.
func guardedAdmin(t *testing.T) (h http.Handler, replayed *[]uint64, rebuilds *int) {
	t.Helper()
	replayed, rebuilds = new([]uint64), new(int)
	verifier := newVerifierFor(t)
	h, err := transporthttp.NewAdminHandler(transporthttp.AdminDeps{Verifier: verifier, AllowedHosts: []string{"ops.internal"},
		DeadLetters: deadLettersDouble{replayed: replayed}, Projections: countingRebuilds{started: rebuilds},
		ParkedSinceStart: func() int64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	return h, replayed, rebuilds
}

var adminRoutes = []struct{ method, path string }{
	{"GET", "/admin/deadletters"},
	{"POST", "/admin/deadletters/1/replay"},
	{"POST", "/admin/deadletters/replay"},
	{"GET", "/admin/projections"},
	{"POST", "/admin/projections/customers/rebuild"},
}

func assertAnswer(t *testing.T, what string, rec interface {
	Result() *http.Response
}, status int, body string) {
	t.Helper()
	res := rec.Result()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status || string(b) != body {
		t.Errorf("%s: %d %s; want %d %s", what, res.StatusCode, b, status, body)
	}
}

// TestAdminRequiresAnAdminToken: every route answers 401 without a valid
// token and 403 to a token without admin:customersvc (an Owner's customer
// permissions are not enough); nothing is replayed or rebuilt meanwhile.
func TestAdminRequiresAnAdminToken(t *testing.T) {
	t.Parallel()
	h, replayed, rebuilds := guardedAdmin(t)
	owner := adminToken(t, domain.PermissionManageCustomers, domain.PermissionReadCustomers)
	for _, r := range adminRoutes {
		assertAnswer(t, r.method+" "+r.path+" without a token", adminDoWith(h, r.method, r.path, nil),
			401, `{"code":401,"message":"invalid token","data":{}}`)
		assertAnswer(t, r.method+" "+r.path+" with a forged token",
			adminDoWith(h, r.method, r.path, http.Header{"Authorization": {"Bearer eyJhbGciOiJub25lIn0.e30."}}),
			401, `{"code":401,"message":"invalid token","data":{}}`)
		assertAnswer(t, r.method+" "+r.path+" with a customer manager's token",
			adminDoWith(h, r.method, r.path, http.Header{"Authorization": {owner}}),
			403, `{"code":403,"message":"insufficient permissions","data":{}}`)
	}
	if len(*replayed) != 0 || *rebuilds != 0 {
		t.Fatalf("refused requests replayed %v and started %d rebuilds", *replayed, *rebuilds)
	}
	for _, r := range adminRoutes {
		if rec := adminDo(t, h, r.method, r.path); rec.Code != 200 {
			t.Errorf("%s %s with the admin token: %d %s", r.method, r.path, rec.Code, rec.Body)
		}
	}
}

// TestAdminChecksHost: a Host other than the loopback names and the
// configured ones (what a DNS-rebinding page sends) is 421, token or not.
func TestAdminChecksHost(t *testing.T) {
	t.Parallel()
	h, _, _ := guardedAdmin(t)
	token := adminToken(t, transporthttp.AdminPermission)
	for _, host := range []string{"evil.example:9090", "evil.example", "127.0.0.1.evil.example:9090", "localhost.evil.example", ""} {
		rec := adminDoWith(h, "GET", "/admin/deadletters", http.Header{"Authorization": {token}, "Host": {host}})
		if host == "" {
			// adminDoWith keeps the default for an empty Host; send none.
			req, _ := http.NewRequest("GET", "/admin/deadletters", nil)
			req.Header.Set("Authorization", token)
			rec = recordOf(h, req)
		}
		assertAnswer(t, "Host "+host, rec, 421, `{"code":421,"message":"host not allowed","data":{}}`)
	}
	for _, host := range []string{"127.0.0.1:9090", "localhost:9090", "LOCALHOST", "[::1]:9090", "ops.internal:9090", "Ops.Internal."} {
		if rec := adminDoWith(h, "GET", "/admin/deadletters", http.Header{"Authorization": {token}, "Host": {host}}); rec.Code != 200 {
			t.Errorf("Host %s: %d %s", host, rec.Code, rec.Body)
		}
	}
}

// TestAdminRefusesCrossSiteRequests: what a web page can make a browser
// send to the loopback admin address — a form POST, a fetch from another
// origin — is refused before anything runs, even were it to carry a
// token; the operator's own clients (no Origin, or this origin) pass.
func TestAdminRefusesCrossSiteRequests(t *testing.T) {
	t.Parallel()
	h, replayed, rebuilds := guardedAdmin(t)
	token := adminToken(t, transporthttp.AdminPermission)
	crossSite := `{"code":403,"message":"cross-site request refused","data":{}}`
	tests := []struct {
		name   string
		header http.Header
		status int
		body   string
	}{
		{"formPost", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, 415,
			`{"code":415,"message":"unsupported media type: the admin API's requests have no body","data":{}}`},
		{"multipartPost", http.Header{"Content-Type": {"multipart/form-data; boundary=x"}}, 415, ""},
		{"textPlainPost", http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}, 415, ""},
		{"fromAnotherSite", http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}, 403, crossSite},
		{"secFetchSiteCrossSite", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, crossSite},
		{"secFetchSiteSameSite", http.Header{"Sec-Fetch-Site": {"same-site"}}, 403, crossSite},
		{"originOfAnotherSite", http.Header{"Origin": {"https://evil.example"}}, 403, crossSite},
		{"originOfAnotherPortOnLoopback", http.Header{"Origin": {"http://127.0.0.1:3000"}}, 403, crossSite},
		{"originNull", http.Header{"Origin": {"null"}}, 403, crossSite},
	}
	for _, tt := range tests {
		for _, path := range []string{"/admin/deadletters/replay", "/admin/projections/customers/rebuild"} {
			tt.header.Set("Authorization", token)
			rec := adminDoWith(h, "POST", path, tt.header)
			if rec.Code != tt.status || (tt.body != "" && rec.Body.String() != tt.body) {
				t.Errorf("%s %s: %d %s; want %d %s", tt.name, path, rec.Code, rec.Body, tt.status, tt.body)
			}
		}
	}
	if len(*replayed) != 0 || *rebuilds != 0 {
		t.Fatalf("cross-site requests replayed %v and started %d rebuilds", *replayed, *rebuilds)
	}
	for _, header := range []http.Header{
		{"Origin": {"http://" + adminHost}, "Sec-Fetch-Site": {"same-origin"}},
		{"Sec-Fetch-Site": {"none"}},
		{"Content-Type": {"application/json"}},
	} {
		header.Set("Authorization", token)
		if rec := adminDoWith(h, "POST", "/admin/deadletters/replay", header); rec.Code != 200 {
			t.Errorf("same-origin request %v: %d %s", header, rec.Code, rec.Body)
		}
	}
}

// TestAdminHasNoProfiler: /debug/pprof/ is not on the admin address.
func TestAdminHasNoProfiler(t *testing.T) {
	t.Parallel()
	h, _, _ := guardedAdmin(t)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/heap"} {
		assertAnswer(t, path, adminDo(t, h, "GET", path), 404, `{"code":404,"message":"not found","data":{}}`)
	}
}

// TestDebugHandlerServesTheProfiler: the debug handler serves pprof,
// without the command line, and only to its hosts and same-origin clients.
func TestDebugHandlerServesTheProfiler(t *testing.T) {
	t.Parallel()
	h := transporthttp.NewDebugHandler(transporthttp.DebugDeps{})
	get := func(path string, header http.Header) *http.Response {
		req, _ := http.NewRequest("GET", path, nil)
		req.Host = "127.0.0.1:6060"
		for k, v := range header {
			req.Header[k] = v
		}
		if host := header.Get("Host"); host != "" {
			req.Host = host
		}
		return recordOf(h, req).Result()
	}
	if res := get("/debug/pprof/goroutine?debug=1", nil); res.StatusCode != 200 {
		t.Errorf("goroutine profile: %d", res.StatusCode)
	}
	if res := get("/debug/pprof/", nil); res.StatusCode != 200 {
		t.Errorf("index: %d", res.StatusCode)
	}
	for name, c := range map[string]struct {
		header http.Header
		status int
	}{
		"cmdline":     {nil, 404},
		"rebinding":   {http.Header{"Host": {"evil.example:6060"}}, 421},
		"cross-site":  {http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
		"otherOrigin": {http.Header{"Origin": {"https://evil.example"}}, 403},
	} {
		path := "/debug/pprof/heap"
		if name == "cmdline" {
			path = "/debug/pprof/cmdline"
		}
		if res := get(path, c.header); res.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", name, res.StatusCode, c.status)
		}
	}
}
