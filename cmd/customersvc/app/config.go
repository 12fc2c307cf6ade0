package app

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// Config is the service's configuration. Every field has an environment
// variable and a flag of the same meaning; flags win.
type Config struct {
	HTTPAddr string
	DataDir  string
	// Server timeouts: reading a whole request, writing a response, and
	// keeping an idle keep-alive connection.
	HTTPReadTimeout  time.Duration
	HTTPWriteTimeout time.Duration
	HTTPIdleTimeout  time.Duration

	// EventStoreURL selects EventStoreDB (KurrentDB) as the event store.
	EventStoreURL string
	// ReadModelURL selects PostgreSQL as the read model, shared by every
	// replica; empty keeps a SQLite read model in DataDir.
	ReadModelURL string

	NATSURL             string
	NATSEmbeddedListen  string
	NATSStream          string
	NATSSubjectPrefix   string
	NATSDuplicateWindow time.Duration
	// The stream's retention limits and compression: the oldest events go
	// once the stream holds NATSStreamMaxAge or NATSStreamMaxBytes
	// (uncompressed) of them. Zero is no limit.
	NATSStreamMaxAge      time.Duration
	NATSStreamMaxBytes    ByteSize
	NATSStreamCompression string
	// The dead-letter stream's retention limits: past any of them, the
	// oldest dead letters go. They hold whole customers, so keeping them
	// forever costs disk and privacy; the event store keeps every event.
	// Zero is no limit.
	DeadLetterMaxAge   time.Duration
	DeadLetterMaxBytes ByteSize
	DeadLetterMaxMsgs  int
	// NATSReplicas is how many copies a NATS cluster keeps of the stream,
	// the dead letters and the relay's buckets.
	NATSReplicas int
	// ReplicaName names this instance to the others: the relay lease shows
	// it, and with a local read model its own consumer is named after it.
	// Empty: the host name.
	ReplicaName string
	// RelayLeaseTTL is how long the relay lease outlives its holder's last
	// renewal: the longest another replica waits to take over the relay
	// from one that died or lost NATS.
	RelayLeaseTTL time.Duration
	// RelayRepublishWindow is how much of the log the relay publishes again
	// after a restart, to cover what JetStream acknowledged but had not yet
	// written to disk when the machine stopped.
	RelayRepublishWindow time.Duration

	AuthHS256Secret string
	// AuthJWKSURL turns on RS256/ES256/ES384/EdDSA tokens from an OIDC
	// provider's key set. With it and no HS256 secret, HS256 is off.
	AuthJWKSURL             string
	AuthJWKSRefreshInterval time.Duration
	AuthJWKSMinRefetch      time.Duration
	AuthIssuer              string
	AuthAudience            string
	AuthLeeway              time.Duration
	// AuthJWKSAllowHTTP accepts an http:// AUTH_JWKS_URL (tests only).
	AuthJWKSAllowHTTP bool
	// AuthJWKSMaxStaleness is how long key-set keys stay trusted after the
	// last successful fetch.
	AuthJWKSMaxStaleness time.Duration

	BrandingLogoURL     string
	BrandingDarkLogoURL string

	// AdminAddr serves the operators' API (dead letters, projections),
	// which needs a token with the admin permission; on every interface
	// only with AdminAllowAllInterfaces. Empty turns it off.
	AdminAddr string
	// AdminAllowedHosts are further host names the admin and debug
	// listeners answer to (comma-separated), besides the loopback names
	// and their own address's host.
	AdminAllowedHosts string
	// AdminAllowAllInterfaces permits ADMIN_ADDR and DEBUG_ADDR on every
	// interface (0.0.0.0, ::, or no host), refused otherwise.
	AdminAllowAllInterfaces bool
	// DebugAddr serves /debug/pprof/; empty (the default) turns it off.
	DebugAddr string

	EventSource     string
	ShutdownTimeout time.Duration
	// StartupTimeout is how long start-up keeps trying to reach an external
	// EventStoreDB and NATS (a cold `docker compose up` starts them together
	// with the service) before it gives up.
	StartupTimeout time.Duration
	LogLevel       string
}

