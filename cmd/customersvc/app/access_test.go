package app_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// TestLoadConfigAccess: the operators' listeners are refused on every
// interface unless allowed; a key set needs https (unless allowed, for
// tests), an issuer and an audience, and keys that outlive a refresh; the
// leeway defaults to 30 s and the profiler is off.
func TestLoadConfigAccess(t *testing.T) {
	t.Parallel()
	cfg, err := app.LoadConfig("test", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthLeeway != 30*time.Second || cfg.AuthJWKSMaxStaleness != time.Hour || cfg.DebugAddr != "" || cfg.AdminAllowAllInterfaces {
		t.Errorf("defaults: leeway %s, max staleness %s, debug addr %q, all interfaces %v; want 30s, 1h, off, false",
			cfg.AuthLeeway, cfg.AuthJWKSMaxStaleness, cfg.DebugAddr, cfg.AdminAllowAllInterfaces)
	}
	jwks := map[string]string{"AUTH_JWKS_URL": "https://idp.example/oidc/jwks", "AUTH_ISSUER": "https://idp.example/oidc",
		"AUTH_AUDIENCE": "https://api.customersvc.example"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	refused := []struct {
		env  map[string]string
		want string
	}{
		{with(nil, "ADMIN_ADDR", "0.0.0.0:9090"), `ADMIN_ADDR "0.0.0.0:9090" listens on every interface`},
		{with(nil, "ADMIN_ADDR", ":9090"), `ADMIN_ADDR ":9090" listens on every interface`},
		{with(nil, "ADMIN_ADDR", "[::]:9090"), "ADMIN_ALLOW_ALL_INTERFACES=true"},
		{with(nil, "DEBUG_ADDR", "0.0.0.0:6060"), `DEBUG_ADDR "0.0.0.0:6060" listens on every interface`},
		{with(nil, "DEBUG_ADDR", "nonsense"), "DEBUG_ADDR"},
		{with(nil, "DEBUG_ADDR", "127.0.0.1:9090"), "DEBUG_ADDR must differ from ADMIN_ADDR"},
		{with(nil, "ADMIN_ALLOWED_HOSTS", "ops.example, https://ops.example"), "ADMIN_ALLOWED_HOSTS"},
		{with(nil, "ADMIN_ALLOW_ALL_INTERFACES", "maybe"), "ADMIN_ALLOW_ALL_INTERFACES"},
		{with(nil, "AUTH_LEEWAY", "1h"), "AUTH_LEEWAY"},
		{with(jwks, "AUTH_JWKS_URL", "http://idp.example/oidc/jwks"), "AUTH_JWKS_URL must be https"},
		{with(jwks, "AUTH_ISSUER", ""), "AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE"},
		{with(jwks, "AUTH_AUDIENCE", ""), "AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE"},
		{with(jwks, "AUTH_JWKS_MAX_STALENESS", "5m"), "AUTH_JWKS_MAX_STALENESS must be longer than AUTH_JWKS_REFRESH_INTERVAL"},
	}
	for _, c := range refused {
		_, err := app.LoadConfig("test", nil, env(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v; want an error with %q", c.env, err, c.want)
		}
	}
	for _, ok := range []map[string]string{
		with(nil, "ADMIN_ADDR", "0.0.0.0:9090", "ADMIN_ALLOW_ALL_INTERFACES", "true", "DEBUG_ADDR", "[::]:6060"),
		with(nil, "ADMIN_ADDR", "10.0.0.7:9090", "DEBUG_ADDR", "127.0.0.1:6060", "ADMIN_ALLOWED_HOSTS", "ops.example, customersvc-admin"),
		with(nil, "AUTH_LEEWAY", "0s"),
		jwks,
		with(jwks, "AUTH_JWKS_URL", "http://127.0.0.1:8000/jwks", "AUTH_JWKS_ALLOW_HTTP", "true"),
	} {
		if _, err := app.LoadConfig("test", nil, env(ok)); err != nil {
			t.Errorf("%v refused: %v", ok, err)
		}
	}
}

// adminDo sends a request to the admin API at addr with the token (none
// when empty) and header pairs; "Host" sets the Host header.
func adminDo(t testing.TB, addr, method, path, tok string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: raw}
}

// TestAdminAPIRequiresAnAdminToken: the running service's admin API
// answers only to a token with admin:customersvc, sent to its own host
// and not from another site; it has no profiler, and none runs unless
// DEBUG_ADDR is set. The public API allows 30 s of clock skew by default.
func TestAdminAPIRequiresAnAdminToken(t *testing.T) {
	t.Parallel()
	svc := startService(t, t.TempDir())
	addr := svc.AdminAddr()
	admin := token(t, "Owner", "operators", transporthttp.AdminPermission)
	owner := token(t, "Owner", "owner-"+uuid.NewString())
	for _, c := range []struct {
		name, method, path, tok string
		headers                 []string
		status                  int
		body                    string
	}{
		{"noToken", "GET", "/admin/deadletters", "", nil, 401, `{"code":401,"message":"invalid token","data":{}}`},
		{"noTokenRebuild", "POST", "/admin/projections/customers/rebuild", "", nil, 401, `{"code":401,"message":"invalid token","data":{}}`},
		{"ownerToken", "GET", "/admin/deadletters", owner, nil, 403, `{"code":403,"message":"insufficient permissions","data":{}}`},
		{"ownerTokenReplay", "POST", "/admin/deadletters/replay", owner, nil, 403, `{"code":403,"message":"insufficient permissions","data":{}}`},
		{"rebindingHost", "GET", "/admin/deadletters", admin, []string{"Host", "rebind.evil.example:" + port(t, addr)}, 421,
			`{"code":421,"message":"host not allowed","data":{}}`},
		{"crossSiteFormPost", "POST", "/admin/projections/customers/rebuild", admin,
			[]string{"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403,
			`{"code":403,"message":"cross-site request refused","data":{}}`},
		{"formPost", "POST", "/admin/deadletters/replay", admin, []string{"Content-Type", "text/plain"}, 415, ""},
		{"noProfiler", "GET", "/debug/pprof/", admin, nil, 404, `{"code":404,"message":"not found","data":{}}`},
		{"adminToken", "GET", "/admin/deadletters", admin, nil, 200, ""},
		{"adminTokenLocalhost", "GET", "/admin/projections", admin, []string{"Host", "localhost:" + port(t, addr)}, 200, ""},
	} {
		res := adminDo(t, addr, c.method, c.path, c.tok, c.headers...)
		if res.status != c.status || (c.body != "" && string(res.body) != c.body) {
			t.Errorf("%s: %d %s; want %d %s", c.name, res.status, res.body, c.status, c.body)
		}
	}
	if svc.DebugAddr() != "" {
		t.Errorf("a profiler listens on %s without DEBUG_ADDR", svc.DebugAddr())
	}

	// A provider (or this CLI's machine) 20 s ahead: within the default leeway.
	ahead, err := auth.Mint([]byte(testSecret), auth.MintClaims{UserID: "u", OrganizationID: "owner-ahead", OrgRole: "Owner",
		Permissions: auth.DefaultPermissions("owner"), TTL: time.Hour}, time.Now().Add(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if res := svc.do(t, "GET", "/customers", ahead, nil); res.status != 200 {
		t.Errorf("token issued 20 s ahead: %d %s; want 200 with the default AUTH_LEEWAY", res.status, res.body)
	}
}

// TestProfilerOnlyOnDebugAddr: with DEBUG_ADDR the profiler answers there,
// not on the admin address; an admin address on every interface, allowed
// explicitly, is logged as a warning.
func TestProfilerOnlyOnDebugAddr(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	svc := startServiceLogging(t, t.TempDir(), &logs, slog.LevelWarn, func(c *app.Config) {
		c.AdminAddr, c.AdminAllowAllInterfaces, c.DebugAddr = "0.0.0.0:0", true, "127.0.0.1:0"
	})
	admin := token(t, "Owner", "operators", transporthttp.AdminPermission)
	adminAddr := "127.0.0.1:" + port(t, svc.AdminAddr())
	if res := adminDo(t, adminAddr, "GET", "/debug/pprof/goroutine?debug=1", admin); res.status != 404 {
		t.Errorf("profiler on the admin address: %d", res.status)
	}
	if res := adminDo(t, adminAddr, "GET", "/admin/deadletters", admin); res.status != 200 {
		t.Errorf("admin API on every interface, reached on loopback: %d %s", res.status, res.body)
	}
	res := adminDo(t, svc.DebugAddr(), "GET", "/debug/pprof/goroutine?debug=1", "")
	if res.status != 200 || !strings.HasPrefix(string(res.body), "goroutine profile: total") {
		t.Errorf("profiler on DEBUG_ADDR: %d %.80s", res.status, res.body)
	}
	if res := adminDo(t, svc.DebugAddr(), "GET", "/debug/pprof/heap", "", "Host", "rebind.evil.example"); res.status != 421 {
		t.Errorf("profiler answered a foreign Host: %d", res.status)
	}
	svc.stop()
	if !strings.Contains(logs.String(), "admin API listens on every interface") {
		t.Errorf("no warning about the admin API on every interface in the log: %s", logs.String())
	}
}

func port(t testing.TB, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
