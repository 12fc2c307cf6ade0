package app

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// maxAuthLeeway bounds AUTH_LEEWAY: more would keep expired tokens alive.
const maxAuthLeeway = 5 * time.Minute

// validateAccess checks the settings that guard the operators' listeners
// and the key set.
func (c Config) validateAccess() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, l := range []struct{ env, addr string }{{"ADMIN_ADDR", c.AdminAddr}, {"DEBUG_ADDR", c.DebugAddr}} {
		if l.addr == "" {
			continue
		}
		host, _, err := net.SplitHostPort(l.addr)
		switch {
		case err != nil:
			if l.env == "DEBUG_ADDR" { // ADMIN_ADDR's is reported in Validate
				bad("DEBUG_ADDR %q: %v", l.addr, err)
			}
		case allInterfaces(host) && !c.AdminAllowAllInterfaces:
			bad("%s %q listens on every interface: put it on loopback or a private address, or set ADMIN_ALLOW_ALL_INTERFACES=true", l.env, l.addr)
		}
	}
	if c.DebugAddr != "" && c.DebugAddr == c.AdminAddr {
		bad("DEBUG_ADDR must differ from ADMIN_ADDR")
	}
	for _, h := range c.adminHosts() {
		if strings.ContainsAny(h, "/*@ \t") {
			bad("ADMIN_ALLOWED_HOSTS %q: want host names or addresses, without scheme, port or wildcard", h)
		}
	}
	if c.AuthLeeway < 0 || c.AuthLeeway > maxAuthLeeway {
		bad("AUTH_LEEWAY must be between 0 and %s", maxAuthLeeway)
	}
	if c.AuthJWKSURL != "" {
		if u, err := url.Parse(c.AuthJWKSURL); err == nil && u.Scheme == "http" && !c.AuthJWKSAllowHTTP {
			bad("AUTH_JWKS_URL must be https (AUTH_JWKS_ALLOW_HTTP=true allows http, for tests only)")
		}
		if c.AuthIssuer == "" || c.AuthAudience == "" {
			bad("AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE: without them the provider's ID tokens and its tokens for other APIs are accepted")
		}
		refresh := cmp.Or(c.AuthJWKSRefreshInterval, auth.DefaultJWKSRefreshInterval)
		if c.AuthJWKSMaxStaleness <= refresh {
			bad("AUTH_JWKS_MAX_STALENESS must be longer than AUTH_JWKS_REFRESH_INTERVAL (%s)", refresh)
		}
	}
	return errs
}

// allInterfaces reports whether a listen host is every interface: empty
// (":9090"), 0.0.0.0 or ::.
func allInterfaces(host string) bool {
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// adminHosts are the names of ADMIN_ALLOWED_HOSTS.
func (c Config) adminHosts() []string {
	var hosts []string
	for h := range strings.SplitSeq(c.AdminAllowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// listenerHosts are the host names a listener on addr answers to besides
// the loopback names: its own host, unless every interface, and
// ADMIN_ALLOWED_HOSTS.
func (c Config) listenerHosts(addr string) []string {
	hosts := c.adminHosts()
	if host, _, err := net.SplitHostPort(addr); err == nil && !allInterfaces(host) {
		hosts = append(hosts, host)
	}
	return hosts
}