// setting ties a Config field to its environment variable and flag.
type setting struct {
	env, flag, usage string
	str              *string
	dur              *time.Duration
	size             *ByteSize
	num              *int
	boolean          *bool
}

func (c *Config) settings() []setting {
	return []setting{
		{env: "HTTP_ADDR", flag: "http-addr", usage: "HTTP listen address", str: &c.HTTPAddr},
		{env: "HTTP_READ_TIMEOUT", flag: "http-read-timeout", usage: "time to read a request, headers and body", dur: &c.HTTPReadTimeout},
		{env: "HTTP_WRITE_TIMEOUT", flag: "http-write-timeout", usage: "time to handle a request and write the response", dur: &c.HTTPWriteTimeout},
		{env: "HTTP_IDLE_TIMEOUT", flag: "http-idle-timeout", usage: "how long an idle keep-alive connection stays open", dur: &c.HTTPIdleTimeout},
		{env: "DATA_DIR", flag: "data-dir", usage: "directory for the embedded stores", str: &c.DataDir},
		{env: "EVENTSTORE_URL", flag: "eventstore-url", usage: "EventStoreDB connection string; empty keeps events in DATA_DIR", str: &c.EventStoreURL},
		{env: "READMODEL_URL", flag: "readmodel-url", usage: "PostgreSQL URL of a read model shared by replicas; empty keeps it in DATA_DIR", str: &c.ReadModelURL},
		{env: "NATS_URL", flag: "nats-url", usage: "external NATS server; empty starts an embedded one", str: &c.NATSURL},
		{env: "NATS_EMBEDDED_LISTEN", flag: "nats-embedded-listen", usage: "host:port on which the embedded NATS also listens", str: &c.NATSEmbeddedListen},
		{env: "NATS_STREAM", flag: "nats-stream", usage: "JetStream stream of the events", str: &c.NATSStream},
		{env: "NATS_SUBJECT_PREFIX", flag: "nats-subject-prefix", usage: "subject prefix of the events", str: &c.NATSSubjectPrefix},
		{env: "NATS_DUPLICATE_WINDOW", flag: "nats-duplicate-window", usage: "JetStream duplicate window", dur: &c.NATSDuplicateWindow},
		{env: "NATS_STREAM_MAX_AGE", flag: "nats-stream-max-age", usage: "oldest event the stream keeps; 0: no limit", dur: &c.NATSStreamMaxAge},
		{env: "NATS_STREAM_MAX_BYTES", flag: "nats-stream-max-bytes", usage: "uncompressed bytes the stream keeps (e.g. 16GiB); 0: no limit", size: &c.NATSStreamMaxBytes},
		{env: "NATS_STREAM_COMPRESSION", flag: "nats-stream-compression", usage: "s2 or none", str: &c.NATSStreamCompression},
		{env: "NATS_DEADLETTER_MAX_AGE", flag: "nats-deadletter-max-age", usage: "oldest dead letter the dead-letter stream keeps; 0: no limit", dur: &c.DeadLetterMaxAge},
		{env: "NATS_DEADLETTER_MAX_BYTES", flag: "nats-deadletter-max-bytes", usage: "bytes the dead-letter stream keeps (e.g. 1GiB); 0: no limit", size: &c.DeadLetterMaxBytes},
		{env: "NATS_DEADLETTER_MAX_MSGS", flag: "nats-deadletter-max-msgs", usage: "dead letters the dead-letter stream keeps; 0: no limit", num: &c.DeadLetterMaxMsgs},
		{env: "NATS_REPLICAS", flag: "nats-replicas", usage: "copies of the stream and buckets a NATS cluster keeps (1 to 5)", num: &c.NATSReplicas},
		{env: "REPLICA_NAME", flag: "replica-name", usage: "this instance's name among the replicas; empty: the host name", str: &c.ReplicaName},
		{env: "RELAY_LEASE_TTL", flag: "relay-lease-ttl", usage: "how long a dead relay leader holds the relay before another replica takes over", dur: &c.RelayLeaseTTL},
		{env: "RELAY_REPUBLISH_WINDOW", flag: "relay-republish-window", usage: "how much of the log is published again after a restart", dur: &c.RelayRepublishWindow},
		{env: "AUTH_HS256_SECRET", flag: "auth-hs256-secret", usage: "HS256 token secret; empty uses DATA_DIR/auth.secret", str: &c.AuthHS256Secret},
		{env: "AUTH_JWKS_URL", flag: "auth-jwks-url", usage: "OIDC key set URL for RS256/ES256/ES384/EdDSA tokens", str: &c.AuthJWKSURL},
		{env: "AUTH_JWKS_REFRESH_INTERVAL", flag: "auth-jwks-refresh-interval", usage: "how often the key set is fetched", dur: &c.AuthJWKSRefreshInterval},
		{env: "AUTH_JWKS_MIN_REFETCH_INTERVAL", flag: "auth-jwks-min-refetch-interval", usage: "least time between fetches on an unknown key id", dur: &c.AuthJWKSMinRefetch},
		{env: "AUTH_ISSUER", flag: "auth-issuer", usage: "required token issuer", str: &c.AuthIssuer},
		{env: "AUTH_AUDIENCE", flag: "auth-audience", usage: "required token audience", str: &c.AuthAudience},
		{env: "AUTH_LEEWAY", flag: "auth-leeway", usage: "clock skew allowed on exp/nbf/iat", dur: &c.AuthLeeway},
		{env: "BRANDING_LOGO_URL", flag: "branding-logo-url", usage: "logo URL given to new customers", str: &c.BrandingLogoURL},
		{env: "BRANDING_DARK_LOGO_URL", flag: "branding-dark-logo-url", usage: "dark-theme logo URL given to new customers", str: &c.BrandingDarkLogoURL},
		{env: "EVENT_SOURCE", flag: "event-source", usage: "CloudEvents source of published events", str: &c.EventSource},
		{env: "SHUTDOWN_TIMEOUT", flag: "shutdown-timeout", usage: "time allowed for a graceful stop", dur: &c.ShutdownTimeout},
		{env: "STARTUP_TIMEOUT", flag: "startup-timeout", usage: "how long start-up retries an unreachable EventStoreDB or NATS", dur: &c.StartupTimeout},
		{env: "ADMIN_ADDR", flag: "admin-addr", usage: "address of the operators' API; empty: off", str: &c.AdminAddr},
		{env: "LOG_LEVEL", flag: "log-level", usage: "debug, info, warn or error", str: &c.LogLevel},
		{env: "ADMIN_ALLOWED_HOSTS", flag: "admin-allowed-hosts", usage: "comma-separated host names the admin and debug listeners answer to besides loopback", str: &c.AdminAllowedHosts},
		{env: "ADMIN_ALLOW_ALL_INTERFACES", flag: "admin-allow-all-interfaces", usage: "allow ADMIN_ADDR and DEBUG_ADDR on every interface (0.0.0.0, ::)", boolean: &c.AdminAllowAllInterfaces},
		{env: "DEBUG_ADDR", flag: "debug-addr", usage: "address of /debug/pprof/; empty: off", str: &c.DebugAddr},
		{env: "AUTH_JWKS_ALLOW_HTTP", flag: "auth-jwks-allow-http", usage: "accept an http:// AUTH_JWKS_URL (tests only)", boolean: &c.AuthJWKSAllowHTTP},
		{env: "AUTH_JWKS_MAX_STALENESS", flag: "auth-jwks-max-staleness", usage: "how long key-set keys are trusted after the last successful fetch", dur: &c.AuthJWKSMaxStaleness},
	}
}

