package http

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/domain"
)

// AdminPermission is the permission a token needs for the admin API
// (`customersvc token --admin` mints one from the service's secret).
const AdminPermission = "admin:customersvc"

// loopbackHosts are the host names every operators' listener answers to.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// mayAdminister allows the holders of AdminPermission, whatever their
// organization and role.
func mayAdminister(p domain.Principal) error {
	if !p.HasPermission(AdminPermission) {
		return domain.ErrForbidden
	}
	return nil
}

// hostSet is the host names a listener answers to: the loopback names and
// the names given, compared case-insensitively and without a port.
type hostSet map[string]bool

func newHostSet(names []string) hostSet {
	hosts := hostSet{}
	for _, n := range append(names, loopbackHosts...) {
		if n = normalizeHost(n); n != "" {
			hosts[n] = true
		}
	}
	return hosts
}

// normalizeHost is the host of a Host header or an origin's authority,
// without port, brackets or a trailing dot, in lower case.
func normalizeHost(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	return strings.ToLower(host)
}

// checkHost refuses a request whose Host is not one of hosts with 421: a
// browser led to the listener by DNS rebinding sends the attacker's name.
func checkHost(hosts hostSet) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !hosts[normalizeHost(c.Request.Host)] {
			c.Abort()
			respond(c, http.StatusMisdirectedRequest, "host not allowed", emptyData)
		}
	}
}

// sameOrigin refuses with 403 what a browser sends on behalf of another
// site or another origin on this host: a Sec-Fetch-Site other than
// same-origin or none (typed by the user), or an Origin that is not this
// listener's own. Clients other than browsers send neither header.
func sameOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		site := c.GetHeader("Sec-Fetch-Site")
		origin, hasOrigin := c.Request.Header["Origin"]
		ok := site == "" || site == "same-origin" || site == "none"
		if ok && hasOrigin {
			u, err := url.Parse(strings.Join(origin, ""))
			ok = err == nil && u.Host != "" && strings.EqualFold(u.Host, c.Request.Host)
		}
		if !ok {
			c.Abort()
			respond(c, http.StatusForbidden, "cross-site request refused", emptyData)
		}
	}
}

// noFormBodies refuses, with 415, a state-changing request whose body has
// one of the content types an HTML form or a "simple" cross-site request
// can send without a CORS preflight. The admin API's POSTs take no body.
func noFormBodies() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return
		}
		ct := c.GetHeader("Content-Type")
		if ct == "" {
			return
		}
		media, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil, media == "application/x-www-form-urlencoded", media == "multipart/form-data", media == "text/plain":
			c.Abort()
			respond(c, http.StatusUnsupportedMediaType, "unsupported media type: the admin API's requests have no body", emptyData)
		}
	}
}