// Environment lists the environment variables the service reads, in the
// order of its flags.
func Environment() []string {
	var c Config
	settings := c.settings()
	names := make([]string, len(settings))
	for i, s := range settings {
		names[i] = s.env
	}
	return names
}

// DefaultConfig is the configuration with nothing set.
func DefaultConfig() Config {
	return Config{
		HTTPAddr:            ":8080",
		HTTPReadTimeout:     10 * time.Second,
		HTTPWriteTimeout:    30 * time.Second,
		HTTPIdleTimeout:     2 * time.Minute,
		DataDir:             "./data",
		NATSStream:          "CUSTOMER_EVENTS",
		NATSSubjectPrefix:   "customers.events",
		NATSDuplicateWindow: 5 * time.Minute,
		// A year of events, and at most 16 GiB of them: a year of 1,000
		// creates an hour is about 9.6 GiB uncompressed, 2.0 GB on disk
		// with s2 (docs/benchmarks.md, "Disk per customer"). With NATS_URL
		// the byte limit is the operator's to set (LoadConfig).
		NATSStreamMaxAge:      366 * 24 * time.Hour,
		NATSStreamMaxBytes:    16 << 30,
		NATSStreamCompression: "s2",
		NATSReplicas:          1,
		RelayLeaseTTL:         10 * time.Second,
		RelayRepublishWindow:  3 * time.Minute,
		BrandingLogoURL:       "https://cdn.example.com/logos/org-console.png",
		BrandingDarkLogoURL:   "https://cdn.example.com/logos/org-console-dark.png",
		EventSource:           "customersvc",
		AdminAddr:             "127.0.0.1:9090",
		AuthLeeway:            auth.DefaultLeeway,
		AuthJWKSMaxStaleness:  auth.DefaultJWKSMaxStaleness,
		ShutdownTimeout:       30 * time.Second,
		StartupTimeout:        2 * time.Minute,
		LogLevel:              "info",
		// Dead letters: 30 days, 1 GiB and 100,000 of them leave time to
		// notice and replay, bound the disk, and do not keep customers'
		// data for ever. With NATS_URL the byte limit is the operator's.
		DeadLetterMaxAge:   30 * 24 * time.Hour,
		DeadLetterMaxBytes: 1 << 30,
		DeadLetterMaxMsgs:  100_000,
	}
}

// LoadConfig reads the environment (through getenv) over the defaults,
// then the flags in args over that, and validates the result.
func LoadConfig(name string, args []string, getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var errs []error
	for _, s := range cfg.settings() {
		env := getenv(s.env)
		usage := s.usage + " (" + s.env + ")"
		switch {
		case s.str != nil:
			if env != "" {
				*s.str = env
			}
			fs.StringVar(s.str, s.flag, *s.str, usage)
		case s.dur != nil:
			if env != "" {
				d, err := time.ParseDuration(env)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
				}
				*s.dur = d
			}
			fs.DurationVar(s.dur, s.flag, *s.dur, usage)
		case s.size != nil:
			if env != "" {
				if err := s.size.Set(env); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
				}
			}
			fs.Var(s.size, s.flag, usage)
		case s.num != nil:
			if env != "" {
				n, err := strconv.Atoi(env)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %q is not a whole number", s.env, env))
				}
				*s.num = n
			}
			fs.IntVar(s.num, s.flag, *s.num, usage)
		case s.boolean != nil:
			if env != "" {
				b, err := strconv.ParseBool(env)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %q is not true or false", s.env, env))
				}
				*s.boolean = b
			}
			fs.BoolVar(s.boolean, s.flag, *s.boolean, usage)
		}
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range cfg.settings() {
		if getenv(s.env) != "" {
			given[s.flag] = true
		}
	}
	if cfg.NATSURL == "" {
		cfg.embeddedWindows(given)
	} else if !given["nats-stream-max-bytes"] {
		// An external server reserves a stream's byte limit from its own
		// store limit and refuses the stream when that is smaller; its
		// operator sets the limit, the age limit applies meanwhile.
		cfg.NATSStreamMaxBytes = 0
	}
	if cfg.NATSURL != "" && !given["nats-deadletter-max-bytes"] {
		// As the stream's: an external server reserves the byte limit from
		// its store and refuses the stream when that is smaller.
		cfg.DeadLetterMaxBytes = 0
	}
	return cfg, cfg.Validate()
}

// The embedded JetStream syncs its files every EmbeddedSyncInterval, so the
// relay need re-publish only a little more than that after a restart, and
// the duplicate window need not be long. The window's message IDs live in
// the service's own heap (about 350 bytes each), so at full load a
// 5-minute window would hold 1.2 million of them and keep the collector
// busy; one minute holds a fifth.
const (
	EmbeddedSyncInterval         = time.Second
	embeddedRelayRepublishWindow = 10 * time.Second
	embeddedNATSDuplicateWindow  = time.Minute
)

// embeddedWindows sets the windows the embedded server's sync allows,
// where neither the environment nor a flag set them.
func (c *Config) embeddedWindows(given map[string]bool) {
	if !given["nats-duplicate-window"] {
		c.NATSDuplicateWindow = embeddedNATSDuplicateWindow
	}
	if !given["relay-republish-window"] {
		c.RelayRepublishWindow = min(embeddedRelayRepublishWindow, c.NATSDuplicateWindow/2)
	} else if !given["nats-duplicate-window"] {
		// A longer re-publish window given alone takes the duplicate
		// window along, as it must outlast it.
		c.NATSDuplicateWindow = max(c.NATSDuplicateWindow, c.RelayRepublishWindow+embeddedNATSDuplicateWindow)
	}
}

// Validate returns every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("HTTP_ADDR %q: %v", c.HTTPAddr, err)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("DATA_DIR is empty")
	}
	if c.AdminAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			bad("ADMIN_ADDR %q: %v", c.AdminAddr, err)
		}
	}
	if c.NATSURL != "" && c.NATSEmbeddedListen != "" {
		bad("NATS_EMBEDDED_LISTEN applies only to the embedded server; unset it or NATS_URL")
	}
	if c.NATSEmbeddedListen != "" {
		if _, _, err := net.SplitHostPort(c.NATSEmbeddedListen); err != nil {
			bad("NATS_EMBEDDED_LISTEN %q: %v", c.NATSEmbeddedListen, err)
		}
	}
	if c.AuthJWKSURL != "" {
		if u, err := url.Parse(c.AuthJWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("AUTH_JWKS_URL must be an absolute http(s) URL")
		}
	}
	if c.AuthJWKSRefreshInterval < 0 || c.AuthJWKSMinRefetch < 0 {
		bad("AUTH_JWKS_REFRESH_INTERVAL and AUTH_JWKS_MIN_REFETCH_INTERVAL must not be negative")
	}
	if c.AuthHS256Secret != "" && len(c.AuthHS256Secret) < 32 {
		bad("AUTH_HS256_SECRET must be at least 32 bytes")
	}
	for env, v := range map[string]string{"BRANDING_LOGO_URL": c.BrandingLogoURL, "BRANDING_DARK_LOGO_URL": c.BrandingDarkLogoURL} {
		if u, err := url.Parse(v); err != nil || u.Scheme == "" || u.Host == "" {
			bad("%s %q is not an absolute URL", env, v)
		}
	}
	if c.NATSDuplicateWindow < time.Minute {
		bad("NATS_DUPLICATE_WINDOW must be at least 1m")
	}
	if c.RelayRepublishWindow < 0 || c.RelayRepublishWindow >= c.NATSDuplicateWindow {
		bad("RELAY_REPUBLISH_WINDOW must be between 0 and NATS_DUPLICATE_WINDOW, or re-published events reach subscribers twice")
	}
	if c.NATSStreamMaxAge < 0 || (c.NATSStreamMaxAge > 0 && c.NATSStreamMaxAge < c.NATSDuplicateWindow) {
		bad("NATS_STREAM_MAX_AGE must be 0 (no limit) or at least NATS_DUPLICATE_WINDOW")
	}
	if c.NATSStreamMaxBytes < 0 {
		bad("NATS_STREAM_MAX_BYTES must not be negative")
	}
	if c.NATSStreamCompression != "s2" && c.NATSStreamCompression != "none" {
		bad("NATS_STREAM_COMPRESSION %q: want s2 or none", c.NATSStreamCompression)
	}
	if c.DeadLetterMaxAge < 0 || (c.DeadLetterMaxAge > 0 && c.DeadLetterMaxAge < time.Minute) {
		bad("NATS_DEADLETTER_MAX_AGE must be 0 (no limit) or at least 1m")
	}
	if c.DeadLetterMaxBytes < 0 || c.DeadLetterMaxMsgs < 0 {
		bad("NATS_DEADLETTER_MAX_BYTES and NATS_DEADLETTER_MAX_MSGS must not be negative")
	}
	if c.NATSReplicas < 1 || c.NATSReplicas > 5 {
		bad("NATS_REPLICAS must be 1 to 5")
	}
	if c.NATSURL == "" && c.NATSReplicas != 1 {
		bad("NATS_REPLICAS applies to an external NATS cluster; the embedded server keeps one copy")
	}
	if c.RelayLeaseTTL < time.Second {
		bad("RELAY_LEASE_TTL must be at least 1s")
	}
	if !natsName.MatchString(c.NATSStream) {
		bad("NATS_STREAM %q: use letters, digits, - and _ (the relay's buckets are named after it)", c.NATSStream)
	}
	if c.ReplicaName != "" && !natsName.MatchString(c.ReplicaName) {
		bad("REPLICA_NAME %q: use letters, digits, - and _", c.ReplicaName)
	}
	if c.ReadModelURL != "" {
		if u, err := url.Parse(c.ReadModelURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("READMODEL_URL must be a postgres:// URL")
		}
	}
	if c.EventStoreURL != "" && c.AuthHS256Secret == "" && c.AuthJWKSURL == "" {
		bad("EVENTSTORE_URL is set but neither AUTH_HS256_SECRET nor AUTH_JWKS_URL: replicas of a shared event store need one token secret, and a generated one works on this instance only")
	}
	if c.HTTPReadTimeout <= 0 || c.HTTPWriteTimeout <= 0 || c.HTTPIdleTimeout <= 0 {
		bad("HTTP_READ_TIMEOUT, HTTP_WRITE_TIMEOUT and HTTP_IDLE_TIMEOUT must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT must be positive")
	}
	if c.StartupTimeout <= 0 {
		bad("STARTUP_TIMEOUT must be positive")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("LOG_LEVEL: %v", err)
	}
	errs = append(errs, c.validateAccess()...)
	return errors.Join(errs...)
}

// natsName is what NATS_STREAM and REPLICA_NAME may hold: they become parts
// of bucket and consumer names.
var natsName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ByteSize is a number of bytes, written plainly or with a binary unit:
// 512, 64KiB, 16MiB, 16GiB, 1TiB.
type ByteSize int64

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

// Set implements flag.Value.
func (b *ByteSize) Set(text string) error {
	t := strings.TrimSpace(text)
	shift := uint(0)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, shift = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return fmt.Errorf("size %q: want a whole number of bytes, optionally with KiB, MiB, GiB or TiB", text)
	}
	*b = ByteSize(n << shift)
	return nil
}

// String implements flag.Value: the largest unit that writes b whole.
func (b *ByteSize) String() string {
	if b == nil {
		return "0"
	}
	for _, u := range byteUnits[:4] {
		if n := int64(*b); n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}
